"""Generation of prices, setup attempts, customers' payment methods and tax ids.

Called by :func:`stripe_emulator.generate.build_account` once customers and setup intents
exist, with the same guarantees (deterministic by seed, ``created`` in the account's span and
no earlier than the parent or the linked object, every status and optional field on some
object), from a random stream of its own, so the other types stay as they were for a seed:

* Prices of products in every shape Stripe has: one-time and recurring (licensed, metered),
  per unit, tiered (graduated and volume), customer-chosen amounts, transformed quantities;
  a share inactive (``/v1/prices`` lists them only with ``active=false``).
* Setup attempts of the setup intents that were confirmed: the latest one carries the
  intent's status and payment method (``latest_attempt``), some intents also an earlier
  failed attempt with its ``setup_error``.
* Payment methods of a share of customers (cards, Cash App, Link; the first customer one of
  each of Stripe's types),
  each carrying only its own type's details.
* Cash balance transactions, product features and forwarding requests
  (``generate_payments_extra.py``).
* Tax ids of a share of customers (EU VAT, US EIN, GB VAT) in each verification status; the
  second customer more than 10 (an expanded ``tax_ids`` embeds 10, ``has_more``).
"""

from __future__ import annotations

import random

from stripe_emulator.generate_base import Gen, Obj
from stripe_emulator.generate_payments_extra import cash_features_forwarding
from stripe_emulator.templates import template

_BIG_FAMILY = 11  # more than the 10 an embedded list holds
_PM_TYPES = ("card", "card", "cashapp", "link")
_TAX_IDS = (
    ("eu_vat", "DE", "DE123456789"),
    ("us_ein", "US", "12-3456789"),
    ("gb_vat", "GB", "GB123456789"),
)
_VERIFICATIONS = ("verified", "pending", "unverified", "unavailable")


