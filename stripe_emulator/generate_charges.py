"""Generation of the seed's payments: payment intents, their charges (and charges without
one, as older integrations make), the refunds and disputes of charges, and the balance
transactions each of them moved.

Called by :func:`stripe_emulator.generate.build_account` after the invoices, from the
account's main random stream: a paid invoice's payment intent is created with it and pays
its amount; most payment intents succeed, some are canceled (no charge) or fail (a failed
charge); each type has at least a handful of objects (refunds and disputes included).
"""

from __future__ import annotations

from stripe_emulator.generate_base import HANDFUL, Gen, Obj, balance_transaction
from stripe_emulator.templates import template


def payments(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts["payment_intent"]`` payment intents with their charges, and a few charges
    without one; refunds and disputes on a share of the charges."""
    invoices = [i for i in g.by_type.get("invoice", []) if i["status"] == "paid"]
    for i in range(counts["payment_intent"]):
        t = g.when("payment_intent")
        inv = invoices[i] if i < len(invoices) else None
        cus = g.pick_before("customer", t) if g.rng.random() < 0.85 else None
        if inv is not None:
            t = inv["created"]
            cus = g.index[inv["customer"]]
        elif cus is not None:
            t = max(t, cus["created"])
        amount = inv["amount_due"] if inv else g.amount()
        roll = g.rng.random()
        status = (
            "succeeded"
            if roll < 0.92
            else ("canceled" if roll < 0.96 else "requires_payment_method")
        )
        pi = g.add(
            g.make(
                "payment_intent",
                t,
                amount=amount,
                amount_received=amount if status == "succeeded" else 0,
                amount_capturable=0,
                currency="usd",
                customer=cus["id"] if cus else None,
                invoice=inv["id"] if inv else None,
                status=status,
                client_secret=None,
                description=None,
                latest_charge=None,
                payment_method=f"pm_{g.new_id('coupon')}{g.new_id('coupon')}",
                canceled_at=t if status == "canceled" else None,
                cancellation_reason="abandoned" if status == "canceled" else None,
                payment_method_types=["card"],
                review=None,
                last_payment_error=None,
                transfer_data=None,
            )
        )
        pi["client_secret"] = f"{pi['id']}_secret_{g.new_id('coupon')}"
        if inv is not None:
            inv["payment_intent"] = pi["id"]
        if status != "canceled":
            _charge(g, pi, cus, inv, failed=status != "succeeded")
    for _ in range(max(2, counts["payment_intent"] // 30)):  # legacy charges without a PI
        t = g.when("charge")
        _charge(g, None, g.pick_before("customer", t), None, failed=False, t=t)
    g.sorted_pool("charge")


def _charge(
    g: Gen,
    pi: Obj | None,
    cus: Obj | None,
    inv: Obj | None,
    *,
    failed: bool,
    t: int | None = None,
) -> None:
    t = pi["created"] if pi else max(int(t or g.start), cus["created"] if cus else 0)
    amount = pi["amount"] if pi else g.amount()
    ch = g.add(
        g.make(
            "charge",
            t,
            amount=amount,
            amount_captured=0 if failed else amount,
            amount_refunded=0,
            captured=not failed,
            paid=not failed,
            status="failed" if failed else "succeeded",
            currency="usd",
            customer=cus["id"] if cus else None,
            payment_intent=pi["id"] if pi else None,
            invoice=inv["id"] if inv else None,
            balance_transaction=None,
            failure_code="card_declined" if failed else None,
            failure_message="Your card was declined." if failed else None,
            description=None,
            refunded=False,
            disputed=False,
            receipt_email=None,
            receipt_url=f"https://pay.stripe.com/receipts/payment/{g.new_id('charge')}",
            billing_details={
                **template("charge")["billing_details"],
                "name": cus["name"] if cus else None,
                "email": cus["email"] if cus else None,
            },
            payment_method=pi["payment_method"] if pi else None,
            transfer=None,
            transfer_data=None,
            radar_options=None,
            review=None,
            transfer_group=None,
        )
    )
    if pi is not None:
        pi["latest_charge"] = ch["id"]
    if inv is not None:
        inv["charge"] = ch["id"]
    if failed:
        return
    ch["balance_transaction"] = balance_transaction(g, t, amount, ch["id"], "charge", fee=True)[
        "id"
    ]
    roll = g.rng.random()
    refunds, disputes = len(g.by_type.get("refund", ())), len(g.by_type.get("dispute", ()))
    if (roll < 0.12 and disputes >= HANDFUL) or refunds < HANDFUL:  # refund part or all
        rt = min(g.end - 1, t + g.rng.randrange(3600, 86_400 * 20))
        refund_amount = amount if g.rng.random() < 0.6 else amount // 2
        ref = g.add(
            g.make(
                "refund",
                rt,
                amount=refund_amount,
                charge=ch["id"],
                currency="usd",
                payment_intent=ch["payment_intent"],
                reason="requested_by_customer",
                status="succeeded",
                description=None,
                failure_balance_transaction=None,
                failure_reason=None,
                instructions_email=None,
                next_action=None,
                destination_details=None,
                receipt_number=None,
                source_transfer_reversal=None,
                transfer_reversal=None,
            )
        )
        ref["balance_transaction"] = balance_transaction(
            g, rt, -refund_amount, ref["id"], "refund"
        )["id"]
        ch.update(amount_refunded=refund_amount, refunded=refund_amount == amount)
    elif roll < 0.16 or disputes < HANDFUL:  # disputed
        dt = min(g.end - 1, t + g.rng.randrange(86_400, 86_400 * 30))
        bt = balance_transaction(g, dt, -amount, ch["id"], "adjustment")
        g.add(
            g.make(
                "dispute",
                dt,
                amount=amount,
                charge=ch["id"],
                currency="usd",
                payment_intent=ch["payment_intent"],
                balance_transactions=[bt],
                reason=g.rng.choice(("fraudulent", "product_not_received", "duplicate")),
                status=g.rng.choice(("needs_response", "under_review", "won", "lost")),
                is_charge_refundable=False,
            )
        )
        ch["disputed"] = True
