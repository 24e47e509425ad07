"""Objects created while a backfill runs, and objects created in the bookmark's own second:
captured by the same or the next run, never skipped. A capture session that stays open
(``advanced.interval``) captures the changes made while it runs, and ends cleanly on EOF, or
with one clear error when a later pass fails."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

import pytest

from stripe_emulator import Emulator
from stripe_emulator.resources import RESOURCES
from tap_stripe_flow.changes import EVENTS_SETTLE_SECONDS
from tests.faults import report
from tests.faults.harness import (
    REVOKED_KEY,
    SCAN,
    FlowRun,
    expected,
    fault_account,
    run_flow,
)
from tests.support.accounts import continuous_config, endpoint_config
from tests.support.flow import open_request

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


CONTINUOUS_STREAMS = ["customers", "coupons"]
#: How long a test waits for a change to arrive before it stops the session (and fails).
CHANGE_PATIENCE_SECONDS = 30


def when_backfilled(
    want: dict[str, list[str]], then: Callable[[FlowRun, subprocess.Popen[bytes]], bool]
) -> Callable[[FlowRun, subprocess.Popen[bytes]], bool]:
    """An interrupt: once every object of ``want`` is committed, ``then`` decides."""
    done = {"backfilled": False}

    def interrupt(run: FlowRun, proc: subprocess.Popen[bytes]) -> bool:
        if not done["backfilled"]:
            got = set(run.ids())
            done["backfilled"] = all((s, i) in got for s, ids in want.items() for i in ids)
            if not done["backfilled"]:
                return False
        return then(run, proc)

    return interrupt


def test_a_continuous_session_captures_changes_made_while_it_runs_then_ends_on_eof() -> None:
    account = fault_account(objects=300, seed=13)
    want = expected(account, CONTINUOUS_STREAMS)
    renamed = account.objects("customer")[-1]["id"]  # the oldest: no lookback window reaches it
    deleted = account.objects("coupon")[0]["id"]
    changed_at: list[float] = []

    def change_then_stop(run: FlowRun, proc: subprocess.Popen[bytes]) -> bool:
        if not changed_at:
            # Stripe lists an event once it has settled; the tap reads events up to a minute
            # before each pass: the account's clock is set a minute back, so the changes'
            # events have settled as soon as they are made.
            account.clock = lambda: int(time.time()) - EVENTS_SETTLE_SECONDS
            account.update("customer", renamed, name="Renamed while open")
            account.delete("coupon", deleted)
            changed_at.append(time.monotonic())
            return False
        docs = {(stream, doc["id"]): doc for stream, doc in run.committed}
        update = docs.get(("customers", renamed), {})
        deletion = docs.get(("coupons", deleted), {}).get("_meta", {})
        arrived = update.get("name") == "Renamed while open" and deletion.get("op") == "d"
        if arrived or time.monotonic() - changed_at[0] > CHANGE_PATIENCE_SECONDS:
            assert proc.stdin is not None
            proc.stdin.close()  # the runtime stops the session
        return False

    with Emulator(account) as emu:
        config = continuous_config(emu.url, interval=1)
        run = run_flow(
            open_request(config, CONTINUOUS_STREAMS, {}),
            streams=CONTINUOUS_STREAMS,
            interrupt=when_backfilled(want, change_then_stop),
            timeout=60,
        )
        SCAN.emulator(emu)
    assert run.code == 0, run.stderr.decode()[-3000:]
    assert changed_at, "the backfill never completed"
    committed = [doc for stream, doc in run.committed if stream == "customers"]
    renamed_docs = [d for d in committed if d["id"] == renamed]
    assert renamed_docs[-1]["name"] == "Renamed while open"
    assert renamed_docs[-1]["_meta"]["op"] == "u"
    deletions = [d for s, d in run.committed if s == "coupons" and d["id"] == deleted]
    assert deletions[-1]["_meta"]["op"] == "d"
    assert deletions[-1]["_sdc_deleted_at"] is not None
    last = run.logs[-1]
    assert (last["msg"], last["fields"]["reason"]) == ("capture stopped", "stdin closed")
    assert last["fields"]["passes"] >= 2
    got = set(run.ids())
    assert all((s, i) in got for s, ids in want.items() for i in ids)


def test_a_later_pass_that_fails_ends_the_session_with_one_clear_error() -> None:
    account = fault_account(objects=300, seed=13)
    want = expected(account, CONTINUOUS_STREAMS)
    every_list = sorted(r.path for r in RESOURCES.values() if r.top_level)
    with Emulator(account, restricted_keys={REVOKED_KEY: every_list}) as emu:

        def revoke(run: FlowRun, proc: subprocess.Popen[bytes]) -> bool:
            emu.api.restricted.pop(REVOKED_KEY, None)  # the key is rolled in the dashboard
            return False

        config = continuous_config(emu.url, interval=1, client_secret=REVOKED_KEY)
        run = run_flow(
            open_request(config, CONTINUOUS_STREAMS, {}),
            streams=CONTINUOUS_STREAMS,
            interrupt=when_backfilled(want, revoke),
            timeout=60,
        )
        SCAN.emulator(emu)
    assert run.code == 1
    assert "client_secret" in run.final_error
    got = set(run.ids())
    assert all((s, i) in got for s, ids in want.items() for i in ids), "the backfill is committed"
    assert [log["fields"]["number"] for log in run.logs if log["msg"] == "pass finished"] == [1]
