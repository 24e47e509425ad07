"""``python -m stripe_emulator``: serve a generated account until SIGINT/SIGTERM.

Prints one line ``<url> account=<id> key=<api key>`` to stdout (flushed; with
``--connected-accounts N``, followed by `` connected=N``), then serves; exits 0 after a clean
stop. With ``--connected-accounts N`` the account is a Connect platform with N small
connected accounts of their own data (``stripe_emulator.platform.connected_accounts``): the
platform's key with ``Stripe-Account: <id>`` (ids listed by ``/v1/accounts``) reads one.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType

from stripe_emulator.generate import build_account
from stripe_emulator.platform import build_platform, connected_accounts
from stripe_emulator.server import Emulator


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line's flags (``--event-retention-days``: days of events listed, default
    Stripe's 30; 0 keeps every event)."""
    now = datetime.now(UTC).replace(microsecond=0)
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    parser.add_argument(
        "--endpoint-rate-limit",
        type=float,
        default=None,
        help="requests per second per endpoint, ids folded (Stripe: 25), on top of --rate-limit",
    )
    parser.add_argument("--retry-after", type=int, default=None, help="seconds, on 429s")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--start", type=_when, default=now - timedelta(days=365))
    parser.add_argument("--end", type=_when, default=now)
    parser.add_argument("--account-id", default="acct_emulator")
    parser.add_argument("--api-key", default="sk_test_emulator")
    parser.add_argument(
        "--event-retention-days",
        type=int,
        default=30,
        help="days of events listed, counted back from now (Stripe: 30); 0 keeps every event",
    )
    parser.add_argument(
        "--connected-accounts",
        type=_count,
        default=0,
        metavar="N",
        help="serve the account as a Connect platform with N small connected accounts, each "
        "read with the platform's key and Stripe-Account: <id> (listed by /v1/accounts)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse flags, build the account, serve until a signal; return the exit code."""
    args = build_parser().parse_args(argv)

    account = build_account(
        args.objects, args.seed, args.start, args.end, args.account_id, args.api_key
    )
    account.event_retention_days = args.event_retention_days or None
    shops = connected_accounts(
        args.connected_accounts,
        args.seed,
        args.start,
        args.end,
        event_retention_days=account.event_retention_days,
    )
    emulator = Emulator(
        account,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        endpoint_rate_limit=args.endpoint_rate_limit,
        fault_rate=args.fault_rate,
        retry_after=args.retry_after,
        seed=args.seed,
        port=args.port,
        connected_accounts=build_platform(account, shops),
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with emulator:
        line = f"{emulator.url} account={account.id} key={account.api_key}"
        print(line + (f" connected={len(shops)}" if shops else ""), flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
