"""Generation of the seed's Checkout Sessions and their line items.

Called by :func:`stripe_emulator.generate.build_account` after the payouts, from the
account's main random stream: completed sessions are those of the newest payment intents
(created with them), others expired or open; each line item bills a plan, and the first
session has more than 10 of them (``has_more``).
"""

from __future__ import annotations

from stripe_emulator.generate_base import BIG_FAMILY, Gen
from stripe_emulator.generate_products import plan_item


def checkout(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts["checkout.session"]`` sessions with their line items."""
    pis = g.by_type.get("payment_intent", [])
    for i in range(counts["checkout.session"]):
        t = g.when("checkout.session")
        status = g.rng.choice(("complete", "complete", "complete", "expired", "open"))
        pi = pis[-1 - i] if status == "complete" and i < len(pis) else None
        if pi is not None:
            t = pi["created"]
        cus_id = pi["customer"] if pi else None
        cs = g.add(
            g.make(
                "checkout.session",
                t,
                status=status,
                mode="payment",
                customer=cus_id,
                payment_intent=pi["id"] if pi else None,
                subscription=None,
                invoice=None,
                payment_status="paid" if status == "complete" else "unpaid",
                expires_at=t + 86_400,
                url=None if status != "open" else "https://checkout.stripe.com/c/pay/placeholder",
                success_url="https://example.com/success",
                cancel_url="https://example.com/cancel",
                client_reference_id=None,
                customer_email=None,
                payment_link=None,
            )
        )
        n_items = BIG_FAMILY if i == 0 else g.rng.choice((1, 1, 2, 3))
        total = 0
        for _ in range(n_items):
            plan = g.pick_before("plan", t) or g.by_type["plan"][0]
            total += plan_item(g, plan, cs["id"])
        cs.update(amount_subtotal=total, amount_total=total)
