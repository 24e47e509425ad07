"""Lists Stripe does not filter by ``created``: read whole each run, or by their events alone."""

from __future__ import annotations

from stripe_emulator import Account, Emulator
from tap_stripe_flow.streams import STREAMS
from tests.support.accounts import tap_config
from tests.support.tap import rewound, run_tap

HOUR = 3600


def test_every_run_reads_the_whole_list_without_a_created_filter(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=["tax_codes", "payment_links"])
    assert sorted(first.ids("tax_codes")) == sorted(c["id"] for c in account.objects("tax_code"))
    links = {link["id"] for link in account.objects("payment_link")}
    assert set(first.ids("payment_links")) == links
    # the emulator, as Stripe, answers 400 to a created[...] these lists do not take
    assert all(not any(k.startswith("created") for k in r.query) for r in emulator.requests)

    added = account.create("payment_link", currency="usd")
    emulator.clear_requests()
    second = run_tap(config, streams=["payment_links"], state=first.final_state)
    assert set(second.ids("payment_links")) == links | {added["id"]}
    assert [r.path for r in emulator.requests] == ["/v1/payment_links"]
    assert "replication_key_value" not in second.final_state["bookmarks"].get("payment_links", {})


def test_incremental_by_events_reads_the_whole_once_then_only_the_events(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=["payment_links"], incremental=["payment_links"])
    assert set(first.ids("payment_links")) == {p["id"] for p in account.objects("payment_link")}
    cursor = first.final_state["bookmarks"]["payment_links"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800  # dated after the rewound cursor
    link = account.objects("payment_link")[-1]
    account.update("payment_link", link["id"], active=False)
    added = account.create("payment_link", currency="eur")
    emulator.clear_requests()

    state = rewound(first.final_state, HOUR)
    second = run_tap(config, streams=["payment_links"], state=state, incremental=["payment_links"])

    changed = {r["id"]: r for r in second.records["payment_links"]}
    assert set(changed) == {link["id"], added["id"]}
    assert changed[link["id"]]["active"] is False
    assert [r.path for r in emulator.requests] == ["/v1/events"]

    emulator.clear_requests()  # nothing changed since
    third = run_tap(
        config, streams=["payment_links"], state=second.final_state, incremental=["payment_links"]
    )
    assert not third.records.get("payment_links")
    assert [r.path for r in emulator.requests] == ["/v1/events"]


def test_discovery_offers_the_events_mode_only_where_stripe_sends_events() -> None:
    assert STREAMS["payment_links"].reads_events_alone()
    assert not STREAMS["tax_codes"].reads_events_alone()
    assert not STREAMS["customers"].reads_events_alone()  # incremental on created instead
