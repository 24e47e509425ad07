"""Day two of the quote, billing and settings streams (``streams/billing.py``): lists without a
``created`` filter, read whole on every run, or (quotes, portal configurations) by events."""

from __future__ import annotations

from stripe_emulator import Account, Emulator
from tap_stripe_flow.changes import DELETED_AT
from tap_stripe_flow.streams import billing, stream_name
from tests.support.accounts import tap_config
from tests.support.streams import expected_ids
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600
#: Stream -> the Stripe object it lists (quote line items: under their quote).
OBJECTS = {stream_name(t): t.object_type for t in billing.STREAM_TYPES}
STREAMS = list(OBJECTS)
EVENTED = ["quotes", "billing_portal_configurations"]
LISTS = {
    "/v1/quotes",
    "/v1/billing_portal/configurations",
}


def stripe_ids(account: Account, stream: str) -> set[str]:
    """The ids Stripe lists for a stream now (every one: ``start_date`` cannot bound them)."""
    return set(expected_ids(account, stream, 0))


def later(account: Account, first: TapRun) -> None:
    """Date the changes made next half an hour after the (rewound) event cursor."""
    cursor = first.final_state["bookmarks"]["quotes"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800


def test_full_refresh_reads_every_list_whole_again_after_changes_and_deletions(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=STREAMS)
    for stream in STREAMS:
        assert set(first.ids(stream)) == stripe_ids(account, stream), stream
    assert not any("created[gte]" in r.query for r in emulator.requests)

    draft = next(q for q in account.objects("quote") if q["status"] == "draft")
    account.update("quote", draft["id"], description="edited draft")  # Stripe sends no event
    quote = account.create("quote", status="draft")
    account.create("item", parent=quote["id"], description="new line", quantity=1)
    gone = {
        "webhook_endpoints": account.objects("webhook_endpoint")[0]["id"],
        "apple_pay_domains": account.objects("apple_pay_domain")[0]["id"],
        "tax_ids": account.objects("tax_id")[0]["id"],
    }
    for stream, oid in gone.items():
        account.delete(OBJECTS[stream], oid)
    config_id = account.objects("billing_portal.configuration")[0]["id"]
    account.update("billing_portal.configuration", config_id, default_return_url="https://x.io")
    emulator.clear_requests()

    second = run_tap(config, streams=STREAMS, state=first.final_state)
    for stream in STREAMS:
        assert set(second.ids(stream)) == stripe_ids(account, stream), stream
        assert not any(r.get(DELETED_AT) for r in second.records[stream]), stream
    for stream, oid in gone.items():
        assert oid not in second.ids(stream), "a deleted object is no longer listed"
    quotes = {r["id"]: r for r in second.records["quotes"]}
    assert quotes[draft["id"]]["description"] == "edited draft"
    assert quote["id"] in quotes
    lines = [r for r in second.records["quote_line_items"] if r["quote"] == quote["id"]]
    assert [r["description"] for r in lines] == ["new line"]
    paths = [r.path for r in emulator.requests]
    assert "/v1/events" not in paths, "full refresh reads no events"
    assert not any("created[gte]" in r.query for r in emulator.requests)


def test_incremental_quotes_and_portal_configurations_read_only_their_events(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=EVENTED, incremental=EVENTED)
    for stream in EVENTED:
        assert set(first.ids(stream)) == stripe_ids(account, stream), stream
    later(account, first)
    emulator.clear_requests()

    drafts = [q for q in account.objects("quote") if q["status"] == "draft"]
    finalized = account.update("quote", drafts[0]["id"], status="open", number="QT-NEW")
    open_quote = next(
        q for q in account.objects("quote") if q["status"] == "open" and q["id"] != finalized["id"]
    )
    canceled = account.update("quote", open_quote["id"], status="canceled")  # an update
    edited = account.update("quote", drafts[-1]["id"], description="edited, no event")
    created = account.create("quote", status="draft")
    portal = account.objects("billing_portal.configuration")[-1]
    account.update("billing_portal.configuration", portal["id"], active=False)

    state = rewound(first.final_state, HOUR)
    second = run_tap(config, streams=EVENTED, state=state, incremental=EVENTED)
    quotes = {r["id"]: r for r in second.records["quotes"]}
    assert set(quotes) == {finalized["id"], canceled["id"], created["id"]}, "the events' only"
    assert quotes[finalized["id"]]["status"] == "open"
    assert quotes[canceled["id"]]["status"] == "canceled"
    assert not any(r.get(DELETED_AT) for r in quotes.values()), "canceled is not deleted"
    assert edited["id"] not in quotes, "a draft edit sends no event: the full read catches it"
    assert [(r["id"], r["active"]) for r in second.records["billing_portal_configurations"]] == [
        (portal["id"], False)
    ]
    assert not {r.path for r in emulator.requests} & LISTS, "no list read: events alone"

    emulator.clear_requests()
    state = rewound(second.final_state, 8 * 86_400)  # the last whole read: 8 days ago
    third = run_tap(config, streams=["quotes"], state=state, incremental=EVENTED)
    assert set(third.ids("quotes")) == stripe_ids(account, "quotes")
    assert {r["id"]: r for r in third.records["quotes"]}[edited["id"]]["description"] == (
        "edited, no event"
    )
    assert "/v1/quotes" in {r.path for r in emulator.requests}


def test_full_refresh_stays_the_default_of_the_evented_lists(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=EVENTED)
    emulator.clear_requests()
    second = run_tap(config, streams=EVENTED, state=first.final_state)
    for stream in EVENTED:
        assert set(second.ids(stream)) == stripe_ids(account, stream), stream
    assert {r.path for r in emulator.requests} == LISTS
