"""Generation of the money that leaves the balance: payouts and transfers (seed streams), and
the reversals of transfers.

:func:`payouts_and_transfers` runs from the account's main random stream after the payments;
:func:`transfer_reversals` later, from the stream of the resources added since (see
:func:`stripe_emulator.generate.build_account`). Each of them has its balance transaction;
a third of the transfers are reversed, wholly or in part, the newest one in 12 parts (past
the embedded 10), listed newest first as Stripe lists them.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen, balance_transaction, embedded_list, suffix


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
        tr["reversals"] = embedded_list([], f"/v1/transfers/{tr['id']}/reversals")
        tr["balance_transaction"] = balance_transaction(g, t, -amount, tr["id"], "transfer")["id"]


def transfer_reversals(g: Gen) -> None:
    """Reverse a third of the transfers, newest first: the newest in 12 parts, one in two of
    the others whole."""
    transfers = sorted(g.by_type.get("transfer", []), key=lambda t: (-t["created"], t["id"]))
    for i, tr in enumerate(transfers[::3]):
        n = 12 if i == 0 else 1
        whole = i % 2 == 1
        part = int(tr["amount"]) if whole else max(1, int(tr["amount"]) // (2 * n))
        times = sorted((g.rng.randrange(tr["created"], g.end) for _ in range(n)), reverse=True)
        for when in times:  # Stripe lists a transfer's reversals newest first
            rev = g.make(
                "transfer_reversal",
                when,
                amount=part,
                currency=tr["currency"],
                transfer=tr["id"],
                destination_payment_refund=f"pyr_{suffix(g)}",
                source_refund=None,
            )
            rev["balance_transaction"] = balance_transaction(
                g, when, part, rev["id"], "transfer_refund"
            )["id"]
            g.add(rev, tr["id"])
        tr.update(amount_reversed=part * n, reversed=whole)
