"""A long outage: one clear error, non-zero exit, checkpoints of what was done; the next run
resumes from there."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from stripe_emulator import Emulator
from tap_stripe_flow.client import StripeStream
from tests.faults import report
from tests.faults.harness import (
    SCAN,
    expected,
    fault_account,
    run_flow,
    run_tap_in_process,
)
from tests.support.accounts import endpoint_config, tap_config
from tests.support.flow import open_request

pytestmark = pytest.mark.slow

STREAMS = ["charges", "customers", "invoices", "payouts", "refunds"]


def _gte(emu: Emulator, path: str) -> set[int]:
    return {
        int(r.query["created[gte]"][0])
        for r in emu.requests
        if r.path == path and r.status == 200 and "created[gte]" in r.query
    }


def test_outage_longer_than_the_retry_budget_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe stops answering at all (connections closed) after the first page it serves."""
    monkeypatch.setattr(StripeStream, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(StripeStream, "RETRY_MAX_TRIES", 3)
    account = fault_account(objects=300, seed=11)
    want = expected(account, STREAMS)
    started = time.monotonic()
    emu = Emulator(account)

    def go_down(route: str, query: dict[str, list[str]], page: dict[str, Any]) -> None:
        # Streams are fetched side by side: the first page served is the last one for a while.
        emu.down = True

    emu.page_hook = go_down
    with emu:
        config = tap_config(emu.url)
        first = run_tap_in_process(config, STREAMS)
        assert first.error is not None, "the outage did not stop the run"
        downs = Counter(r.path for r in emu.requests if r.fault == "down")
        assert downs, "no request met the outage"
        assert max(downs.values()) <= 3, "at most RETRY_MAX_TRIES tries per list"
        state = first.final_state  # with streams fetched side by side, any may have finished
        emu.down = False
        emu.page_hook = None
        emu.clear_requests()
        second = run_tap_in_process(config, STREAMS, state=state)
        assert second.error is None, second.error
        for stream, bookmark in state.get("bookmarks", {}).items():
            if "replication_key_value" in bookmark:
                value = bookmark["replication_key_value"]
                assert _gte(emu, f"/v1/{stream}") == {value}, f"{stream} did not resume"
        SCAN.emulator(emu)
    documents = first.documents() + second.documents()
    row = report.record(
        "outage: server dead (in-process)",
        runs=2,
        expected=want,
        documents=documents,
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0


def test_outage_of_one_stream_fails_clearly_and_the_next_run_resumes() -> None:
    """As a process: /v1/payouts answers 503 for ever (Retry-After: 1 keeps the 8 tries short)."""
    account = fault_account(objects=300, seed=11)
    want = expected(account, STREAMS)
    started = time.monotonic()
    with Emulator(account, outage_paths=["/v1/payouts"], outage_retry_after=1) as emu:
        config = endpoint_config(emu.url)
        first = run_flow(open_request(config, STREAMS, {}), streams=STREAMS)
        tries = [r for r in emu.requests if r.fault == "outage"]
        SCAN.emulator(emu)
    assert first.code != 0
    error = first.final_error
    assert "payouts" in error, error
    assert "503" in error, error
    assert len(tries) == StripeStream.RETRY_MAX_TRIES
    state = first.state({})
    done = {s for s, b in state.get("bindingStateV1", {}).items() if "replication_key_value" in b}
    assert done, "nothing was checkpointed before the outage"
    assert "payouts" not in done
    with Emulator(account) as emu:
        second = run_flow(open_request(endpoint_config(emu.url), STREAMS, state), streams=STREAMS)
        assert second.code == 0
        for stream in done:
            bookmark = state["bindingStateV1"][stream]["replication_key_value"]
            path = "/v1/" + stream
            assert _gte(emu, path) == {bookmark}, f"{stream} did not resume from its bookmark"
        SCAN.emulator(emu)
    documents = first.ids() + second.ids()
    row = report.record(
        "outage: one stream 503 for ever",
        runs=2,
        expected=want,
        documents=documents,
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0