def payment_resources(g: Gen, counts: dict[str, int]) -> None:
    """Add prices, setup attempts, payment methods and tax ids (about one price per plan,
    payment methods and tax ids on a share of the customers)."""
    main = g.rng
    # repr, not hash: hash(None) in the state differs between processes (Python 3.11)
    g.rng = random.Random(repr(main.getstate()))  # the other types' draws stay as they were
    try:
        _prices(g, max(6, counts["plan"] // 3))
        _setup_attempts(g)
        g.sorted_pool("customer")
        _payment_methods(g)
        _tax_ids(g)
        cash_features_forwarding(g)
    finally:
        g.rng = main


def _recurring(interval: str, usage: str = "licensed", aggregate: str | None = None) -> Obj:
    return {
        "aggregate_usage": aggregate,
        "interval": interval,
        "interval_count": 1,
        "meter": None,
        "usage_type": usage,
    }


def _tiers(g: Gen) -> list[Obj]:
    first = g.amount(500, 2000)
    return [
        {
            "flat_amount": None,
            "flat_amount_decimal": None,
            "unit_amount": first,
            "unit_amount_decimal": str(first),
            "up_to": 10,
        },
        {
            "flat_amount": 1000,
            "flat_amount_decimal": "1000",
            "unit_amount": first // 2,
            "unit_amount_decimal": str(first // 2),
            "up_to": None,
        },
    ]


def _prices(g: Gen, n: int) -> None:
    for i in range(n):
        t = g.when("price")
        product = g.pick_before("product", t)
        assert product is not None
        amount = g.amount(500, 20_000)
        price = g.make(
            "price",
            max(t, product["created"]),
            product=product["id"],
            active=i % 4 != 3,  # one in four archived: listed only with active=false
            billing_scheme="per_unit",
            currency="usd",
            custom_unit_amount=None,
            lookup_key=None,
            metadata={},
            nickname=None,
            recurring=None,
            tax_behavior="unspecified",
            tiers=[],  # includable: sent only when expanded
            tiers_mode=None,
            transform_quantity=None,
            type="one_time",
            unit_amount=amount,
            unit_amount_decimal=str(amount),
        )
        shape = i % 6
        if shape in (1, 2, 3):
            price.update(type="recurring", recurring=_recurring(("month", "year", "week")[i % 3]))
        if shape == 1:
            price.update(
                lookup_key=f"{product['name'].lower().replace(' ', '_')}_{i}",
                nickname=f"{product['name']} monthly",
                tax_behavior="exclusive",
                metadata={"tier": "standard"},
            )
        elif shape == 2:
            price["recurring"] = _recurring("month", "metered", "sum")
            price.update(tax_behavior="inclusive")
        elif shape == 3:
            price.update(
                billing_scheme="tiered",
                tiers=_tiers(g),
                tiers_mode=("graduated", "volume")[i % 2],
                unit_amount=None,
                unit_amount_decimal=None,
            )
        elif shape == 4:
            price.update(
                custom_unit_amount={"maximum": 100_000, "minimum": 500, "preset": 2000},
                unit_amount=None,
                unit_amount_decimal=None,
            )
        elif shape == 5:
            price["transform_quantity"] = {"divide_by": 10, "round": ("up", "down")[i % 2]}
        price["currency_options"] = {  # includable: the price's own currency, at least
            "usd": {
                "custom_unit_amount": price["custom_unit_amount"],
                "tax_behavior": price["tax_behavior"],
                "unit_amount": price["unit_amount"],
                "unit_amount_decimal": price["unit_amount_decimal"],
            }
        }
        if shape == 3:
            price["currency_options"]["usd"]["tiers"] = price["tiers"]
        g.add(price)


def _setup_attempts(g: Gen) -> None:
    for k, si in enumerate(g.by_type.get("setup_intent", [])):
        status = {
            "succeeded": "succeeded",
            "processing": "processing",
            "requires_action": "requires_action",
            "canceled": "abandoned",  # confirmed, then given up
        }.get(si["status"])
        if status is None and si.get("last_setup_error") is None:
            continue  # never confirmed: no attempt
        attempts: list[Obj] = []
        if status is not None:
            attempt = _attempt(g, si, status, si.get("latest_attempt"))
            si["latest_attempt"] = attempt["id"]
            attempts.append(attempt)
        if status is None or k % 2 == 0:  # a declined card before (or instead of) it
            failed = _attempt(g, si, "failed", None)
            failed["setup_error"] = dict(
                si.get("last_setup_error")
                or {
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                    "message": "Your card has insufficient funds.",
                    "type": "card_error",
                }
            )
            attempts.append(failed)
            if status is None or si.get("latest_attempt") is None:
                si["latest_attempt"] = failed["id"]
        for attempt in attempts:  # newest first, as Stripe lists them
            g.add(attempt, si["id"])


def _attempt(g: Gen, si: Obj, status: str, oid: str | None) -> Obj:
    details = template("setup_attempt")["payment_method_details"]
    card = details["card"]
    card.update(
        brand="visa",
        country="US",
        exp_month=g.rng.randrange(1, 13),
        exp_year=g.rng.randrange(2026, 2032),
        fingerprint=f"fp{g.rng.randrange(10**12)}",
        funding="credit",
        last4=f"{g.rng.randrange(10_000):04d}",
        network="visa",
        wallet=None,
    )
    if status != "requires_action":
        card["three_d_secure"] = None
    attempt = g.make(
        "setup_attempt",
        si["created"],
        setup_intent=si["id"],
        status=status,
        customer=si.get("customer"),
        payment_method=si.get("payment_method") or f"pm_{g.rng.randrange(10**20)}",
        payment_method_details=details,
        setup_error=None,
        usage=si.get("usage") or "off_session",
        flow_directions=si.get("flow_directions"),
        attach_to_self=False,
        application=None,
        on_behalf_of=None,
    )
    if oid is not None:
        g.used.add(oid)
        attempt["id"] = oid
    return attempt


def payment_method_details() -> frozenset[str]:
    """The fields of a payment method holding one type's details (``card``, ``link``...): a
    payment method carries only its own ``type``'s."""
    pm = template("payment_method")
    common = {"billing_details", "metadata", "radar_options"}
    return frozenset(k for k, v in pm.items() if isinstance(v, dict) and k not in common)


def _payment_method(g: Gen, cus: Obj, kind: str, n: int) -> Obj:
    pm = template("payment_method")
    others = payment_method_details()
    card = dict(pm["card"])
    made = g.make(
        "payment_method",
        g.when("payment_method", cus["created"]),
        customer=cus["id"],
        type=kind,
        allow_redisplay=("always", "limited", "unspecified")[n % 3],
        metadata={} if n % 2 else {"source": "checkout"},
        billing_details={
            "address": None,
            "email": cus.get("email"),
            "name": cus.get("name"),
            "phone": None,
        },
    )
    for name in others:
        made.pop(name, None)
    made.pop("radar_options", None)
    if n % 4 == 1:
        made["radar_options"] = {"session": f"rses_{g.rng.randrange(10**12)}"}
    if kind == "card":
        card.update(
            brand=g.rng.choice(("visa", "mastercard", "amex")),
            exp_month=g.rng.randrange(1, 13),
            exp_year=g.rng.randrange(2026, 2032),
            last4=f"{g.rng.randrange(10_000):04d}",
            fingerprint=f"fp{g.rng.randrange(10**12)}",
        )
        card["display_brand"] = card["brand"]
        if n % 3:
            card["wallet"] = None
            card["generated_from"] = None
        made["card"] = card
    elif kind == "cashapp":
        made["cashapp"] = {"buyer_id": f"CSH{g.rng.randrange(10**8)}", "cashtag": "$jenny"}
    elif kind == "link":
        made["link"] = {"email": cus.get("email")}
    else:  # the spec's shape of the type's details
        made[kind] = pm[kind]
    return made


def _every_type() -> tuple[str, ...]:
    """Each type of payment method, cards first (the first customer has one of each)."""
    return ("card", *sorted(payment_method_details() - {"card"}))


def _payment_methods(g: Gen) -> None:
    customers = g.by_type.get("customer", [])
    for i, cus in enumerate(customers):
        kinds = _every_type() if i == 0 else (_PM_TYPES[i % len(_PM_TYPES)],) * (i % 8 == 0)
        for n, kind in enumerate(kinds):
            g.add(_payment_method(g, cus, kind, n), cus["id"])


def _tax_ids(g: Gen) -> None:
    customers = g.by_type.get("customer", [])
    for i, cus in enumerate(customers):
        many = _BIG_FAMILY if i == 1 else (1 if i % 16 == 0 else 0) + (1 if i % 32 == 0 else 0)
        for n in range(many):
            kind, country, value = _TAX_IDS[(i + n) % len(_TAX_IDS)]
            status = _VERIFICATIONS[(i + n) % len(_VERIFICATIONS)]
            verified = status == "verified"
            g.add(
                g.make(
                    "tax_id",
                    g.when("tax_id", cus["created"]),
                    customer=cus["id"],
                    country=country,
                    type=kind,
                    value=value if n == 0 else f"{value[:-2]}{n:02d}",
                    owner={"customer": cus["id"], "type": "customer"},
                    verification={
                        "status": status,
                        "verified_address": "Berlin, DE" if verified else None,
                        "verified_name": cus.get("name") if verified else None,
                    },
                ),
                cus["id"],
            )
