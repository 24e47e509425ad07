"""Day two: the second run, with the first run's final state, after changes in Stripe.

A first run proves little: the bugs users met lived in the second run (a bookmark on a field the
records do not have, a deleted object met mid-walk). Every test here runs the tap at least twice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow.changes import DELETED_AT
from tests.support.accounts import endpoint_config, make_account, tap_config
from tests.support.flow import binding, open_request, reduce_state, stripe
from tests.support.streams import ALL_STREAMS, FULL_REFRESH, expected_ids
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600


def rewind(run: TapRun, seconds: int) -> dict[str, Any]:
    """The final state of ``run`` as if it had ended ``seconds`` earlier."""
    return rewound(run.final_state, seconds)


def created_gte(emulator: Emulator, path: str) -> list[int]:
    return [int(r.query["created[gte]"][0]) for r in emulator.requests if r.path == path]


def test_invoice_items_second_run_reads_from_the_date_bookmark(
    account: Account, emulator: Emulator
) -> None:
    """Invoice items carry ``date``, not ``created``: the bookmark is on ``date``, and the
    second run starts from it (it used to crash: the key was not in the schema)."""
    config = tap_config(emulator.url)
    first = run_tap(config, streams=["invoice_items"])
    items = account.objects("invoiceitem")
    assert set(first.ids("invoice_items")) == {i["id"] for i in items}
    bookmark = first.final_state["bookmarks"]["invoice_items"]
    assert bookmark["replication_key"] == "date"
    assert bookmark["replication_key_value"] == max(i["date"] for i in items)

    emulator.clear_requests()
    second = run_tap(config, streams=["invoice_items"], state=first.final_state)
    assert created_gte(emulator, "/v1/invoiceitems") == [bookmark["replication_key_value"]]
    newest = {i["id"] for i in items if i["date"] >= bookmark["replication_key_value"]}
    assert set(second.ids("invoice_items")) == newest
    for record in second.records["invoice_items"]:
        assert "created" not in record or record["created"] == record["date"]


def test_a_bookmark_saved_under_created_keeps_working(account: Account, emulator: Emulator) -> None:
    """Earlier versions saved the invoice items' bookmark as ``created``: users have it."""
    items = sorted(account.objects("invoiceitem"), key=lambda i: i["date"])
    middle = items[len(items) // 2]["date"]
    state: dict[str, Any] = {
        "bookmarks": {
            "invoice_items": {"replication_key": "created", "replication_key_value": middle}
        }
    }
    run = run_tap(tap_config(emulator.url), streams=["invoice_items"], state=state)
    assert created_gte(emulator, "/v1/invoiceitems") == [middle]
    assert set(run.ids("invoice_items")) == {i["id"] for i in items if i["date"] >= middle}
    assert run.final_state["bookmarks"]["invoice_items"]["replication_key"] == "date"


class DeleteAfterServing:
    """A page hook that deletes objects right after Stripe served them: the next request of
    the walk continues from an object that no longer exists, as in a live account."""

    def __init__(self, account: Account, route: str, pick: Any, times: int = 3) -> None:
        self.account = account
        self.route = route
        self.pick = pick  # page -> [(object type, id)] to delete
        self.left = times
        self.deleted: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, route: str, query: Any, page: dict[str, Any]) -> None:
        with self.lock:
            if route != self.route or self.left <= 0 or not page["data"]:
                return
            victims = self.pick(page)
            if victims:
                self.left -= 1
            for object_type, oid in victims:
                self.account.delete(object_type, oid)
                self.deleted.append(oid)


@pytest.fixture
def large() -> Account:
    """An account with two pages of customers, some with more than 10 sources."""
    return make_account(objects=5000, seed=5)


def no_skips(caplog: pytest.LogCaptureFixture) -> None:
    skipped = [r.getMessage() for r in caplog.records if "Skipping stream" in r.getMessage()]
    assert skipped == []


def test_a_deleted_cursor_object_restarts_the_walk_and_loses_nothing(
    large: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """The last customer of a page is deleted before the next page is asked for: Stripe
    answers 404 for ``starting_after``. Every other customer still arrives."""
    before = {c["id"] for c in large.objects("customer")}
    hook = DeleteAfterServing(
        large, "/v1/customers", lambda page: [("customer", page["data"][-1]["id"])]
    )
    with Emulator(large, page_hook=hook) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["customers"])
        missing = [r for r in emulator.requests if r.status == 404]
    assert hook.deleted, "the hook deleted nothing: the test proves nothing"
    assert missing, "no walk met a deleted cursor"
    assert all("starting_after" in r.query for r in missing)
    assert set(run.ids("customers")) >= before - set(hook.deleted)
    no_skips(caplog)


