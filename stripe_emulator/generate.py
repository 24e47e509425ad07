"""Deterministic generation of a realistic emulated account (:func:`build_account`).

Guarantees:
* Same arguments -> identical account (ids, values, order); only ``random.Random(seed)``.
* About ``objects`` objects in total across the streams (plus cards in sources), charges
  and balance transactions most numerous, every type at least a handful.
* ``created`` in ``[start, end)``; some objects share a second with another of their type.
* Links point at existing objects created no later than the linking object.
* Subscriptions in every status Stripe has (``incomplete_expired``, ``paused``, ``unpaid``...).
* At least one invoice, subscription, customer (sources mixing cards and bank accounts) and
  checkout session has more than 10 children, so ``has_more`` paths are exercised.
* Every optional field of a type is set, to a value it takes at Stripe, on a share of its
  objects (:func:`_optional_fields`): among the objects it applies to, newest first, the
  first one and then one in every few, so the newest objects of each type together carry
  every field the spec documents (destination charges, Radar sessions, embedded Checkout,
  proration and threshold invoices, failed and pending refunds, charges in another currency,
  bank accounts' requirements...); at least two invoices bill a subscription.
* One event per top-level object Stripe has an event type for (not balance transactions),
  ``created`` equal to the object's. The account keeps Stripe's 30 days of events counted
  back from its clock (real time unless replaced), so the events of an account dated in the
  past are not listed until ``account.clock`` or ``account.event_retention_days`` says so.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime
from typing import Any

from stripe_emulator.account import Account
from stripe_emulator.generate_billing import WEIGHTS as BILLING_WEIGHTS
from stripe_emulator.generate_billing import billing_resources
from stripe_emulator.generate_catalogue import WEIGHTS as CATALOGUE_WEIGHTS
from stripe_emulator.generate_catalogue import catalogue
from stripe_emulator.generate_connect import WEIGHTS as CONNECT_WEIGHTS
from stripe_emulator.generate_connect import connect
from stripe_emulator.generate_issuing import WEIGHTS as FEATURE_WEIGHTS
from stripe_emulator.generate_issuing import issuing_and_identity
from stripe_emulator.generate_more import WEIGHTS, more_resources
from stripe_emulator.generate_operations import operations
from stripe_emulator.generate_payments import payment_resources
from stripe_emulator.generate_treasury import treasury
from stripe_emulator.resources import EVENTED_AS_CHILD_ONLY, NOT_STORED, event_type, time_field
from stripe_emulator.templates import template

Obj = dict[str, Any]
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
_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Ken",
    "Radia",
    "Linus",
    "Margaret",
    "Tim",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Hedy",
)
_SURNAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Hamilton",
    "Berners-Lee",
    "Allen",
    "Backus",
    "Johnson",
)
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
_BIG_FAMILY = 12  # children of the parents that exercise has_more (> 10)
_HANDFUL = 3  # least objects of any type


class _Gen:
    """Holds the generator state while one account is built."""

    def __init__(self, account: Account, seed: int, start: int, end: int) -> None:
        self.acct = account
        self.rng = random.Random(seed)
        self.start, self.end = start, max(end, start + 1)
        self.out: list[tuple[Obj, str | None]] = []
        self.times: dict[str, list[int]] = {}
        self.by_type: dict[str, list[Obj]] = {}
        self.index: dict[str, Obj] = {}
        self.pool_times: dict[str, list[int]] = {}
        self.used: set[str] = set()
        #: When each object of a type without a creation time field was made.
        self.untimed: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------------
    def new_id(self, object_type: str) -> str:
        while True:
            oid = self.acct.new_id(object_type)
            if oid not in self.used:
                self.used.add(oid)
                return oid

    def when(self, object_type: str, not_before: int | None = None) -> int:
        """A created time; ~5% reuse an earlier one of the same type (same-second ties)."""
        lo = self.start if not_before is None else max(self.start, not_before)
        seen = self.times.setdefault(object_type, [])
        if seen and self.rng.random() < 0.05:
            candidate = self.rng.choice(seen)
            if candidate >= lo:
                return candidate
        return self.rng.randrange(lo, self.end) if lo < self.end else self.end - 1

    def make(self, object_type: str, created: int | None, **fields: Any) -> Obj:
        obj = template(object_type)
        for name in NOT_STORED.get(object_type, ()):
            obj.pop(name, None)
        obj.update(id=self.new_id(object_type), object=object_type)
        if "livemode" in obj:  # not every type has one (balance transactions, refunds...)
            obj["livemode"] = False
        if created is not None:
            if "created" in obj:
                obj["created"] = created
            else:  # a type without a creation time (a tax code): kept aside, for its event
                self.untimed[obj["id"]] = created
            self.times.setdefault(object_type, []).append(created)
        obj.update(fields)
        return obj

    def add(self, obj: Obj, parent: str | None = None) -> Obj:
        self.out.append((obj, parent))
        self.by_type.setdefault(obj["object"], []).append(obj)
        self.index[obj["id"]] = obj
        return obj

    def pick_before(self, object_type: str, t: int) -> Obj | None:
        """A random object of a type created at or before ``t`` (else the oldest).

        Needs :meth:`sorted_pool` to have been called for the type."""
        pool = self.by_type.get(object_type) or []
        if not pool:
            return None
        eligible = bisect_right(self.pool_times[object_type], t)
        return pool[self.rng.randrange(eligible)] if eligible else pool[0]

    def sorted_pool(self, object_type: str) -> None:
        pool = self.by_type.setdefault(object_type, [])
        when = time_field(object_type)
        pool.sort(key=lambda o: o[when])
        self.pool_times[object_type] = [o[when] for o in pool]

    def amount(self, lo: int = 500, hi: int = 50_000) -> int:
        return self.rng.randrange(lo, hi, 100)


def _price_of(plan: Obj) -> Obj:
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


def _counts(n: int) -> dict[str, int]:
    """Top-level object counts whose generated total is about ``n`` objects."""

    def plan(unit: float) -> dict[str, int]:
        def c(weight: float, least: int = 4) -> int:
            return max(least, round(unit * weight))

        return {
            "product": c(0.008),
            "plan": c(0.012),
            "coupon": c(0.005),
            "promotion_code": c(0.005),
            "customer": c(0.045),
            "subscription": c(0.02, 8),
            "invoice": c(0.025),
            "invoiceitem": c(0.008),
            "payment_intent": c(0.10),
            "payout": c(0.008),
            "transfer": c(0.008),
            "checkout.session": c(0.015),
            "customer_balance_transaction": c(0.012),
        }

    def total(counts: dict[str, int]) -> float:
        pi = counts["payment_intent"]
        charges = pi * 0.97
        bts = charges * 1.12 + counts["payout"] + counts["transfer"]
        children = (
            counts["subscription"] * 1.6
            + counts["invoice"] * 2.0
            + counts["customer"] * 0.5
            + counts["checkout.session"] * 1.5
            + counts["customer_balance_transaction"]
            + 4 * _BIG_FAMILY
        )
        line_items_ii = counts["invoice"] * 0.6
        top = (
            sum(counts.values())
            - counts["customer_balance_transaction"]
            + charges
            + charges * 0.12
            + charges * 0.04
            + bts
            + line_items_ii
        )
        return 2 * top + children

    unit = float(n)
    for _ in range(4):
        unit *= n / total(plan(unit))
    # The seed's 22 streams keep their counts (so their objects stay the same for a seed);
    # the resources added since come on top, at half their weight, so that the account
    # stays about n objects (each added type has its handful, some children past 10).
    weights = {
        **WEIGHTS,
        **FEATURE_WEIGHTS,
        **CATALOGUE_WEIGHTS,
        **CONNECT_WEIGHTS,
        **BILLING_WEIGHTS,
    }
    added = {t: max(_HANDFUL, round(unit * w / 2)) for t, w in weights.items()}
    return {**plan(unit), **added}


def build_account(  # noqa: PLR0917 - signature fixed by the project brief
    objects: int,
    seed: int,
    start: datetime,
    end: datetime,
    account_id: str = "acct_emulator",
    api_key: str = "sk_test_emulator",
    *,
    event_retention_days: int | None = 30,
) -> Account:
    """Generate a deterministic, realistic account of about ``objects`` objects.

    ``event_retention_days`` becomes :attr:`Account.event_retention_days` (Stripe keeps 30
    days of events, counted back from the account's clock; None keeps them all, which suits
    an account dated in the past whose events a test reads)."""
    account = Account(account_id, api_key, seed=seed, event_retention_days=event_retention_days)
    g = _Gen(account, seed, int(start.timestamp()), int(end.timestamp()))
    counts = _counts(objects)
    _catalog(g, counts)
    _customers(g, counts)
    _subscriptions(g, counts)
    _invoices(g, counts)
    _payments(g, counts)
    _money_out(g, counts)
    _checkout(g, counts)
    main_rng, g.rng = g.rng, random.Random(f"{seed}-more")  # the seed's streams unchanged
    more_resources(g, counts, _bt)
    issuing_and_identity(g, counts, _bt)
    payment_resources(g, counts)
    catalogue(g, counts)
    billing_resources(g, counts, _price_of)
    operations(g, counts, seed)
    g.rng = random.Random(f"{seed}-connect")  # the streams before these keep their objects
    connect(g, counts)
    g.rng = main_rng
    treasury(g, counts, seed)
    _optional_fields(g)
    tops = [obj for obj, parent in g.out if parent is None]
    for obj in tops:
        name = event_type(obj["object"], "created", obj)
        if name is None or obj["object"] in EVENTED_AS_CHILD_ONLY:
            continue  # Stripe has no event for it (balance transactions, the account's tax ids)
        when = int(obj.get(time_field(obj["object"])) or g.untimed[obj["id"]])
        event = account.record_event(name, obj, when, store=False)
        event["id"] = g.new_id("event")
        g.out.append((event, None))
    account.load(g.out)
    return account


def _catalog(g: _Gen, counts: dict[str, int]) -> None:
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


def _customers(g: _Gen, counts: dict[str, int]) -> None:
    for i in range(counts["customer"]):
        first, last = g.rng.choice(_NAMES), g.rng.choice(_SURNAMES)
        cus = g.add(
            g.make(
                "customer",
                g.when("customer"),
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{i}@example.com",
                description=None,
                discount=None,
                balance=0,
                invoice_prefix=g.new_id("coupon")[:7],
                address=None,
                shipping=None,
                default_source=None,
            )
        )
        n_sources = _BIG_FAMILY + 1 if i == 0 else g.rng.choice((0, 0, 0, 1, 1, 2))
        for j in range(n_sources):
            is_bank = j % 3 == 1 or (n_sources == 1 and g.rng.random() < 0.3)
            src = _bank_account(g, cus) if is_bank else _card(g, cus)
            g.add(src, cus["id"])
            if j == 0:
                cus["default_source"] = src["id"]
    g.sorted_pool("customer")
    for _ in range(counts["customer_balance_transaction"]):
        t = g.when("customer_balance_transaction")
        owner = g.pick_before("customer", t)
        assert owner is not None
        amount = -g.amount(100, 5000)
        owner["balance"] += amount
        g.add(
            g.make(
                "customer_balance_transaction",
                max(t, owner["created"]),
                customer=owner["id"],
                amount=amount,
                ending_balance=owner["balance"],
                type="adjustment",
                currency="usd",
                invoice=None,
                credit_note=None,
                description="Goodwill credit",
            ),
            owner["id"],
        )


def _card(g: _Gen, cus: Obj) -> Obj:
    brand = g.rng.choice(("Visa", "MasterCard", "American Express"))
    return g.make(
        "card",
        None,
        customer=cus["id"],
        brand=brand,
        last4=f"{g.rng.randrange(10_000):04d}",
        exp_month=g.rng.randrange(1, 13),
        exp_year=g.rng.randrange(2026, 2032),
        funding="credit",
        country="US",
        fingerprint=g.new_id("coupon") * 2,
        name=cus["name"],
        metadata={},
    )


def _bank_account(g: _Gen, cus: Obj) -> Obj:
    return g.make(
        "bank_account",
        None,
        customer=cus["id"],
        account=None,
        bank_name="STRIPE TEST BANK",
        last4=f"{g.rng.randrange(10_000):04d}",
        routing_number="110000000",
        country="US",
        currency="usd",
        account_holder_name=cus["name"],
        status="verified",
        fingerprint=g.new_id("coupon") * 2,
        metadata={},
    )


def _subscriptions(g: _Gen, counts: dict[str, int]) -> None:
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
        n_items = _BIG_FAMILY if i == 0 else g.rng.choice((1, 1, 1, 2, 3))
        for _ in range(n_items):
            plan = g.pick_before("plan", t) or g.by_type["plan"][0]
            g.add(
                g.make(
                    "subscription_item",
                    t,
                    subscription=sub["id"],
                    price=_price_of(plan),
                    quantity=g.rng.randrange(1, 5),
                    metadata={},
                    discounts=[],
                    tax_rates=[],
                ),
                sub["id"],
            )
    g.sorted_pool("subscription")


def _invoices(g: _Gen, counts: dict[str, int]) -> None:
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


def _invoiceitem(g: _Gen, t: int, customer: str, invoice: str | None) -> Obj:
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


def _invoice_lines(g: _Gen, inv: Obj, sub: Obj | None, items: list[Obj], big: bool) -> int:
    t = inv["created"]
    total = 0
    n_lines = _BIG_FAMILY + 2 if big else (len(items) if sub else g.rng.choice((1, 1, 2, 3)))
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


def _payments(g: _Gen, counts: dict[str, int]) -> None:
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
    g: _Gen,
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
    ch["balance_transaction"] = _bt(g, t, amount, ch["id"], "charge", fee=True)["id"]
    roll = g.rng.random()
    refunds, disputes = len(g.by_type.get("refund", ())), len(g.by_type.get("dispute", ()))
    if (roll < 0.12 and disputes >= _HANDFUL) or refunds < _HANDFUL:  # refund part or all
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
        ref["balance_transaction"] = _bt(g, rt, -refund_amount, ref["id"], "refund")["id"]
        ch.update(amount_refunded=refund_amount, refunded=refund_amount == amount)
    elif roll < 0.16 or disputes < _HANDFUL:  # disputed
        dt = min(g.end - 1, t + g.rng.randrange(86_400, 86_400 * 30))
        bt = _bt(g, dt, -amount, ch["id"], "adjustment")
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


def _bt(g: _Gen, t: int, amount: int, source: str, kind: str, *, fee: bool = False) -> Obj:
    fee_amount = round(abs(amount) * 0.029) + 30 if fee else 0
    return g.add(
        g.make(
            "balance_transaction",
            t,
            amount=amount,
            fee=fee_amount,
            net=amount - fee_amount,
            currency="usd",
            source=source,
            type=kind,
            reporting_category=kind,
            available_on=t + 172_800,
            status="available" if t + 172_800 < g.end else "pending",
            description=None,
            exchange_rate=None,
            fee_details=[
                {
                    "amount": fee_amount,
                    "application": None,
                    "currency": "usd",
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else [],
        )
    )


def _money_out(g: _Gen, counts: dict[str, int]) -> None:
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
        po["balance_transaction"] = _bt(g, t, -amount, po["id"], "payout")["id"]
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
        tr["balance_transaction"] = _bt(g, t, -amount, tr["id"], "transfer")["id"]


def _checkout(g: _Gen, counts: dict[str, int]) -> None:
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
        n_items = _BIG_FAMILY if i == 0 else g.rng.choice((1, 1, 2, 3))
        total = 0
        for _ in range(n_items):
            plan = g.pick_before("plan", t) or g.by_type["plan"][0]
            qty = g.rng.randrange(1, 4)
            amount = int(plan["amount"]) * qty
            total += amount
            g.add(
                g.make(
                    "item",
                    None,
                    amount_subtotal=amount,
                    amount_total=amount,
                    amount_discount=0,
                    amount_tax=0,
                    currency="usd",
                    description=plan["nickname"],
                    price=_price_of(plan),
                    quantity=qty,
                ),
                cs["id"],
            )
        cs.update(amount_subtotal=total, amount_total=total)


def _newest_first(g: _Gen, object_type: str) -> list[Obj]:
    """The generated objects of a type, newest first (generation order for children)."""
    objs = list(g.by_type.get(object_type, ()))
    if objs and time_field(object_type) in objs[0]:
        when = time_field(object_type)
        objs.sort(key=lambda o: (-int(o[when]), o["id"]))
    return objs


def _share(objs: list[Obj], every: int, offset: int = 0) -> list[Obj]:
    """Objects ``offset``, ``offset + every``, ... of ``objs`` (the first of a short list)."""
    picked = objs[offset::every]
    return picked or objs[:1]


def _suffix(g: _Gen, length: int = 24) -> str:
    return "".join(
        g.rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=length)
    )


def _optional_fields(g: _Gen) -> None:
    """Give a share of each type's objects the optional fields Stripe sets only on some."""
    _charge_options(g)
    _refund_outcomes(g)
    for tr in _newest_first(g, "transfer"):  # the payment it created on the destination
        tr["destination_payment"] = f"py_{_suffix(g)}"
    for cs in _share(_newest_first(g, "checkout.session"), 3, 1):  # embedded Checkout
        cs.update(
            ui_mode="embedded",
            redirect_on_completion=g.rng.choice(("always", "if_required")),
            return_url="https://example.com/return?session_id={CHECKOUT_SESSION_ID}",
            success_url=None,
            cancel_url=None,
            url=None,
            client_secret=f"{cs['id']}_secret_{_suffix(g)}",
        )
    _subscription_billing(g)
    for ba in _share(_newest_first(g, "bank_account"), 2):  # nothing due
        ba.update(
            default_for_currency=False,
            requirements={k: [] for k in _REQUIREMENTS},
            future_requirements={k: [] for k in _REQUIREMENTS},
        )


