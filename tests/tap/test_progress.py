"""Progress lines while a capture runs, and a summary per stream at the end."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow import progress
from tap_stripe_flow.client import StripeStream
from tests.support.accounts import API_KEY, endpoint_config, tap_config
from tests.support.flow import binding, open_request, stripe
from tests.support.tap import run_tap


def extras(caplog: pytest.LogCaptureFixture, key: str) -> list[Any]:
    return [getattr(r, key) for r in caplog.records if hasattr(r, key)]


def test_progress_every_interval_and_a_summary_per_stream(
    account: Account, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(progress, "REPORT_EVERY_SECONDS", 0.05)
    with Emulator(account, latency_ms=150) as emulator, caplog.at_level(logging.INFO):
        run = run_tap(tap_config(emulator.url), streams=["charges", "invoice_line_items"])
    lines = extras(caplog, "progress")
    assert lines, "no progress line while the capture ran"
    assert {"stream", "records", "requests", "records_per_second", "position"} <= set(lines[0])
    summaries = {s["stream"]: s for s in extras(caplog, "summary") if isinstance(s, dict)}
    assert summaries["charges"]["records"] == len(run.ids("charges"))
    assert summaries["invoice_line_items"]["records"] == len(run.ids("invoice_line_items"))
    assert summaries["charges"]["requests"] == len(
        [r for r in emulator.requests if r.path == "/v1/charges"]
    )


def test_rate_limit_waits_are_logged_as_events(
    account: Account, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(StripeStream, "RETRY_BASE_SECONDS", 0.01)
    with Emulator(account, rate_limit=1, retry_after=0) as emulator, caplog.at_level(logging.INFO):
        run_tap(tap_config(emulator.url), streams=["charges", "customers", "invoices", "refunds"])
        limited = len([r for r in emulator.requests if r.status == 429])
    assert limited
    warnings = [r.getMessage() for r in caplog.records if "rate-limited" in r.getMessage()]
    assert len(warnings) == limited
    summaries = [s for s in extras(caplog, "summary") if isinstance(s, dict)]
    assert sum(s["rate_limited"] for s in summaries) == limited


def test_flow_mode_summaries_are_json_log_lines(emulator: Emulator) -> None:
    result = stripe(open_request(endpoint_config(emulator.url), [binding("charges")], {}))
    summaries = [
        log["fields"]["extra"]["summary"]
        for log in result.logs
        if "summary" in log["fields"].get("extra", {})
    ]
    assert any(isinstance(s, dict) and s["stream"] == "charges" for s in summaries)
    assert API_KEY.encode() not in result.stderr
