"""singer-sdk's own standard tests, run against the emulator: every tap-, stream- and
attribute-level test, on a day-two run.

A first run cannot pass the stream tests, which warn (an error here) on a schema property that
no record carries: ``_sdc_deleted_at`` is set only on a deletion read from Stripe's events, and
events are read only after the first run; the account's events are older than Stripe's 30
days, so a first run's ``events`` stream has no record either. So the module builds an account,
runs the tap once in-process, then deletes, updates and creates objects of every stream whose
objects Stripe deletes (coupons, customers, invoice items, invoices, plans, products), dated
inside the next run's window of events, and gives singer-sdk's test class that run's state
(its event cursors rewound by an hour, as if the first run had ended an hour earlier) and a
lookback window reaching back to ``start_date``, so the day-two run reads the whole account
again plus the changes: each stream's records (at most the 150 the tests read) then carry
every property of its schema.

That holds because the schemas list only what Stripe sends (an includable field such as
``customer.sources`` only where the request expands it, see ``scripts/generate_schemas.py``)
and the emulator's generator gives a share of each type's objects every optional field
(``stripe_emulator/generate.py``). A plain first run keeps the tap-level tests (CLI, discovery,
connection, final state) without a state.
"""

from __future__ import annotations

import json
from typing import Any

from singer_sdk.testing import get_tap_test_class

from stripe_emulator import Account, Emulator, build_account
from tap_stripe_flow.streams import CHANGE_EVENTS
from tap_stripe_flow.tap import TapStripeFlow
from tests.support.accounts import ACCOUNT_ID, API_KEY, DATA_END, DATA_START, tap_config
from tests.support.tap import run_tap, selected_catalog

STREAMS = list(TapStripeFlow(config={}, validate_config=False).streams)
INCREMENTAL_CHILDREN = (
    "bank_accounts",
    "customer_balance_transactions",
    "invoice_line_items",
    "subscription_items",
    "cards",
    "customer_tax_ids",
    "payment_methods",
)
HOUR = 3600
#: Enough for the day-two run to read back to start_date (the first day of the data).
LOOKBACK_DAYS = (DATA_END - DATA_START).days + 1
#: stream -> (object type, a field an update changes)
DELETABLE = {
    "coupons": ("coupon", "name"),
    "customers": ("customer", "name"),
    "invoice_items": ("invoiceitem", "description"),
    "invoices": ("invoice", "description"),
    "plans": ("plan", "nickname"),
    "products": ("product", "name"),
    "prices": ("price", "nickname"),
}


def change_every_deletable_stream(account: Account, when: int) -> dict[str, str]:
    """Update, create and delete objects of each stream whose objects Stripe deletes, dated
    ``when``; return the id deleted per stream."""
    account.clock = lambda: when
    customer = account.objects("customer")[0]
    product = account.objects("product")[0]
    for object_type, field in DELETABLE.values():
        oldest = account.objects(object_type)[-1]
        account.update(object_type, oldest["id"], **{field: "changed on day two"})
    account.create("coupon", name="Day two", percent_off=10, duration="once")
    account.create("customer", name="Day Two", email="day.two@example.com")
    account.create("product", name="Day two")
    account.create("plan", product=product["id"], nickname="Day two", amount=900)
    account.create("invoiceitem", customer=customer["id"], amount=500, description="Day two")
    account.create("invoice", customer=customer["id"], status="draft")
    account.create("price", product=product["id"], nickname="Day two", unit_amount=900)
    deleted = {}
    for stream, (object_type, _) in DELETABLE.items():
        candidates = account.objects(object_type)[1:]  # not the newest (nor the updated one)
        if object_type == "invoice":  # one with lines: they arrive deleted too
            candidates = [i for i in candidates if account.children("line_item", i["id"])]
        victim = candidates[0]
        account.delete(object_type, victim["id"])
        deleted[stream] = victim["id"]
    # children gone from their parents (the incremental child streams' deletions)
    subscription = next(s for s in account.objects("subscription") if s["status"] != "canceled")
    item = account.children("subscription_item", subscription["id"])[0]
    account.delete("subscription_item", item["id"])
    bank = account.objects("bank_account")[0]
    account.delete("bank_account", bank["id"])
    for child in ("card", "tax_id", "payment_method"):  # a payment method: detached
        under = "customer" if child == "tax_id" else None  # not the account's own tax ids
        account.delete(child, account.objects(child, under=under)[0]["id"])
    return deleted


def day_two_state(first_state: dict[str, Any]) -> dict[str, Any]:
    """The first run's final state as if it had ended an hour earlier, so that the changes
    (dated half an hour before its end) fall inside the next run's window of events."""
    state: dict[str, Any] = json.loads(json.dumps(first_state))
    for bookmark in state["bookmarks"].values():
        if "event_cursor" in bookmark:
            bookmark["event_cursor"] -= HOUR
        if "full_read_at" in bookmark:  # the incremental children read everything again too
            bookmark["full_read_at"] -= 8 * 86_400
    return state


# The test classes are built at import, from a config naming the emulator's address.
_ACCOUNT = build_account(
    objects=300,
    seed=11,
    start=DATA_START,
    end=DATA_END,
    account_id=ACCOUNT_ID,
    api_key=API_KEY,
)
_EMULATOR = Emulator(_ACCOUNT).start()
_CONFIG = tap_config(_EMULATOR.url, lookback_window_days=LOOKBACK_DAYS)
#: Every stream, the four full-refresh children bound incremental: their schemas hold the
#: ``_sdc_deleted_at`` that only that mode sets.
_CATALOG = selected_catalog(_CONFIG, STREAMS, incremental=INCREMENTAL_CHILDREN)
_FIRST = run_tap(_CONFIG, streams=STREAMS, incremental=INCREMENTAL_CHILDREN)
_CURSOR = int(_FIRST.final_state["bookmarks"]["customers"]["event_cursor"])
_DELETED = change_every_deletable_stream(_ACCOUNT, _CURSOR - HOUR + 1800)
_STATE = day_two_state(_FIRST.final_state)


def teardown_module() -> None:
    _EMULATOR.stop()


def test_the_day_two_run_has_what_the_standard_tests_need() -> None:
    """The first run read the account and no event; a deletion of every stream that has
    ``_sdc_deleted_at`` is in the day-two window (else the class below would prove less)."""
    assert "events" not in _FIRST.records, "the account's events are older than 30 days"
    assert all(_FIRST.records.get(stream) for stream in DELETABLE)
    deleting = {stream for stream, changes in CHANGE_EVENTS.items() if changes.deletions}
    assert set(_DELETED) == deleting
    assert all(
        "event_cursor" in _STATE["bookmarks"][stream]
        and _STATE["bookmarks"][stream]["event_cursor"] < _CURSOR - HOUR + 1800
        for stream in deleting
    )


TestTapStripeFlowDayTwo = get_tap_test_class(
    TapStripeFlow, config=_CONFIG, state=_STATE, catalog=_CATALOG
)

TestTapStripeFlowFirstRun = get_tap_test_class(
    TapStripeFlow,
    config=_CONFIG,
    include_stream_tests=False,
    include_stream_attribute_tests=False,
)