_REQUIREMENTS = ("currently_due", "errors", "past_due", "pending_verification")


def _charge_options(g: _Gen) -> None:
    """Radar sessions, destination charges (linked to a transfer) and charges in euros."""
    charges = [c for c in _newest_first(g, "charge") if c["status"] == "succeeded"]
    for ch in _share(charges, 3):
        ch["radar_options"] = {"session": f"rses_{_suffix(g)}"}
    transfers = [t for t in _newest_first(g, "transfer") if t["source_transaction"] is None]
    for ch in _share(charges, 4, 1):
        later = [t for t in transfers if t["created"] >= ch["created"]]
        if not later:
            continue
        tr = later[-1]
        transfers.remove(tr)
        tr.update(source_transaction=ch["id"], transfer_group=f"group_{ch['id']}")
        ch.update(
            transfer=tr["id"],
            transfer_group=tr["transfer_group"],
            transfer_data={"amount": tr["amount"], "destination": tr["destination"]},
        )
    txns = {t["id"]: t for t in g.by_type.get("balance_transaction", ())}
    legacy = [c for c in charges if c["payment_intent"] is None]
    for ch in _share(legacy, 2):  # paid in euros, settled in dollars
        ch["currency"] = "eur"
        rate = 1.0 + g.rng.randrange(500, 1500) / 10_000
        sources = {ch["id"]}
        for obj in (*g.by_type.get("refund", ()), *g.by_type.get("dispute", ())):
            if obj["charge"] == ch["id"]:
                obj["currency"] = "eur"
                sources.add(obj["id"])
        for txn in txns.values():
            if txn["source"] in sources:
                txn["exchange_rate"] = rate


