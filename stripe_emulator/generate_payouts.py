"""Generation of the money that leaves the balance: payouts and transfers (seed streams), and
the reversals of transfers.

:func:`payouts_and_transfers` runs from the account's main random stream after the payments;
:func:`transfer_reversals` later, from the stream of the resources added since (see
:func:`stripe_emulator.generate.build_account`). Each of them has its balance transaction;
a third of the transfers are reversed, wholly or in part, the newest one in 12 parts (past
the embedded 10), listed newest first as Stripe lists them.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen, balance_transaction


def payouts_and_transfers(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts["payout"]`` payouts and ``counts["transfer"]`` transfers."""
    for _ in range(counts["payout"]):
        t = g.when("payout")
        amount = g.amount(10_000, 500_000)
        po = g.add(
            g.make(
                "payout",
                t,
                amount=amount,
                arrival_date=t + 172_800,
                currency="usd",
                destination="ba_" + g.new_id("coupon") * 3,
                status="paid",
                method="standard",
                type="bank_account",
                description="STRIPE PAYOUT",
                failure_code=None,
                failure_message=None,
                failure_balance_transaction=None,
                automatic=True,
                original_payout=None,
                reversed_by=None,
                statement_descriptor=None,
            )
        )
        po["balance_transaction"] = balance_transaction(g, t, -amount, po["id"], "payout")["id"]
    for _ in range(counts["transfer"]):
        t = g.when("transfer")
        amount = g.amount(1000, 100_000)
        tr = g.add(
            g.make(
                "transfer",
                t,
                amount=amount,
                amount_reversed=0,
                currency="usd",
                destination="acct_" + g.new_id("coupon") * 2,
                description=None,
                reversed=False,
                source_transaction=None,
                transfer_group=None,
                destination_payment=None,
            )
        )
        tr["reversals"] = {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/transfers/{tr['id']}/reversals",
        }
        tr["balance_transaction"] = balance_transaction(g, t, -amount, tr["id"], "transfer")["id"]
