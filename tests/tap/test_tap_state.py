"""Bookmarks, resume and the lookback window, exactly as the seed documents them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from stripe_emulator import Account, Emulator, build_account
from tap_stripe_flow import stream_lifecycle, stream_plan
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.message_writer import BufferedJsonWriter, StateLineWriter
from tests.support.accounts import ACCOUNT_ID, API_KEY, DAY, make_account, tap_config
from tests.support.tap import run_tap


def epoch(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


def created_gte(emulator: Emulator, path: str) -> list[int]:
    return [int(r.query["created[gte]"][0]) for r in emulator.requests if r.path == path]


def test_seed_lookback_example() -> None:
    """Start June 6 with lookback 3: the first run asks from June 3; on June 10, from June 7."""
    account = build_account(
        objects=200,
        seed=3,
        start=datetime(2022, 5, 1, tzinfo=UTC),
        end=datetime(2022, 6, 10, tzinfo=UTC),
        account_id=ACCOUNT_ID,
        api_key=API_KEY,
    )
    config = tap_config("", start_date="2022-06-06T00:00:00Z", lookback_window_days=3)
    with Emulator(account) as emulator:
        config["api_base_url"] = emulator.url
        first = run_tap(config, streams=["charges"])
        assert created_gte(emulator, "/v1/charges") == [epoch(2022, 6, 3)]
        june_3 = epoch(2022, 6, 3)
        expected = {c["id"] for c in account.objects("charge") if c["created"] >= june_3}
        assert set(first.ids("charges")) == expected

        emulator.clear_requests()
        june_10_state = {
            "bookmarks": {
                "charges": {
                    "replication_key": "created",
                    "replication_key_value": epoch(2022, 6, 10),
                }
            }
        }
        run_tap(config, streams=["charges"], state=june_10_state)
        assert created_gte(emulator, "/v1/charges") == [epoch(2022, 6, 7)]


def test_bookmark_is_the_newest_created_and_never_past_the_run_start(
    account: Account, emulator: Emulator
) -> None:
    before = int(time.time())
    run = run_tap(tap_config(emulator.url), streams=["charges"])
    bookmark = run.final_state["bookmarks"]["charges"]
    assert bookmark["replication_key"] == "created"
    assert bookmark["replication_key_value"] == max(c["created"] for c in account.objects("charge"))
    assert bookmark["replication_key_value"] <= before + 1
    upper = [int(r.query["created[lte]"][0]) for r in emulator.requests]
    assert all(before - 1 <= value <= int(time.time()) for value in upper)


def test_resume_reads_only_new_objects_and_the_lookback(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url, lookback_window_days=2)
    first = run_tap(config, streams=["charges", "invoices"])
    state = first.final_state
    newest = state["bookmarks"]["charges"]["replication_key_value"]

    account.clock = lambda: newest + DAY
    new_charge = account.create("charge")
    second = run_tap(config, streams=["charges", "invoices"], state=state)

    window_start = newest - 2 * DAY
    expected = {c["id"] for c in account.objects("charge") if c["created"] >= window_start}
    assert new_charge["id"] in expected
    assert set(second.ids("charges")) == expected
    assert len(second.ids("charges")) < len(first.ids("charges"))
    assert second.final_state["bookmarks"]["charges"]["replication_key_value"] == newest + DAY


def test_objects_in_the_bookmark_second_are_read_again(
    account: Account, emulator: Emulator
) -> None:
    first = run_tap(tap_config(emulator.url), streams=["customers"])
    newest = first.final_state["bookmarks"]["customers"]["replication_key_value"]
    account.clock = lambda: newest
    same_second = account.create("customer")
    second = run_tap(tap_config(emulator.url), streams=["customers"], state=first.final_state)
    assert same_second["id"] in second.ids("customers")


def test_full_refresh_streams_keep_no_bookmark(emulator: Emulator) -> None:
    run = run_tap(tap_config(emulator.url), streams=["invoice_line_items", "subscription_items"])
    bookmarks = run.final_state.get("bookmarks", {})
    for stream in ("invoice_line_items", "subscription_items"):
        assert "replication_key_value" not in bookmarks.get(stream, {})


def test_checkout_line_items_follow_their_sessions_bookmark(
    account: Account, emulator: Emulator
) -> None:
    first = run_tap(tap_config(emulator.url), streams=["checkout_sessions_line_items"])
    bookmark = first.final_state["bookmarks"]["checkout_sessions_line_items"]
    newest_session = max(s["created"] for s in account.objects("checkout.session"))
    assert bookmark["replication_key_value"] == newest_session
    emulator.clear_requests()
    second = run_tap(
        tap_config(emulator.url), streams=["checkout_sessions_line_items"], state=first.final_state
    )
    assert created_gte(emulator, "/v1/checkout/sessions") == [newest_session]
    latest = [s for s in account.objects("checkout.session") if s["created"] == newest_session]
    expected = {i["id"] for s in latest for i in account.children("item", s["id"])}
    assert set(second.ids("checkout_sessions_line_items")) == expected


# -- an interrupted backfill resumes where it stopped --------------------------------------------


def charges_account(count: int) -> Account:
    """An account of ``count`` charges, one every hour of early 2024 (and nothing else)."""
    account = Account(ACCOUNT_ID, API_KEY, seed=5)
    start = epoch(2024, 1, 1)
    for i in range(count):
        account.create("charge", created=start + i * 3600)
    return account


def interrupted_run(
    config: dict[str, Any], emulator: Emulator, pages: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the tap until Stripe stops answering after ``pages`` pages of charges; return the
    records written before the last STATE (what a target has committed) and that state.

    With a STATE every 100 records (``interruptible``) there is one: the first page is
    buffered before any other request is made, so before the failure."""
    served = 0

    def count(route: str, query: Mapping[str, list[str]], page: Any) -> None:
        nonlocal served
        served += 1
        if served >= pages:
            emulator.outage_paths = {"/v1/charges"}

    emulator.page_hook = count
    messages: list[dict[str, Any]] = []
    with pytest.raises(Exception, match="503"):
        run_tap(config, streams=["charges"], into=messages)
    for thread in threading.enumerate():  # the failed run's requests still under way
        if thread.name.startswith("fetch-"):
            thread.join(timeout=5)
    emulator.page_hook = None
    emulator.outage_paths = set()
    last_state = max(i for i, m in enumerate(messages) if m["type"] == "STATE")
    committed = [m["record"] for m in messages[:last_state] if m["type"] == "RECORD"]
    return committed, messages[last_state]["value"]