def _refund_outcomes(g: _Gen) -> None:
    """Every refund says where the money went; one pending on the customer, one failed."""
    refunds = _newest_first(g, "refund")
    charges = {c["id"]: c for c in g.by_type.get("charge", ())}
    for ref in refunds:
        ref["destination_details"] = {
            "type": "card",
            "card": {
                "reference": f"{g.rng.randrange(10**22, 10**23)}",
                "reference_status": "available",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
        }
    for ref in _share(refunds, 2):
        ref["description"] = "Refund requested by the customer"
    if refunds:  # the customer must tell where to send it
        ref = refunds[0]
        email = charges[ref["charge"]]["billing_details"].get("email") or "buyer@example.com"
        ref.update(
            status="requires_action",
            instructions_email=email,
            next_action={
                "type": "display_details",
                "display_details": {
                    "email_sent": {"email_sent_at": ref["created"], "email_sent_to": email},
                    "expires_at": ref["created"] + 45 * 86_400,
                },
            },
        )
    if len(refunds) > 1:  # the card could not take it back: the money returns
        ref = refunds[1]
        failed_at = min(g.end - 1, ref["created"] + 86_400)
        txn = _bt(g, failed_at, ref["amount"], ref["id"], "refund_failure")
        ref.update(
            status="failed",
            failure_reason="expired_or_canceled_card",
            failure_balance_transaction=txn["id"],
        )
        ch = charges[ref["charge"]]
        ch.update(amount_refunded=ch["amount_refunded"] - ref["amount"], refunded=False)


def _subscription_billing(g: _Gen) -> None:
    """Threshold and proration invoices, and pending proration items, of subscriptions."""
    invoices = [i for i in _newest_first(g, "invoice") if i["subscription"]]
    threshold = _share(invoices, 4)
    for inv in threshold:
        inv.update(
            billing_reason="subscription_threshold",
            threshold_reason={"amount_gte": inv["total"] or 10_000, "item_reasons": []},
        )
    for inv in _share([i for i in invoices if i not in threshold], 4):
        inv.update(billing_reason="subscription_update", subscription_proration_date=inv["created"])
    items: dict[str, list[Obj]] = {}
    for obj, parent in g.out:
        if obj["object"] == "subscription_item" and parent:
            items.setdefault(parent, []).append(obj)
    subs = [s for s in _newest_first(g, "subscription") if items.get(s["id"])]
    pending = [i for i in _newest_first(g, "invoiceitem") if i["invoice"] is None]
    for ii in _share(pending, 2):
        older = [s for s in subs if s["created"] <= ii["date"]]
        if not older:
            continue
        sub = older[0]
        ii.update(
            customer=sub["customer"],
            subscription=sub["id"],
            subscription_item=items[sub["id"]][0]["id"],
            proration=True,
            description="Remaining time after a plan change",
        )
