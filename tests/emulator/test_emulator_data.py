"""The emulator's generated account (stripe_emulator.generate): a handful of every type even
when small, counts in proportion, deterministic by seed, every spec property on the newest
objects of each type, coherent links, and one creation event per top-level object."""

from __future__ import annotations

import collections

import pytest

from stripe_emulator import Account, build_account
from stripe_emulator.generate_payments import payment_method_details
from stripe_emulator.resources import (
    CHILD_TYPES,
    EVENTED,
    EVENTED_AS_CHILD_ONLY,
    OMITTED_FIELDS,
    TOP_LEVEL,
    event_type,
)
from stripe_emulator.templates import field_facts, template
from tap_stripe_flow.streams import seed
from tests.support import seeded_emulator
from tests.support.seeded_emulator import END, START

account = seeded_emulator.account  # the module's fixture: the seeded account


def test_every_type_has_a_handful_even_when_small() -> None:
    small = build_account(objects=200, seed=1, start=START, end=END)
    for object_type in (*TOP_LEVEL, *CHILD_TYPES):
        assert small.count(object_type) >= 3, object_type


def test_counts_proportions_and_total(account: Account) -> None:
    counts = {t: account.count(t) for t in (*TOP_LEVEL, *CHILD_TYPES)}
    # The seed's types make about 1,500 objects with their events (``generate._counts``); each
    # type added since comes on top, at half its weight and a handful at least.
    assert 1300 <= sum(counts.values()) <= 1500 * 1.5
    seed_types = {t.object_type for t in seed.STREAM_TYPES} | {"card", "event"}
    added = {t: n for t, n in counts.items() if t not in seed_types}
    assert min(added.values()) >= 3, sorted(added.items(), key=lambda item: item[1])[:3]
    top = {t: n for t, n in counts.items() if t != "event"}
    assert max(top, key=top.__getitem__) in {"balance_transaction", "charge"}
    # one event per top-level object Stripe has a creation event for (not balance txns),
    # and per Treasury money movement (listed per financial account; customer sources come
    # with their customer, and Issuing tokens with their card, unevented; so do a customer's
    # payment methods, tax ids and cash balance transactions, whose events come when they change)
    children = {"payment_method", "tax_id", "customer_cash_balance_transaction"}
    generated = EVENTED - {"bank_account", "card", "issuing.token", *children}
    evented = sum(n for t, n in counts.items() if t in generated and _created_event(t))
    assert counts["event"] == evented


def test_deterministic_by_seed() -> None:
    one = build_account(objects=300, seed=3, start=START, end=END)
    two = build_account(objects=300, seed=3, start=START, end=END)
    other = build_account(objects=300, seed=4, start=START, end=END)
    assert one.objects("charge") == two.objects("charge")
    assert one.objects("event") == two.objects("event")
    assert one.objects("charge") != other.objects("charge")


def test_objects_carry_every_spec_property(account: Account) -> None:
    for object_type in (*TOP_LEVEL, *CHILD_TYPES):
        documented = set(template(object_type)) - set(OMITTED_FIELDS.get(object_type, ()))
        required, _, _ = field_facts(object_type)
        for obj in account.objects(object_type)[:5]:
            assert required <= set(obj) <= documented, object_type
            # test mode; and only the types Stripe gives a livemode have one
            assert ("livemode" in obj) == ("livemode" in template(object_type)), object_type
            assert obj.get("livemode", False) is False


@pytest.mark.parametrize(("objects", "seed"), [(300, 11), (1500, 7), (5000, 5)])
def test_the_newest_objects_of_each_type_carry_every_spec_property(objects: int, seed: int) -> None:
    """Optional fields are set on a share of the objects: a stream's newest 150 (what
    singer-sdk's standard tests read) together carry every property Stripe sends."""
    built = build_account(objects=objects, seed=seed, start=START, end=END)
    built.event_retention_days = None
    for object_type in (*TOP_LEVEL, *(t for t in CHILD_TYPES if t != "card")):
        sent = set(template(object_type)) - set(OMITTED_FIELDS.get(object_type, ()))
        newest = built.objects(object_type)[:150]
        assert newest, object_type
        if object_type == "payment_method":  # each carries only its own type's details
            assert {o["type"] for o in newest} == payment_method_details()
        carried = set().union(*newest)
        assert carried == sent, (object_type, sorted(sent - carried))
        _, nullable, _ = field_facts(object_type)
        never_set = {
            name
            for name in sent & nullable
            if all(obj.get(name) is None for obj in newest) and name in _SET_SOMEWHERE
        }
        assert never_set == set(), (object_type, sorted(never_set))


#: Nullable fields the standard tests need a value of (a type test skips a column of nulls).
_SET_SOMEWHERE = frozenset({"default_for_currency", "exchange_rate", "future_requirements"})


def test_links_are_coherent(account: Account) -> None:
    customers = {c["id"] for c in account.objects("customer")}
    charges = {c["id"]: c for c in account.objects("charge")}
    txns = {t["id"] for t in account.objects("balance_transaction")}
    pis = {p["id"] for p in account.objects("payment_intent")}
    for charge in charges.values():
        assert charge["customer"] is None or charge["customer"] in customers
        assert charge["payment_intent"] is None or charge["payment_intent"] in pis
        if charge["status"] == "succeeded":
            assert charge["balance_transaction"] in txns
    for refund in account.objects("refund"):
        assert refund["charge"] in charges
        assert refund["created"] >= charges[refund["charge"]]["created"]
    subs = {s["id"] for s in account.objects("subscription")}
    for invoice in account.objects("invoice"):
        assert invoice["customer"] in customers
        assert invoice["subscription"] is None or invoice["subscription"] in subs
    created = [o["created"] for o in account.objects("charge")]
    assert len(set(created)) < len(created), "expected same-second collisions"
    assert all(START.timestamp() <= c < END.timestamp() for c in created)


def _created_event(object_type: str) -> bool:
    """Whether Stripe has an event for the creation of an object of this type (none for
    balance transactions, shipping rates, file links, report runs, the account's tax ids...)."""
    if object_type in EVENTED_AS_CHILD_ONLY:  # ``customer.tax_id.*``: a customer's tax ids
        return False
    return any(event_type(object_type, "created", {"status": s}) for s in ("succeeded", ""))


def test_one_event_per_top_level_object(account: Account) -> None:
    events = account.objects("event")
    seen = collections.Counter(e["data"]["object"]["id"] for e in events)
    assert not _created_event("balance_transaction")
    for object_type in TOP_LEVEL:
        if not _created_event(object_type):
            assert all(e["data"]["object"]["object"] != object_type for e in events)
            continue
        for obj in account.objects(object_type):
            assert seen[obj["id"]] == 1, object_type
    charge_event = next(e for e in events if e["data"]["object"]["object"] == "charge")
    assert charge_event["type"] in {"charge.succeeded", "charge.failed"}
    assert charge_event["created"] == charge_event["data"]["object"]["created"]
    assert "previous_attributes" not in charge_event["data"]
