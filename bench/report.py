"""The report: the rows as a printed table with one line of checks per row, and as JSON.

The goals the table checks the rows against are here too (the memory scenario's, in its notes:
``bench/scenarios.py``).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench.measure import Result
from bench.settings import FULL_SIZES, Settings

#: Flow path goal: records/s and ratio to the stock singer-sdk tap.
GOAL_RECORDS_PER_S = 20_000
GOAL_RATIO = 6.0
#: I/O goal: share of the limit-bound optimum (``Result.limit_bound_seconds``), most 429s.
GOAL_OF_OPTIMUM = 0.90
GOAL_RATE_LIMITED = 0.01

COLUMNS = (
    ("scenario", 16, "{}"),
    ("size", 24, "{}"),
    ("records", 8, "{}"),
    ("s", 7, "{:.2f}"),
    ("rec/s", 8, "{:.0f}"),
    ("reqs", 6, "{}"),
    ("req/s", 7, "{:.1f}"),
    ("429", 5, "{}"),
    ("fail", 5, "{}"),
    ("cpu s", 7, "{:.2f}"),
    ("tap MB", 7, "{:.0f}"),
    ("adp MB", 7, "{:.0f}"),
    ("x stock", 8, "{:.2f}"),
)


def _cells(r: Result) -> list[Any]:
    return [
        r.scenario,
        r.size,
        r.records,
        r.seconds,
        r.records_per_s,
        r.requests,
        r.requests_per_s,
        r.rate_limited,
        r.failed,
        r.cpu_seconds,
        r.tap_rss_mb,
        r.adapter_rss_mb,
        r.ratio_to_stock,
    ]


def _limit_bound_check(r: Result) -> str:
    """The row's limit-bound optimum against the I/O goal, in words."""
    verdict = (
        "OK"
        if (r.percent_of_optimum or 0) >= 100 * GOAL_OF_OPTIMUM
        and (r.rate_limited_fraction or 0) <= GOAL_RATE_LIMITED
        else "BELOW GOAL"
    )
    return (
        f"limit-bound optimum {r.limit_bound_seconds:.1f} s (busiest endpoint "
        f"{r.busiest_endpoint}: {r.busiest_endpoint_requests} requests), the run at "
        f"{r.percent_of_optimum or 0:.1f}% of it from process start to exit, "
        f"{r.sustained_percent_of_optimum or 0:.1f}% from first to last request (the "
        f"process took {r.start_to_first_request_s or 0:.2f} s to its first request and "
        f"{r.last_request_to_exit_s or 0:.2f} s from its last to its exit); "
        f"429s {100 * (r.rate_limited_fraction or 0):.2f}% of requests; goal >= "
        f"{100 * GOAL_OF_OPTIMUM:.0f}% with <= {100 * GOAL_RATE_LIMITED:.0f}% 429s: "
        f"{verdict}"
    )


def table(results: Sequence[Result]) -> str:
    """The report as a fixed-width text table plus one line of checks and notes per row."""
    head = "".join(
        f"{name:<{width}}" if i < 2 else f"{name:>{width}}"
        for i, (name, width, _) in enumerate(COLUMNS)
    )
    lines = [head, "-" * len(head)]
    for r in results:
        row = ""
        for i, ((_, width, fmt), value) in enumerate(zip(COLUMNS, _cells(r), strict=True)):
            text = "-" if value is None else fmt.format(value)
            row += f"{text:<{width}}" if i < 2 else f"{text:>{width}}"
        lines.append(row)
    lines.append("")
    for r in results:
        check = "OK" if r.ok else "FAILED"
        extra = [
            f"emulator logged {r.requests} requests, connector logged {r.logged_requests}",
            f"first record after {r.first_record_seconds or 0:.2f} s",
            f"emulator+harness CPU {r.emulator_cpu_seconds:.1f} s",
        ]
        if r.percent_of_ceiling is not None:
            extra.append(
                f"{r.percent_of_ceiling:.1f}% of the rate-limit ceiling from process start to "
                f"exit, {r.sustained_percent_of_ceiling or 0:.1f}% from first to last request"
            )
        if r.limit_bound_seconds is not None:
            extra.append(_limit_bound_check(r))
        lines.append(f"{r.scenario} [{r.size}] {check}: " + "; ".join(extra + r.notes))
        lines += [f"    {line}" for line in r.log_tail[-5:]]
    flow = next((r for r in results if r.scenario == "cpu-flow"), None)
    if flow is not None:
        ratio = "-" if flow.ratio_to_stock is None else f"{flow.ratio_to_stock:.2f}x"
        lines.append(
            f"goal: Flow path >= {GOAL_RECORDS_PER_S} records/s (now {flow.records_per_s:.0f}) "
            f"and >= {GOAL_RATIO:.0f}x stock singer-sdk (now {ratio})"
        )
    return "\n".join(lines)


def report(results: Sequence[Result], settings: Settings) -> dict[str, Any]:
    """The JSON document: the machine, the settings and one object per row."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "settings": asdict(settings),
        "sizes": {name: settings.size(name) for name in FULL_SIZES},
        "results": [{**asdict(r), "ok": r.ok} for r in results],
    }
