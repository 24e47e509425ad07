"""Bookmarks, resume and the lookback window, exactly as the seed documents them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from stripe_emulator import Account, Emulator, build_account
from tests.conftest import ACCOUNT_ID, API_KEY, tap_config
from tests.tap_harness import run_tap

DAY = 86_400


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
