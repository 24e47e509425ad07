"""Requests per 100 records of the Treasury child streams on a full read (issue #14).

Each of the nine lists Stripe holds per financial account costs, per run, one request per 100
financial accounts (the stream reads them itself) plus one per 100 of each financial
account's objects, at least one per financial account. Measured, not computed: the tap reads
the nine streams (full refresh) from the emulator, unthrottled, and the emulator's request log
is counted per list path. Two shapes:

* ``generated``: the emulator's account of 3,000 objects (5 financial accounts, a handful of
  money movements each);
* ``busy``: the same account with 1,000 more of each money movement on its first financial
  account (and a transaction and entry per movement), as a platform's main account has.

Run: ``.venv/bin/python -m bench.treasury_requests``.
"""

from __future__ import annotations

import collections
from datetime import UTC, datetime

from bench.product_streams import CHILD_STREAMS, stream_path
from stripe_emulator import Account, Emulator, build_account
from tests.support.tap import run_tap

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 3, 1, tzinfo=UTC)
CHILDREN = [s for s in CHILD_STREAMS if s.startswith("treasury_")]
BUSY = 1_000
MOVEMENTS = (
    "received_credit",
    "received_debit",
    "inbound_transfer",
    "outbound_transfer",
    "outbound_payment",
    "credit_reversal",
    "debit_reversal",
)


def generated() -> Account:
    return build_account(objects=3_000, seed=7, start=START, end=END, event_retention_days=None)


def busy() -> Account:
    account = generated()
    fa = account.objects("treasury.financial_account")[0]["id"]
    second = int(END.timestamp()) - 86_400
    account.clock = lambda: second
    for kind in MOVEMENTS:
        for _ in range(BUSY):
            flow = account.create(f"treasury.{kind}", financial_account=fa)
            tx = account.create(
                "treasury.transaction", financial_account=fa, flow=flow["id"], flow_type=kind
            )
            account.create("treasury.transaction_entry", financial_account=fa, transaction=tx["id"])
    return account


def measure(name: str, account: Account) -> None:
    with Emulator(account) as emulator:
        config = {
            "account_id": account.id,
            "client_secret": account.api_key,
            "start_date": "2024-01-01T00:00:00Z",
            "api_base_url": emulator.url,
            "max_requests_per_second": 1000,
            "max_requests_per_second_per_endpoint": 1000,
        }
        run = run_tap(config, streams=CHILDREN)
        asked = collections.Counter(r.path for r in emulator.requests)
    accounts = account.count("treasury.financial_account")
    parents = asked["/v1/treasury/financial_accounts"] // len(CHILDREN)
    print(f"\n{name}: {accounts} financial accounts ({parents} request(s) each stream)")
    print(f"{'stream':32} {'records':>8} {'requests':>9} {'per 100 records':>16}")
    for stream in CHILDREN:
        records = len(run.ids(stream))
        requests = asked[stream_path(CHILD_STREAMS[stream])] + parents
        per_100 = 100 * requests / records if records else float("nan")
        print(f"{stream:32} {records:>8} {requests:>9} {per_100:>16.1f}")


def main() -> None:
    measure("generated", generated())
    measure("busy", busy())


if __name__ == "__main__":
    main()
