"""Day two for Terminal, Issuing designs and bundles, Climate, Financial Connections, report
types and Sigma query runs: lists without a ``created`` filter, read whole every run.

A second run after creations, updates and deletions (Terminal objects, deleted without an
event) emits exactly what Stripe lists then, with the new values; bound incremental, Sigma
query runs come from their events alone, and their list is not read again.
"""

from __future__ import annotations

from typing import Any

from stripe_emulator import Account, Emulator
from tap_stripe_flow.streams import operations, stream_name
from tests.support.accounts import DATA_END, tap_config
from tests.support.tap import rewound, run_tap

HOUR = 3600
STREAMS = {stream_name(t): t.object_type for t in operations.STREAM_TYPES}


def listed_ids(account: Account, object_type: str) -> list[str]:
    return [o["id"] for o in account.objects(object_type)]


def change_operations(account: Account, when: int) -> dict[str, Any]:
    """Create, update and delete objects of every stream here, dated ``when``."""
    account.clock = lambda: when
    deleted = {}
    for object_type in ("terminal.location", "terminal.reader", "terminal.configuration"):
        victim = account.objects(object_type)[-1]["id"]
        account.delete(object_type, victim)
        deleted[object_type] = victim
    reader = account.objects("terminal.reader")[0]["id"]
    account.update("terminal.reader", reader, label="Moved to the front")
    new_location = account.create("terminal.location", display_name="Pop-up store")["id"]
    order = next(o for o in account.objects("climate.order") if o["status"] == "open")["id"]
    account.update("climate.order", order, status="canceled", canceled_at=when)
    new_order = account.create("climate.order", status="open")["id"]
    fca = next(
        a for a in account.objects("financial_connections.account") if a["status"] == "active"
    )
    account.update("financial_connections.account", fca["id"], status="inactive")
    design = account.objects("issuing.personalization_design")[0]["id"]
    account.update("issuing.personalization_design", design, name="Renamed design")
    report = account.objects("reporting.report_type")[0]["id"]
    account.update("reporting.report_type", report, data_available_end=when, updated=when)
    run = account.create("scheduled_query_run", status="completed", title="Day two")["id"]
    return {
        "deleted": deleted,
        "reader": reader,
        "location": new_location,
        "order": order,
        "new_order": new_order,
        "fca": fca["id"],
        "design": design,
        "report": report,
        "run": run,
    }


def test_second_run_lists_each_stream_as_stripe_does_now(
    account: Account, emulator: Emulator
) -> None:
    config = tap_config(emulator.url)
    first = run_tap(config, streams=list(STREAMS))
    for stream, object_type in STREAMS.items():
        assert first.ids(stream) == listed_ids(account, object_type), stream
    changed = change_operations(account, int(DATA_END.timestamp()) + HOUR)
    emulator.clear_requests()

    second = run_tap(config, streams=list(STREAMS), state=first.final_state)
    for stream, object_type in STREAMS.items():
        assert second.ids(stream) == listed_ids(account, object_type), stream
    for object_type, gone in changed["deleted"].items():
        stream = next(s for s, t in STREAMS.items() if t == object_type)
        assert gone in first.ids(stream)
        assert gone not in second.ids(stream), "a deleted Terminal object is gone on day two"
    records = {s: {r["id"]: r for r in second.records[s]} for s in STREAMS}
    assert records["terminal_readers"][changed["reader"]]["label"] == "Moved to the front"
    assert changed["location"] in records["terminal_locations"]
    assert records["climate_orders"][changed["order"]]["status"] == "canceled"
    assert changed["new_order"] in records["climate_orders"]
    assert records["financial_connections_accounts"][changed["fca"]]["status"] == "inactive"
    assert records["issuing_personalization_designs"][changed["design"]]["name"] == "Renamed design"
    assert changed["run"] in records["sigma_scheduled_query_runs"]
    report_types = [r for r in emulator.requests if r.path == "/v1/reporting/report_types"]
    assert len(report_types) == 1
    assert dict(report_types[0].query) == {}, "Stripe's report types take no paging parameters"
    for request in emulator.requests:
        assert not any(k.startswith("created") for k in request.query), request.path


def test_query_runs_bound_incremental_come_from_their_events_on_day_two(
    account: Account, emulator: Emulator
) -> None:
    stream = "sigma_scheduled_query_runs"
    config = tap_config(emulator.url)
    first = run_tap(config, streams=[stream], incremental=[stream])
    assert first.ids(stream) == listed_ids(account, "scheduled_query_run")
    cursor = first.final_state["bookmarks"][stream]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    new = account.create("scheduled_query_run", status="failed", file=None)["id"]
    emulator.clear_requests()

    state = rewound(first.final_state, HOUR)
    second = run_tap(config, streams=[stream], state=state, incremental=[stream])
    assert second.ids(stream) == [new]
    assert [r.path for r in emulator.requests] == ["/v1/events"], "the list is not read again"


def test_only_query_runs_offer_the_mode_that_reads_events_alone() -> None:
    """Stripe's events tell every change of a query run only: the other streams here, whose
    events miss changes (or which have none), are full refresh alone."""
    offered = [stream_name(t) for t in operations.STREAM_TYPES if t.reads_events_alone()]
    assert offered == ["sigma_scheduled_query_runs"]
