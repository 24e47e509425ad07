"""Shapes Stripe might send: new fields, a field of a new type, an empty page that says
has_more, ids out of order, an object repeated across pages."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from stripe_emulator import Emulator
from tests.faults import report
from tests.faults.harness import (
    SCAN,
    FlowRun,
    expected,
    fault_account,
    run_flow,
)
from tests.support.accounts import endpoint_config
from tests.support.flow import open_request

pytestmark = pytest.mark.slow

STREAMS = ["charges", "customers", "events"]
Hook = Callable[[str, dict[str, list[str]], dict[str, Any]], "dict[str, Any] | None"]


def new_fields(route: str, query: dict[str, list[str]], page: dict[str, Any]) -> dict[str, Any]:
    for obj in page["data"]:
        obj["x_added_in_2031"] = {"nested": [1, "two", None], "flag": True}
    return page


def new_types(route: str, query: dict[str, list[str]], page: dict[str, Any]) -> dict[str, Any]:
    for obj in page["data"]:
        if "amount" in obj:
            obj["amount"] = {"value": obj["amount"], "precision": 2}  # int -> object
        obj["metadata"] = ["now", "a", "list"]  # object -> array
        obj["livemode"] = "false"  # boolean -> string
    return page


def shuffled(seed: int) -> Hook:
    rng = random.Random(seed)

    def hook(route: str, query: dict[str, list[str]], page: dict[str, Any]) -> dict[str, Any]:
        rng.shuffle(page["data"])
        return page

    return hook


def repeated() -> Hook:
    """Each page after the first starts again with the previous page's last object."""
    last: dict[str, Any] = {}

    def hook(route: str, query: dict[str, list[str]], page: dict[str, Any]) -> dict[str, Any]:
        if "starting_after" in query and route in last:
            page["data"].insert(0, last[route])
        if page["data"]:
            last[route] = page["data"][-1]
        return page

    return hook


def empty_second_page() -> Hook:
    """The first page after a cursor comes back empty yet says has_more (once per list)."""
    done: set[str] = set()

    def hook(
        route: str, query: dict[str, list[str]], page: dict[str, Any]
    ) -> dict[str, Any] | None:
        if "starting_after" in query and route not in done:
            done.add(route)
            return {**page, "data": [], "has_more": True}
        return None

    return hook


def _capture(name: str, hook: Hook) -> tuple[FlowRun, dict[str, list[str]]]:
    account = fault_account(objects=600, seed=5)
    want = expected(account, STREAMS)
    started = time.monotonic()
    with Emulator(account, page_hook=hook) as emu:
        run = run_flow(open_request(endpoint_config(emu.url), STREAMS, {}), streams=STREAMS)
        assert any(r.fault == "hooked" for r in emu.requests), "the hook changed nothing"
        SCAN.emulator(emu)
    assert run.code == 0, run.stderr.decode()[-2000:]
    row = report.record(
        name, runs=1, expected=want, documents=run.ids(), seconds=time.monotonic() - started
    )
    invented = {(s, i) for s, i in run.ids() if i not in set(want[s])}
    assert not invented
    assert row.missing == 0, f"{row.missing} objects never captured"
    return run, want


def test_unknown_new_fields_are_kept_in_documents() -> None:
    run, _ = _capture("unknown new fields", new_fields)
    for _, doc in run.committed:
        assert doc["x_added_in_2031"] == {"nested": [1, "two", None], "flag": True}


def test_fields_of_a_new_type_are_kept_as_sent() -> None:
    run, _ = _capture("fields of a new type", new_types)
    for stream, doc in run.committed:
        assert doc["metadata"] == ["now", "a", "list"]
        if stream == "charges":
            assert isinstance(doc["amount"], dict)


def test_ids_out_of_order_within_pages() -> None:
    _capture("ids out of order", shuffled(seed=8))


def test_object_repeated_across_pages_is_harmless() -> None:
    run, _ = _capture("object repeated across pages", repeated())
    ids = run.ids()
    assert len(ids) > len(set(ids)), "the repeated objects were captured again (at-least-once)"


def test_empty_page_that_says_has_more_loses_nothing() -> None:
    _capture("empty page with has_more (retried)", empty_second_page())