@pytest.fixture
def interruptible(monkeypatch: pytest.MonkeyPatch) -> None:
    """A STATE after every page, and no retry: an outage stops a run at once, after a STATE."""
    monkeypatch.setattr(StripeStream, "STATE_MSG_FREQUENCY", 100)
    monkeypatch.setattr(StripeStream, "RETRY_MAX_TRIES", 1)


#: A stream map makes singer-sdk's own record loop run instead of the page-at-a-time one.
SDK_LOOP = {"stream_maps": {"charges": {"read_by": "'singer-sdk'"}}}


@pytest.mark.usefixtures("interruptible")
@pytest.mark.parametrize("write_path", [{}, SDK_LOOP], ids=["page-at-a-time", "singer-sdk loop"])
def test_an_interrupted_backfill_resumes_where_it_stopped(write_path: dict[str, Any]) -> None:
    account = charges_account(2000)
    everything = {c["id"] for c in account.objects("charge")}
    with Emulator(account) as emulator:
        config = tap_config(emulator.url, start_date="2023-12-01T00:00:00Z", **write_path)
        committed, state = interrupted_run(config, emulator, pages=12)
        progress = state["bookmarks"]["charges"]["backfill"]
        assert progress["remaining"], "an unfinished run leaves ranges to read"
        assert 100 <= len(committed) < len(everything)
        # What left the remaining ranges was written before this state: no gap.
        done = {c["id"] for c in committed}
        for charge in account.objects("charge"):
            outside = not any(lo <= charge["created"] <= hi for lo, hi in progress["remaining"])
            if outside and charge["created"] <= progress["until"]:
                assert charge["id"] in done

        # Created in the second the first run started: the resumed run reads from there on.
        newer = account.create("charge", created=progress["until"])
        emulator.clear_requests()
        resumed = run_tap(config, streams=["charges"], state=state)

    read_again = resumed.ids("charges")
    if write_path:
        assert all(r["read_by"] == "singer-sdk" for r in resumed.records["charges"])
    assert done | set(read_again) == everything | {newer["id"]}
    assert len(read_again) < len(everything) - len(committed) + 150  # not started over
    asked = [(int(r.query["created[gte]"][0]), int(r.query["created[lte]"][0]))
             for r in emulator.requests if r.path == "/v1/charges"]  # fmt: skip
    assert all(
        any(lo <= gte and lte <= hi for lo, hi in progress["remaining"]) or gte >= progress["until"]
        for gte, lte in asked
    ), (asked, progress)
    final = resumed.final_state["bookmarks"]["charges"]
    assert final["backfill"] is None
    assert final["replication_key_value"] == newer["created"]


