"""Generation of the money that comes into the balance beside payments: top-ups, and
application fees of charges with their refunds.

Called from :func:`stripe_emulator.generate_more.more_resources` (same guarantees as the rest
of the account): top-ups in each status, the succeeded and reversed ones with a balance
transaction; fees of succeeded charges, one refunded in 12 parts (past the embedded 10, newest
first as Stripe lists them), one in three refunded whole; every refund with its balance
transaction.
"""

from __future__ import annotations

from stripe_emulator.generate_base import DAY, Gen, balance_transaction, suffix


def topups(g: Gen, n: int) -> None:
    """Add ``n`` top-ups (the first ones one of each status)."""
    statuses = ("succeeded", "pending", "failed", "canceled", "reversed")
    for i in range(n):
        t = g.when("topup")
        status = statuses[i] if i < len(statuses) else g.rng.choice(("succeeded",) * 3 + statuses)
        amount = g.amount(10_000, 200_000)
        tu = g.add(
            g.make(
                "topup",
                t,
                amount=amount,
                currency="usd",
                description="Top-up for Connect payouts" if i % 2 == 0 else None,
                expected_availability_date=t + 5 * DAY,
                failure_code="insufficient_funds" if status == "failed" else None,
                failure_message="The bank account has insufficient funds."
                if status == "failed"
                else None,
                statement_descriptor="TOPUP" if i % 3 == 0 else None,
                status=status,
                transfer_group=f"group_{suffix(g, 8)}" if i % 4 == 1 else None,
                balance_transaction=None,
            )
        )
        if tu["source"]:
            tu["source"] = {**tu["source"], "id": f"src_{suffix(g)}", "created": t}
        if status in ("succeeded", "reversed"):
            tu["balance_transaction"] = balance_transaction(g, t, amount, tu["id"], "topup")["id"]


def application_fees(g: Gen, n: int) -> None:
    """Add up to ``n`` application fees of succeeded charges, with their refunds."""
    charges = [c for c in g.by_type.get("charge", []) if c["status"] == "succeeded"]
    application = f"ca_{suffix(g, 32)}"
    for i in range(min(n, len(charges))):
        ch = charges[(i * 17 + 3) % len(charges)]
        t = ch["created"]
        amount = max(50, int(ch["amount"]) // 10)
        fee = g.add(
            g.make(
                "application_fee",
                t,
                account=f"acct_{suffix(g, 16)}",
                amount=amount,
                amount_refunded=0,
                application=application,
                charge=ch["id"],
                currency=ch["currency"],
                fee_source={"charge": ch["id"], "type": "charge"},
                originating_transaction=None,
                refunded=False,
            )
        )
        fee["balance_transaction"] = balance_transaction(
            g, t, amount, fee["id"], "application_fee"
        )["id"]
        # the first fee refunded in 12 parts (past the embedded 10), one in three whole
        n_refunds = 12 if i == 0 else int(i % 3 == 1)
        part = amount if n_refunds == 1 else max(1, amount // 24)
        times = sorted((g.rng.randrange(t, g.end) for _ in range(n_refunds)), reverse=True)
        for when in times:  # newest first, as Stripe lists them
            refund = g.make(
                "fee_refund", when, amount=part, currency=fee["currency"], fee=fee["id"]
            )
            refund["balance_transaction"] = balance_transaction(
                g, when, -part, refund["id"], "application_fee_refund"
            )["id"]
            g.add(refund, fee["id"])
        if n_refunds:
            fee.update(amount_refunded=part * n_refunds, refunded=n_refunds == 1)