def test_a_deleted_cursor_in_a_child_list_restarts_that_list(
    large: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """A customer's 10th embedded source is deleted before its child list continues from it."""

    def last_embedded_source(page: dict[str, Any]) -> list[tuple[str, str]]:
        cut = [
            c["sources"]["data"] for c in page["data"] if (c.get("sources") or {}).get("has_more")
        ]
        return [(sources[-1]["object"], sources[-1]["id"]) for sources in cut[:2]]

    hook = DeleteAfterServing(large, "/v1/customers", last_embedded_source, times=5)
    with Emulator(large, page_hook=hook) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["bank_accounts"])
        missing = [r for r in emulator.requests if r.status == 404]
    assert hook.deleted, "no customer has more than 10 sources: the test proves nothing"
    assert missing
    banks = {
        s["id"]
        for c in large.objects("customer")
        for s in large.children("bank_account", c["id"])
        if s["object"] == "bank_account"
    }
    assert banks, "the account has no bank accounts"
    assert set(run.ids("bank_accounts")) >= banks
    no_skips(caplog)


def test_a_parent_deleted_while_its_children_are_read_skips_only_that_parent(
    large: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """Customers deleted right after their page was served: their balance transactions answer
    404 "No such customer"; every other customer's arrive."""
    hook = DeleteAfterServing(
        large,
        "/v1/customers",
        lambda page: [("customer", c["id"]) for c in page["data"][:5]],
        times=2,
    )
    with Emulator(large, page_hook=hook) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["customer_balance_transactions"])
        missing = [r for r in emulator.requests if r.status == 404]
    assert hook.deleted
    assert missing
    expected = {
        t["id"]
        for c in large.objects("customer")
        for t in large.children("customer_balance_transaction", c["id"])
    }
    assert expected, "no balance transactions left: the test proves nothing"
    assert set(run.ids("customer_balance_transactions")) >= expected
    no_skips(caplog)


def test_objects_of_events_in_another_api_version_are_read_again_in_the_pinned_one(
    account: Account, emulator: Emulator
) -> None:
    """An event renders its object in the event's API version (here an older one, whose
    objects lack ``metadata``): the tap reads the object again by id in the pinned version."""
    config = tap_config(emulator.url)
    first = run_tap(config, streams=["customers", "coupons"])
    cursor = first.final_state["bookmarks"]["customers"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    account.event_api_version = "2023-10-16"
    customers = account.objects("customer")[-3:]  # old: outside the created window
    for customer in customers:
        account.update("customer", customer["id"], name="renamed under 2023-10-16")
    coupon = account.objects("coupon")[-1]
    account.delete("coupon", coupon["id"])
    events = [e for e in account.objects("event") if e["api_version"] == "2023-10-16"]
    assert events
    assert all("metadata" not in e["data"]["object"] for e in events)
    emulator.clear_requests()

    second = run_tap(config, streams=["customers", "coupons"], state=rewind(first, HOUR))
    changed = {r["id"]: r for r in second.records["customers"]}
    for customer in customers:
        assert changed[customer["id"]]["name"] == "renamed under 2023-10-16"
        assert "metadata" in changed[customer["id"]], "the event's own (older) shape"
    retrieved = sorted(r.path for r in emulator.requests if r.path.count("/") == 3)
    assert retrieved == sorted(f"/v1/customers/{c['id']}" for c in customers)
    deleted = [r for r in second.records["coupons"] if r["id"] == coupon["id"]]
    assert deleted
    assert deleted[0][DELETED_AT], "a deletion keeps the event's payload"


# Every stream, twice, through the Singer tap and through the Flow connector ------------------

LOOKBACK_DAYS = 2
START_DATE = 1704067200  # tap_config's start_date, 2024-01-01


@dataclass
class Changes:
    """What changed in Stripe between two runs, by stream."""

    touched: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    deleted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: stream -> id -> the field set to "changed on day two"
    updated: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))