@pytest.mark.usefixtures("interruptible")
def test_a_resumed_run_keeps_the_bookmark_the_interrupted_one_reached() -> None:
    account = charges_account(1500)
    newest = max(c["created"] for c in account.objects("charge"))
    with Emulator(account) as emulator:
        config = tap_config(emulator.url, start_date="2023-12-01T00:00:00Z")
        _, state = interrupted_run(config, emulator, pages=6)
        assert state["bookmarks"]["charges"]["backfill"]["newest"] == newest
        resumed = run_tap(config, streams=["charges"], state=state)
    # The newest charges were written by the interrupted run, not this one: still the bookmark.
    assert newest not in {c["created"] for c in resumed.records["charges"]}
    assert resumed.final_state["bookmarks"]["charges"]["replication_key_value"] == newest


def test_a_backfill_entry_of_another_shape_is_ignored(emulator: Emulator) -> None:
    state = {"bookmarks": {"charges": {"backfill": {"remaining": "all", "until": 5}}}}
    run = run_tap(tap_config(emulator.url), streams=["charges"], state=state)
    assert run.ids("charges")  # read from start_date, as without the entry
    assert created_gte(emulator, "/v1/charges") == [epoch(2024, 1, 1)]


@pytest.mark.usefixtures("interruptible")
def test_a_resumed_first_run_reads_what_changed_since_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A first run reads no events; once it is interrupted, what it wrote may change before the
    # run that resumes it, which must then read the events since the first run started.
    for module in (stream_lifecycle, stream_plan):  # no minute's wait in a test
        monkeypatch.setattr(module, "EVENTS_SETTLE_SECONDS", 0)
    account = charges_account(1500)
    with Emulator(account) as emulator:
        config = tap_config(emulator.url, start_date="2023-12-01T00:00:00Z")
        committed, state = interrupted_run(config, emulator, pages=6)
        until = state["bookmarks"]["charges"]["backfill"]["until"]
        written = committed[0]
        account.clock = lambda: until + 1
        account.update("charge", written["id"], description="changed after it was written")
        while time.time() < until + 2:  # the resumed run starts after the change
            time.sleep(0.05)
        resumed = run_tap(config, streams=["charges"], state=state)
    versions = [c for c in resumed.records["charges"] if c["id"] == written["id"]]
    assert [c["description"] for c in versions] == ["changed after it was written"]
    assert resumed.final_state["bookmarks"]["charges"]["event_cursor"] >= until


def test_a_bookmark_ahead_of_the_clock_reads_nothing_and_ends(emulator: Emulator) -> None:
    # Another host's clock, or a hand-edited state: the window is empty, and the run must end.
    ahead = int(time.time()) + DAY
    state = {
        "bookmarks": {"charges": {"replication_key": "created", "replication_key_value": ahead}}
    }
    runs: list[Any] = []
    config = tap_config(emulator.url, capture_changes=False)
    thread = threading.Thread(
        target=lambda: runs.append(run_tap(config, streams=["charges"], state=state)), daemon=True
    )
    thread.start()
    thread.join(timeout=30)
    assert runs, "the run did not end"
    assert runs[0].ids("charges") == []
    assert not [r for r in emulator.requests if r.path == "/v1/charges"]


