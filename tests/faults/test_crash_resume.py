"""SIGKILL at seeded random points, SIGTERM and stdin EOF: nothing committed is ever lost."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path
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
    sigkill_after,
)
from tests.support.accounts import endpoint_config
from tests.support.flow import open_request

pytestmark = pytest.mark.slow

STREAMS = [
    "balance_transactions",
    "charges",
    "customers",
    "events",
    "invoice_line_items",
    "invoices",
    "subscription_items",
]
KILLS = 20


def test_sigkill_at_20_random_points_then_resume_loses_nothing() -> None:
    account = fault_account(objects=1000, seed=3)
    want = expected(account, STREAMS)
    rng = random.Random(20240601)
    state: Any = {}
    runs: list[FlowRun] = []
    horizon = 800  # lines of a whole run; shrinks to what the last finished run wrote
    started = time.monotonic()
    with Emulator(account, latency_ms=40) as emu:
        config = endpoint_config(emu.url)
        while sum(r.killed for r in runs) < KILLS:
            assert len(runs) < 3 * KILLS, "the capture never got far enough to be killed"
            if rng.random() < 0.2:  # during start-up and discovery, before any output
                interrupt = sigkill_after(0, delay=rng.uniform(0.05, 1.2))
            else:
                interrupt = sigkill_after(rng.randrange(1, max(2, horizon)))
            run = run_flow(
                open_request(config, STREAMS, state), streams=STREAMS, interrupt=interrupt
            )
            assert run.killed or run.code == 0, run.stderr.decode()[-2000:]
            state = run.state(state)
            runs.append(run)
            if not run.killed:
                horizon = len(run.messages)
        final = run_flow(open_request(config, STREAMS, state), streams=STREAMS)
        assert final.code == 0
        assert not final.uncommitted, "a finished run leaves no document uncommitted"
        runs.append(final)
        SCAN.emulator(emu)
    committed = [doc for run in runs for doc in run.ids()]
    row = report.record(
        "SIGKILL x20 + resume",
        runs=len(runs),
        expected=want,
        documents=committed,
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0
    assert {s for s, _ in committed} <= set(STREAMS)
    invented = {d for d in committed if d[1] not in set(want[d[0]])}
    assert not invented, f"documents of no emulator object: {sorted(invented)[:5]}"
    # at-least-once, bounded: no object is committed more often than there were runs
    assert row.duplicates <= row.expected * len(runs)
    lingering = sum(r.orphans_lingered for r in runs)
    assert lingering == 0, f"{lingering} tap process(es) outlived a killed connector by 10 s"


def _first_document(run: FlowRun, proc: subprocess.Popen[bytes], sig: int | None) -> bool:
    if not any("captured" in m for m in run.messages):
        return False
    run.seconds = time.monotonic()  # reused as the moment of the stop request
    if sig is None:
        assert proc.stdin is not None
        proc.stdin.close()
    else:
        proc.send_signal(sig)
    return True


@pytest.mark.parametrize("how", ["SIGTERM", "stdin EOF"])
def test_stop_requests_end_the_capture_quickly_and_cleanly(how: str) -> None:
    account = fault_account(objects=1000, seed=3)
    want = expected(account, STREAMS)
    sig = signal.SIGTERM if how == "SIGTERM" else None
    asked: list[float] = []

    def interrupt(run: FlowRun, proc: subprocess.Popen[bytes]) -> bool:
        if _first_document(run, proc, sig):
            asked.append(time.monotonic())
            return True
        return False

    started = time.monotonic()
    with Emulator(account, latency_ms=40) as emu:
        config = endpoint_config(emu.url)
        first = run_flow(open_request(config, STREAMS, {}), streams=STREAMS, interrupt=interrupt)
        stopped_in = time.monotonic() - asked[0]
        assert first.code == 0, first.stderr.decode()[-2000:]
        assert stopped_in < 5, f"{how}: the connector took {stopped_in:.1f} s to stop"
        assert first.logs[-1]["level"] != "error"
        assert any("stopped" in log["msg"] for log in first.logs)
        # the runtime commits nothing after the last checkpoint: the next run must cover it
        again = run_flow(open_request(config, STREAMS, first.state({})), streams=STREAMS)
        assert again.code == 0
        SCAN.emulator(emu)
    committed = first.ids() + again.ids()
    row = report.record(
        f"{how} + resume",
        runs=2,
        expected=want,
        documents=committed,
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0
    print(f"{how}: stopped in {stopped_in:.2f} s, {len(first.uncommitted)} uncommitted docs")


@pytest.mark.parametrize(("lines", "delay"), [(0, 1.0), (3, 0.1), (40, 0.0)])
def test_a_killed_connector_leaves_no_file_holding_the_secret(
    tmp_path: Path, lines: int, delay: float
) -> None:
    """SIGKILL leaves the connector no time to clean up: nothing it wrote may hold the key."""
    account = fault_account(objects=300, seed=5)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    kill = sigkill_after(lines, delay=delay)

    def once_it_wrote(run: Any, proc: subprocess.Popen[bytes]) -> bool:
        # the kill is timed from the connector's first file (its start-up takes longer on a
        # busy machine, and longer the more streams its catalog holds), not from its launch
        deadline = time.monotonic() + 60
        while not any(p.is_file() for p in scratch.rglob("*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        return kill(run, proc)

    with Emulator(account, latency_ms=20) as emu:
        run = run_flow(
            open_request(endpoint_config(emu.url), STREAMS, {}),
            streams=STREAMS,
            interrupt=once_it_wrote,
            env={"TMPDIR": str(scratch)},
        )
    assert run.killed
    left = [path for path in scratch.rglob("*") if path.is_file()]
    assert left, "the connector wrote nothing: the test proves nothing"
    secret = str(endpoint_config(emu.url)["client_secret"]).encode()
    holding = [str(path) for path in left if secret in path.read_bytes()]
    assert holding == []


def test_a_full_refresh_child_binding_killed_mid_way_resumes_not_restarts() -> None:
    """A request per customer: killed after some checkpoints, the next session reads only the
    customers whose children were not all committed (and every child arrives)."""
    account = fault_account(objects=300, seed=5)
    for i in range(300):  # customers with a balance transaction each, one every 3 hours
        customer = account.create("customer", created=1704067200 + i * 3 * 3600)
        account.create("customer_balance_transaction", customer=customer["id"], amount=100 + i)
    streams = ["customer_balance_transactions"]
    want = expected(account, streams)
    with Emulator(account, latency_ms=20) as emu:
        config = endpoint_config(emu.url)
        first = run_flow(
            open_request(config, streams, {}), streams=streams, interrupt=sigkill_after(150)
        )
        assert first.killed
        state = first.state({})
        progress = state["bindingStateV1"]["customer_balance_transactions"]["backfill"]
        assert progress["remaining"], "the killed session checkpointed its progress"
        emu.clear_requests()
        again = run_flow(open_request(config, streams, state), streams=streams)
        assert again.code == 0
        reread = [r for r in emu.requests if r.path.endswith("/balance_transactions")]
    committed = {doc for _, doc in first.ids() + again.ids()}
    assert committed == set(want["customer_balance_transactions"])
    assert len(reread) < account.count("customer"), "resumed, not started over"