def change_everything(account: Account, when: int) -> Changes:
    """Create, update, cancel and delete objects of many streams, dated ``when``."""
    account.clock = lambda: when
    changes = Changes()
    for stream, object_type, field_name in (
        ("invoices", "invoice", "description"),
        ("customers", "customer", "name"),
        ("products", "product", "name"),
        ("payouts", "payout", "description"),
    ):
        for obj in account.objects(object_type)[-2:]:  # the oldest: outside the lookback
            account.update(object_type, obj["id"], **{field_name: "changed on day two"})
            changes.touched[stream].add(obj["id"])
            changes.updated[stream][obj["id"]] = field_name
    for stream, object_type in (("coupons", "coupon"), ("invoice_items", "invoiceitem")):
        for obj in account.objects(object_type)[-2:]:
            account.delete(object_type, obj["id"])
            changes.deleted[stream].add(obj["id"])
            changes.touched[stream].add(obj["id"])
    live = [s for s in account.objects("subscription") if s["status"] != "canceled"]
    account.delete("subscription", live[-1]["id"])  # Stripe cancels it
    changes.touched["subscriptions"].add(live[-1]["id"])
    for stream, object_type in (("customers", "customer"), ("coupons", "coupon")):
        changes.touched[stream].add(account.create(object_type)["id"])
    return changes


def expected_second_run(
    account: Account, stream: str, bookmarks: dict[str, Any], changes: Changes
) -> set[str]:
    """What the second run must emit: the lookback window, plus every changed object."""
    if stream in FULL_REFRESH:
        return set(expected_ids(account, stream, 0))
    # no bookmark: nothing was read (no event is younger than 30 days): from start_date again
    bookmark = bookmarks[stream].get("replication_key_value", START_DATE)
    since = int(bookmark) - LOOKBACK_DAYS * 86_400
    return set(expected_ids(account, stream, since)) | changes.touched[stream]


def assert_second_run(
    account: Account,
    emitted: dict[str, list[dict[str, Any]]],
    bookmarks: dict[str, Any],
    changes: Changes,
    deleted: Any,
) -> None:
    for stream in ALL_STREAMS:
        ids = [r["id"] for r in emitted.get(stream, [])]
        assert set(ids) == expected_second_run(account, stream, bookmarks, changes), stream
        for record in emitted.get(stream, []):
            assert deleted(record) == (record["id"] in changes.deleted[stream]), record["id"]
            if record["id"] in changes.updated[stream]:
                assert record[changes.updated[stream][record["id"]]] == "changed on day two"
        assert set(changes.updated[stream]) <= set(ids), stream
    canceled = [r for r in emitted["subscriptions"] if r["id"] in changes.touched["subscriptions"]]
    assert [r["status"] for r in canceled] == ["canceled"]


def test_second_singer_run_over_every_stream_captures_exactly_the_changes(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url, lookback_window_days=LOOKBACK_DAYS)
    first = run_tap(config)
    for stream in ALL_STREAMS:
        assert sorted(first.ids(stream)) == sorted(expected_ids(account, stream, 0)), stream
    cursor = first.final_state["bookmarks"]["customers"]["event_cursor"]
    changes = change_everything(account, cursor - HOUR + 1800)

    second = run_tap(config, state=rewind(first, HOUR))
    assert_second_run(
        account,
        second.records,
        first.final_state["bookmarks"],
        changes,
        lambda record: bool(record.get(DELETED_AT)),
    )
    third = run_tap(config, state=second.final_state)  # and again, with nothing changed
    assert set(third.ids("invoices")) <= set(second.ids("invoices"))


def test_second_flow_open_over_every_stream_captures_exactly_the_changes(
    account: Account, emulator: Emulator
) -> None:
    config = endpoint_config(emulator.url, lookback_window_days=LOOKBACK_DAYS)
    bindings = [binding(s) for s in ALL_STREAMS]
    first = stripe(open_request(config, bindings, {}))
    assert first.code == 0
    state = reduce_state(first.messages)
    cursor = state["bindingStateV1"]["customers"]["event_cursor"]
    changes = change_everything(account, cursor - HOUR + 1800)
    for binding_state in state["bindingStateV1"].values():
        if binding_state.get("event_cursor") is not None:
            binding_state["event_cursor"] -= HOUR

    second = stripe(open_request(config, bindings, state))
    assert second.code == 0, second.final_error
    documents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in second.messages:
        if "captured" in message:
            documents[bindings[message["captured"]["binding"]]["resourceConfig"]["stream"]].append(
                message["captured"]["doc"]
            )
    assert_second_run(
        account,
        documents,
        state["bindingStateV1"],
        changes,
        lambda doc: doc["_meta"]["op"] == "d",
    )
