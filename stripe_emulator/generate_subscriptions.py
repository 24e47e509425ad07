"""Generation of the seed's subscriptions (with their items) and invoices (with their lines),
and the invoice items, on invoices or pending.

Called by :func:`stripe_emulator.generate.build_account` after the customers, from the
account's main random stream: subscriptions in every status Stripe has (the first eight
statuses cover them), each item billing a plan as its price; invoices of customers, most
of them billing a subscription (at least two, for the threshold and proration variations),
each line a subscription item or an invoice item; the first subscription and the first
invoice have more than 10 children, so ``has_more`` is exercised.
"""

from __future__ import annotations

from stripe_emulator.generate_base import BIG_FAMILY, Gen, Obj
from stripe_emulator.generate_products import price_of

#: Subscription statuses in generation order: every status Stripe has among the first eight
#: (so every account has each), then mostly active.
_SUB_STATUSES = (
    "active",
    "canceled",
    "trialing",
    "past_due",
    "incomplete",
    "incomplete_expired",
    "paused",
    "unpaid",
    "canceled",
    "active",
    "active",
    "active",
    "active",
    "active",
)


def subscriptions(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts["subscription"]`` subscriptions, each with its items."""
    statuses = _SUB_STATUSES
    for i in range(counts["subscription"]):
        t = g.when("subscription")
        cus = g.pick_before("customer", t)
        assert cus is not None
        t = max(t, cus["created"])
        status = statuses[i % len(statuses)]
        ended = t + 86_400 * 30 if status in ("canceled", "incomplete_expired") else None
        sub = g.add(
            g.make(
                "subscription",
                t,
                customer=cus["id"],
                status=status,
                start_date=t,
                billing_cycle_anchor=t,
                current_period_start=t,
                current_period_end=t + 2_592_000,
                cancel_at=None,
                canceled_at=ended if status == "canceled" else None,
                ended_at=ended,
                cancel_at_period_end=False,
                trial_start=None,
                trial_end=None,
                latest_invoice=None,
                discount=None,
                default_payment_method=None,
                default_source=cus["default_source"],
                description=None,
                schedule=None,
                pending_update=None,
                test_clock=None,
                transfer_data=None,
            )
        )
        n_items = BIG_FAMILY if i == 0 else g.rng.choice((1, 1, 1, 2, 3))
        for _ in range(n_items):
            plan = g.pick_before("plan", t) or g.by_type["plan"][0]
            g.add(
                g.make(
                    "subscription_item",
                    t,
                    subscription=sub["id"],
                    price=price_of(plan),
                    quantity=g.rng.randrange(1, 5),
                    metadata={},
                    discounts=[],
                    tax_rates=[],
                ),
                sub["id"],
            )
    g.sorted_pool("subscription")


def invoices(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts["invoice"]`` invoices with their lines, and ``counts["invoiceitem"]``
    pending invoice items (on no invoice yet)."""
    subs = g.by_type.get("subscription", [])
    items: dict[str, list[Obj]] = {}
    for obj, parent in g.out:
        if obj["object"] == "subscription_item" and parent:
            items.setdefault(parent, []).append(obj)
    for i in range(counts["invoice"]):
        t = g.when("invoice")
        billed = i in (1, 2) or g.rng.random() < 0.6  # two at least: threshold, proration
        sub = g.pick_before("subscription", t) if subs and billed else None
        cus = g.pick_before("customer", t)
        assert cus is not None
        if sub is not None:
            cus = g.index[sub["customer"]]
            t = max(t, sub["created"])
        t = max(t, cus["created"])
        status = g.rng.choice(("paid", "paid", "paid", "open", "draft", "void"))
        inv = g.add(
            g.make(
                "invoice",
                t,
                customer=cus["id"],
                customer_email=cus["email"],
                customer_name=cus["name"],
                subscription=sub["id"] if sub else None,
                billing_reason="subscription_cycle" if sub else "manual",
                status=status,
                number=None if status == "draft" else f"{cus['invoice_prefix']}-{i + 1:04d}",
                period_start=t,
                period_end=t,
                due_date=None,
                charge=None,
                payment_intent=None,
                paid=status == "paid",
                attempted=status in ("paid", "open"),
                hosted_invoice_url=None,
                invoice_pdf=None,
                discount=None,
                discounts=[],
                effective_at=None if status == "draft" else t,
                auto_advance=status == "draft",
                next_payment_attempt=None,
                webhooks_delivered_at=t,
            )
        )
        total = _invoice_lines(g, inv, sub, items.get(sub["id"], []) if sub else [], i == 0)
        paid = total if status == "paid" else 0
        inv.update(
            amount_due=total,
            amount_paid=paid,
            amount_remaining=total - paid,
            subtotal=total,
            subtotal_excluding_tax=total,
            total=total,
            total_excluding_tax=total,
            starting_balance=0,
            ending_balance=0,
        )
        if sub is not None:
            sub["latest_invoice"] = inv["id"]
    for _ in range(counts["invoiceitem"]):  # pending items not yet on an invoice
        t = g.when("invoiceitem")
        cus = g.pick_before("customer", t)
        assert cus is not None
        _invoiceitem(g, max(t, cus["created"]), cus["id"], None)
    g.sorted_pool("invoice")
    g.sorted_pool("invoiceitem")


def _invoiceitem(g: Gen, t: int, customer: str, invoice: str | None) -> Obj:
    amount = g.amount(100, 20_000)
    g.times.setdefault("invoiceitem", []).append(t)
    return g.add(
        g.make(
            "invoiceitem",
            None,
            customer=customer,
            invoice=invoice,
            amount=amount,
            currency="usd",
            date=t,
            description="One-off charge",
            period={"end": t, "start": t},
            price=None,
            quantity=1,
            subscription=None,
            subscription_item=None,
            discounts=[],
            unit_amount=amount,
            unit_amount_decimal=str(amount),
            proration=False,
        )
    )


def _invoice_lines(g: Gen, inv: Obj, sub: Obj | None, items: list[Obj], big: bool) -> int:
    t = inv["created"]
    total = 0
    n_lines = BIG_FAMILY + 2 if big else (len(items) if sub else g.rng.choice((1, 1, 2, 3)))
    for j in range(n_lines):
        item = items[j] if sub and j < len(items) else None
        if item is not None:
            price = item["price"]
            amount = int(price["unit_amount"] or 0) * int(item["quantity"])
            extra: Obj = {
                "type": "subscription",
                "subscription": sub["id"] if sub else None,
                "subscription_item": item["id"],
                "invoice_item": None,
                "price": price,
                "quantity": item["quantity"],
            }
        else:
            ii = _invoiceitem(g, t, inv["customer"], inv["id"])
            amount = ii["amount"]
            extra = {
                "type": "invoiceitem",
                "subscription": None,
                "subscription_item": None,
                "invoice_item": ii["id"],
                "price": None,
                "quantity": 1,
            }
        total += amount
        g.add(
            g.make(
                "line_item",
                None,
                invoice=inv["id"],
                amount=amount,
                amount_excluding_tax=amount,
                unit_amount_excluding_tax=str(amount),
                currency="usd",
                description=f"Line {j + 1}",
                discountable=True,
                period={"end": t + 2_592_000, "start": t},
                proration=False,
                proration_details={"credited_items": None},
                **extra,
            ),
            inv["id"],
        )
    return total
