"""Objects created while a backfill runs, and objects created in the bookmark's own second:
captured by the same or the next run, never skipped."""

from __future__ import annotations

import threading
import time

import pytest

from stripe_emulator import Emulator
from tests.faults import report
from tests.faults.harness import (
    SCAN,
    expected,
    fault_account,
    open_request,
    run_flow,
)
from tests.support.accounts import endpoint_config

pytestmark = pytest.mark.slow

STREAMS = ["charges", "customers", "events"]


def test_objects_created_during_a_backfill_and_at_the_bookmark_are_captured() -> None:
    account = fault_account(objects=600, seed=5)
    stop = threading.Event()
    created: list[tuple[str, str]] = []

    def create_while_running() -> None:
        kinds = [("charge", "charges"), ("customer", "customers")]
        n = 0
        while not stop.wait(0.05):
            object_type, stream = kinds[n % 2]
            created.append((stream, account.create(object_type)["id"]))
            n += 1

    started = time.monotonic()
    with Emulator(account, latency_ms=40) as emu:
        config = endpoint_config(emu.url)
        writer = threading.Thread(target=create_while_running)
        writer.start()
        try:
            first = run_flow(open_request(config, STREAMS, {}), streams=STREAMS)
        finally:
            stop.set()
            writer.join()
        assert first.code == 0
        assert len(created) >= 10, "too few objects were created during the run"
        state = first.state({})
        bookmark = state["bindingStateV1"]["charges"]["replication_key_value"]
        # objects created in the bookmark's own second, after the run that set it
        account.clock = lambda: bookmark
        at_bookmark = [("charges", account.create("charge")["id"]) for _ in range(3)]
        customers_bookmark = state["bindingStateV1"]["customers"]["replication_key_value"]
        at_bookmark.append(
            ("customers", account.create("customer", created=customers_bookmark)["id"])
        )
        second = run_flow(open_request(config, STREAMS, state), streams=STREAMS)
        assert second.code == 0
        SCAN.emulator(emu)
    want = expected(account, STREAMS)
    documents = first.ids() + second.ids()
    got = set(documents)
    assert not [c for c in created if c not in got], "an object created during the run was lost"
    assert not [c for c in at_bookmark if c not in set(second.ids())], "bookmark second skipped"
    row = report.record(
        "objects created during backfill / at bookmark",
        runs=2,
        expected=want,
        documents=documents,
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0
    invented = {(s, i) for s, i in got if i not in set(want[s])}
    assert not invented
