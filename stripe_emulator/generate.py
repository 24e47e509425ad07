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
  objects (``generate_optional.py``): among the objects it applies to, newest first, the
  first one and then one in every few, so the newest objects of each type together carry
  every field the spec documents (destination charges, Radar sessions, embedded Checkout,
  proration and threshold invoices, failed and pending refunds, charges in another currency,
  bank accounts' requirements...); at least two invoices bill a subscription.
* One event per top-level object Stripe has an event type for (not balance transactions),
  ``created`` equal to the object's. The account keeps Stripe's 30 days of events counted
  back from its clock (real time unless replaced), so the events of an account dated in the
  past are not listed until ``account.clock`` or ``account.event_retention_days`` says so.

The types are made by topic, one module each (``generate_products``, ``generate_customers``,
``generate_subscriptions``, ``generate_charges``, ``generate_payouts``, ``generate_checkout``,
``generate_optional`` for the seed's 22 streams; the others for the resources added since),
all on one :class:`~stripe_emulator.generate_base.Gen`. They draw from shared random streams,
so the order in which :func:`build_account` calls them decides every value: it is part of the
guarantee above (a seed's objects stay the same when resources are added after them).
"""

from __future__ import annotations

import random
from datetime import datetime

from stripe_emulator.account import Account
from stripe_emulator.generate_base import BIG_FAMILY, HANDFUL, Gen
from stripe_emulator.generate_billing import WEIGHTS as BILLING_WEIGHTS
from stripe_emulator.generate_billing import billing_resources
from stripe_emulator.generate_catalogue import WEIGHTS as CATALOGUE_WEIGHTS
from stripe_emulator.generate_catalogue import catalogue
from stripe_emulator.generate_charges import payments
from stripe_emulator.generate_checkout import checkout
from stripe_emulator.generate_connect import WEIGHTS as CONNECT_WEIGHTS
from stripe_emulator.generate_connect import connect
from stripe_emulator.generate_customers import customers
from stripe_emulator.generate_issuing import WEIGHTS as FEATURE_WEIGHTS
from stripe_emulator.generate_issuing import issuing_and_identity
from stripe_emulator.generate_more import WEIGHTS, more_resources
from stripe_emulator.generate_operations import operations
from stripe_emulator.generate_optional import optional_fields
from stripe_emulator.generate_payments import payment_resources
from stripe_emulator.generate_payouts import payouts_and_transfers
from stripe_emulator.generate_products import catalog
from stripe_emulator.generate_subscriptions import invoices, subscriptions
from stripe_emulator.generate_treasury import treasury
from stripe_emulator.resources import EVENTED_AS_CHILD_ONLY, event_type, time_field


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
            + 4 * BIG_FAMILY
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
    added = {t: max(HANDFUL, round(unit * w / 2)) for t, w in weights.items()}
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
    g = Gen(account, seed, int(start.timestamp()), int(end.timestamp()))
    counts = _counts(objects)
    catalog(g, counts)
    customers(g, counts)
    subscriptions(g, counts)
    invoices(g, counts)
    payments(g, counts)
    payouts_and_transfers(g, counts)
    checkout(g, counts)
    main_rng, g.rng = g.rng, random.Random(f"{seed}-more")  # the seed's streams unchanged
    more_resources(g, counts)
    issuing_and_identity(g, counts)
    payment_resources(g, counts)
    catalogue(g, counts)
    billing_resources(g, counts)
    operations(g, counts, seed)
    g.rng = random.Random(f"{seed}-connect")  # the streams before these keep their objects
    connect(g, counts)
    g.rng = main_rng
    treasury(g, counts, seed)
    optional_fields(g)
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
