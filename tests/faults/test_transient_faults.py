"""429 storms, 5xx / Stripe-Should-Retry, dropped connections, truncated JSON, slow answers:
the connector retries, waits as told, and captures everything."""

from __future__ import annotations

import time

import pytest

from stripe_emulator import Emulator, RequestRecord
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

STREAMS = ["charges", "customers", "events", "subscription_items"]


def _retry_of(log: list[RequestRecord], i: int) -> RequestRecord | None:
    """The next request for the same path and query (the retry of request ``i``)."""
    first = log[i]
    for later in log:
        if later.time <= first.time:
            continue
        if later.path == first.path and later.query == first.query:
            return later
    return None


def _assert_complete(run_docs: list[tuple[str, str]], want: dict[str, list[str]]) -> None:
    got = set(run_docs)
    for stream, ids in want.items():
        missing = set(ids) - {i for s, i in got if s == stream}
        assert not missing, f"{stream}: {len(missing)} objects never captured"
    invented = {(s, i) for s, i in got if i not in set(want[s])}
    assert not invented, f"documents of no emulator object: {sorted(invented)[:5]}"


def test_429_storm_is_waited_out_as_told() -> None:
    account = fault_account(objects=300, seed=11)
    streams = ["charges", "customers"]
    want = expected(account, streams)
    started = time.monotonic()
    with Emulator(account, rate_limit_fraction=0.5, retry_after=1, seed=4) as emu:
        run = run_flow(open_request(endpoint_config(emu.url), streams, {}), streams=streams)
        log = emu.requests
        SCAN.emulator(emu)
    assert run.code == 0, run.stderr.decode()[-2000:]
    storms = [i for i, r in enumerate(log) if r.status == 429]
    assert len(storms) >= 2, "the storm never hit"
    assert len(storms) / len(log) >= 0.3
    for i in storms:
        retry = _retry_of(log, i)
        assert retry is not None, f"{log[i].path} was never retried"
        assert retry.time - log[i].time >= 0.99, "Retry-After: 1 was not waited out"
    _assert_complete(run.ids(), want)
    row = report.record(
        "429 storm (50 %, Retry-After 1)",
        runs=1,
        expected=want,
        documents=run.ids(),
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0


@pytest.mark.parametrize(
    ("name", "kinds", "rate", "seed"),
    [
        ("500/502/503 + Should-Retry 409", ("500", "502", "503", "should_retry"), 0.25, 0),
        ("dropped mid-body + truncated JSON", ("drop", "truncate"), 0.3, 0),
    ],
)
def test_server_errors_and_broken_bodies_are_retried(
    name: str, kinds: tuple[str, ...], rate: float, seed: int
) -> None:
    account = fault_account(objects=400, seed=11)
    want = expected(account, STREAMS)
    started = time.monotonic()
    with Emulator(account, fault_rate=rate, fault_kinds=kinds, seed=seed) as emu:
        run = run_flow(open_request(endpoint_config(emu.url), STREAMS, {}), streams=STREAMS)
        log = emu.requests
        SCAN.emulator(emu)
    assert run.code == 0, run.stderr.decode()[-2000:]
    injected = {r.fault for r in log if r.fault}
    assert injected <= set(kinds)
    assert len(injected) >= 2, f"faults injected: {injected}"
    for i, r in enumerate(log):
        if r.fault:
            assert _retry_of(log, i) is not None, f"{r.fault} on {r.path} was not retried"
    _assert_complete(run.ids(), want)
    row = report.record(
        name, runs=1, expected=want, documents=run.ids(), seconds=time.monotonic() - started
    )
    assert row.missing == 0


def test_answer_slower_than_the_request_timeout_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process: REQUEST_TIMEOUT_SECONDS is a class constant no setting reaches.
    monkeypatch.setattr(StripeStream, "REQUEST_TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(StripeStream, "RETRY_BASE_SECONDS", 0.01)
    account = fault_account(objects=300, seed=11)
    streams = ["charges", "customers", "invoice_line_items"]
    want = expected(account, streams)
    started = time.monotonic()
    with Emulator(account, fault_rate=0.4, fault_kinds=("slow",), slow_seconds=1.6, seed=2) as emu:
        run = run_tap_in_process(tap_config(emu.url), streams)
    log = sorted(emu.requests, key=lambda r: r.time)  # slow answers are logged when sent
    SCAN.emulator(emu)
    assert run.error is None, run.error
    slow = [i for i, r in enumerate(log) if r.fault == "slow"]
    assert slow, "no answer was slow"
    for i in slow:
        assert _retry_of(log, i) is not None, "a timed-out request was not retried"
    _assert_complete(run.documents(), want)
    row = report.record(
        "answer slower than timeout (in-process)",
        runs=1,
        expected=want,
        documents=run.documents(),
        seconds=time.monotonic() - started,
    )
    assert row.missing == 0
