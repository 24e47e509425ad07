"""Generation of the seed's catalogue: products, plans, coupons and promotion codes; and the
price object Stripe embeds for a plan in a subscription item or a line item (:func:`price_of`,
:func:`plan_item`).

Called by :func:`stripe_emulator.generate.build_account` first, from the account's main
random stream (same guarantees as the rest of the account): plans of existing products,
promotion codes of existing coupons, each created no earlier than what it links to.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen, Obj
from stripe_emulator.templates import template

_PRODUCTS = (
    "Starter",
    "Pro",
    "Team",
    "Enterprise",
    "Add-on seat",
    "Support",
    "Storage",
    "API credits",
    "Onboarding",
    "Analytics",
    "Backup",
    "Premium",
)


def catalog(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts[type]`` products, plans, coupons and promotion codes."""
    for i in range(counts["product"]):
        made = g.make(
            "product",
            g.when("product"),
            name=_PRODUCTS[i % len(_PRODUCTS)],
            description=None,
            active=g.rng.random() > 0.1,
            images=[],
            default_price=None,
            url=None,
        )
        made["updated"] = made["created"]  # never null in Stripe
        g.add(made)
    g.sorted_pool("product")
    for _ in range(counts["plan"]):
        t = g.when("plan")
        product = g.pick_before("product", t)
        assert product is not None
        t = max(t, product["created"])
        interval = g.rng.choice(("month", "month", "year"))
        amount = g.amount(900, 30_000)
        g.add(
            g.make(
                "plan",
                t,
                product=product["id"],
                amount=amount,
                amount_decimal=str(amount),
                interval=interval,
                interval_count=1,
                currency="usd",
                nickname=f"{product['name']} {interval}ly",
                active=True,
                metadata={},
            )
        )
    g.sorted_pool("plan")
    for _ in range(counts["coupon"]):
        pct = g.rng.random() < 0.6
        g.add(
            g.make(
                "coupon",
                g.when("coupon"),
                percent_off=g.rng.choice((10, 15, 20, 50)) if pct else None,
                amount_off=None if pct else g.amount(500, 5000),
                currency=None if pct else "usd",
                duration="once",
                valid=True,
                name=None,
                times_redeemed=g.rng.randrange(0, 40),
            )
        )
    g.sorted_pool("coupon")
    for _ in range(counts["promotion_code"]):
        t = g.when("promotion_code")
        coupon = g.pick_before("coupon", t)
        assert coupon is not None
        code = "".join(g.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=8))
        g.add(
            g.make(
                "promotion_code",
                max(t, coupon["created"]),
                coupon=coupon,
                code=code,
                active=True,
                customer=None,
                times_redeemed=g.rng.randrange(0, 20),
            )
        )


def price_of(plan: Obj) -> Obj:
    """The plan as the price object Stripe embeds where a plan is billed."""
    price = template("price")
    price.update(
        id=plan["id"],
        created=plan["created"],
        currency=plan["currency"],
        livemode=False,
        nickname=plan["nickname"],
        product=plan["product"],
        unit_amount=plan["amount"],
        unit_amount_decimal=str(plan["amount"]),
        recurring={
            **(price.get("recurring") or {}),
            "interval": plan["interval"],
            "interval_count": 1,
        },
        type="recurring",
    )
    return price


def plan_item(g: Gen, plan: Obj, parent: str) -> int:
    """Add a line item (an ``item``) of 1 to 3 of ``plan`` under ``parent`` (a Checkout
    Session, a quote, a payment link); its amount."""
    qty = g.rng.randrange(1, 4)
    amount = int(plan["amount"]) * qty
    g.add(
        g.make(
            "item",
            None,
            amount_subtotal=amount,
            amount_total=amount,
            amount_discount=0,
            amount_tax=0,
            currency=plan["currency"],
            description=plan["nickname"],
            price=price_of(plan),
            quantity=qty,
        ),
        parent,
    )
    return amount