def test_state_goes_out_every_few_seconds_while_records_flow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Far fewer than 10,000 records, read slowly: STATEs still follow, each resumable."""
    monkeypatch.setattr(StripeStream, "STATE_EVERY_SECONDS", 0.3)
    account = charges_account(1200)
    with Emulator(account, latency_ms=60) as emulator:
        config = tap_config(
            emulator.url, start_date="2023-12-01T00:00:00Z", max_requests_per_second=10
        )
        run = run_tap(config, streams=["charges"])
    kinds = [m["type"] for m in run.messages]
    first_record, last_record = kinds.index("RECORD"), len(kinds) - kinds[::-1].index("RECORD")
    between = [m["value"] for m in run.messages[first_record:last_record] if m["type"] == "STATE"]
    assert len(between) >= 2, "no STATE while records flowed"
    assert all(s["bookmarks"]["charges"].get("backfill") for s in between), "not resumable"


@pytest.mark.usefixtures("interruptible")
def test_an_interrupted_child_stream_resumes_where_its_parents_were_done() -> None:
    """A full-refresh child stream (a request per customer) killed part way: every child of
    the parents whose ``created`` left ``remaining`` was committed; the next run reads the rest."""
    account = make_account(objects=600)
    start = epoch(2024, 1, 1)
    for i in range(400):  # a customer every 3 hours, each with a balance transaction
        customer = account.create("customer", created=start + i * 3 * 3600)
        account.create("customer_balance_transaction", customer=customer["id"], amount=100 + i)
    stream = "customer_balance_transactions"
    everything = {t["id"] for t in account.objects("customer_balance_transaction")}
    customer_created = {c["id"]: c["created"] for c in account.objects("customer")}
    with Emulator(account) as emulator:
        config = tap_config(emulator.url)
        served = 0

        def count(route: str, query: Mapping[str, list[str]], page: Any) -> None:
            nonlocal served
            served += 1
            if served >= 150:  # some customers' lists in, Stripe stops answering
                emulator.down = True

        emulator.page_hook = count
        messages: list[dict[str, Any]] = []
        with pytest.raises(Exception, match=r"(?i)connection"):
            run_tap(config, streams=[stream], into=messages)
        for thread in threading.enumerate():
            if thread.name.startswith("fetch-"):
                thread.join(timeout=5)
        emulator.page_hook = None
        emulator.down = False
        last = max(i for i, m in enumerate(messages) if m["type"] == "STATE")
        committed = {m["record"]["id"] for m in messages[:last] if m["type"] == "RECORD"}
        state = messages[last]["value"]
        progress = state["bookmarks"][stream]["backfill"]
        assert progress["remaining"], "an unfinished run leaves parents to read"
        assert committed, "the run got somewhere"
        for txn in account.objects("customer_balance_transaction"):
            created = customer_created[txn["customer"]]
            if not any(lo <= created <= hi for lo, hi in progress["remaining"]):
                assert txn["id"] in committed, "a parent counted done before its children"
        resumed = run_tap(config, streams=[stream], state=state)
    read_again = set(resumed.ids(stream))
    assert committed | read_again == everything
    assert len(read_again) < len(everything)  # not started over
    assert resumed.final_state["bookmarks"][stream]["backfill"] is None


def test_a_state_is_written_once_per_change_even_one_made_in_place(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """The tap's state writer (``StateLineWriter``, no deep copy kept) writes a STATE when the
    state changed since the last one, a change made in the same dict object included."""
    writer = StateLineWriter(BufferedJsonWriter())
    state: dict[str, Any] = {"bookmarks": {"charges": {"accounts": {"acct_1": {"c": 1}}}}}
    writer.write_state(state)  # type: ignore[arg-type]
    writer.write_state(state)  # type: ignore[arg-type]
    state["bookmarks"]["charges"]["accounts"]["acct_1"]["c"] = 2
    writer.write_state(state)  # type: ignore[arg-type]
    writer.write_state(state)  # type: ignore[arg-type]
    lines = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [line["type"] for line in lines] == ["STATE", "STATE"]
    assert [line["value"]["bookmarks"]["charges"]["accounts"]["acct_1"]["c"] for line in lines] == [
        1,
        2,
    ]
