"""One row of the report: a connector run's process figures and the emulator's log, measured.

:func:`measure` runs a body (one connector process) and reads what the emulator served;
:func:`limit_figures` adds, for a run against the emulator's limits, its share of the rate-limit
ceiling and of the limit-bound optimum.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.procs import ProcessRun
from stripe_emulator import Emulator, RequestRecord
from stripe_emulator.limits import endpoint_key


@dataclass
class Result:
    """One row of the report."""

    scenario: str
    size: str
    records: int
    seconds: float
    records_per_s: float
    #: Requests the emulator answered (its log), and per second of wall time.
    requests: int
    requests_per_s: float
    rate_limited: int
    #: Requests answered with an error other than 429, plus injected faults.
    failed: int
    #: user+sys of the connector processes (the adapter with its taps, or the tap).
    cpu_seconds: float
    #: Peak RSS of the tap process; of the adapter process (Flow path only).
    tap_rss_mb: float
    adapter_rss_mb: float | None
    exit_code: int
    #: singer-sdk's own http_request_count metrics, as logged by the connector.
    logged_requests: int
    #: CPU of this process during the run: the emulator's server threads and the harness.
    emulator_cpu_seconds: float
    first_record_seconds: float | None
    #: Requests per second from the first request's arrival to the last one's (the backfill
    #: itself, without the processes' start and exit).
    sustained_requests_per_s: float | None = None
    ratio_to_stock: float | None = None
    #: ``requests_per_s`` over the emulator's limit, in percent (I/O scenarios); and the same
    #: for ``sustained_requests_per_s``.
    percent_of_ceiling: float | None = None
    sustained_percent_of_ceiling: float | None = None
    #: I/O scenarios: the shortest time the emulator's limits allow for the requests it served,
    #: max(requests / global limit, busiest endpoint's requests / endpoint limit); the busiest
    #: endpoint and its requests; the optimum over the run's seconds, in percent, from process
    #: start to exit and from the first request to the last (whose optimum counts the intervals
    #: between requests: one request fewer); and the share of requests answered 429.
    limit_bound_seconds: float | None = None
    busiest_endpoint: str | None = None
    busiest_endpoint_requests: int | None = None
    percent_of_optimum: float | None = None
    sustained_percent_of_optimum: float | None = None
    rate_limited_fraction: float | None = None
    #: Seconds from the process's start to the first request, and from the last request to the
    #: process's exit (what the whole run has beyond the backfill).
    start_to_first_request_s: float | None = None
    last_request_to_exit_s: float | None = None
    notes: list[str] = field(default_factory=list)
    log_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.failed == 0


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    scenario: str,
    size: str,
    emu: Emulator,
    body: Callable[[], ProcessRun],
    *,
    flow: bool,
) -> Result:
    """Run ``body`` and turn its process figures and the emulator's log into a row."""
    cpu_before = _cpu_self()
    run = body()
    bench_cpu = _cpu_self() - cpu_before
    log = emu.requests
    rate_limited = sum(1 for r in log if r.status == 429)
    failed = sum(1 for r in log if (r.status >= 400 and r.status != 429) or r.fault)
    seconds = max(run.seconds, 1e-9)
    arrivals = sorted(r.time for r in log)
    sustained = (
        (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
        if len(arrivals) > 1 and arrivals[-1] > arrivals[0]
        else None
    )
    if flow:
        tap_rss, adapter_rss = run.child_peak_mb, run.self_peak_mb
    else:
        tap_rss, adapter_rss = run.self_peak_mb, None
    result = Result(
        scenario=scenario,
        size=size,
        records=run.records,
        seconds=run.seconds,
        records_per_s=run.records / seconds,
        requests=len(log),
        requests_per_s=len(log) / seconds,
        rate_limited=rate_limited,
        failed=failed,
        cpu_seconds=run.cpu_seconds,
        tap_rss_mb=tap_rss,
        adapter_rss_mb=adapter_rss,
        exit_code=run.code,
        logged_requests=run.logged_requests,
        emulator_cpu_seconds=bench_cpu,
        first_record_seconds=run.first_record_seconds,
        sustained_requests_per_s=sustained,
    )
    if arrivals and run.started:
        result.start_to_first_request_s = arrivals[0] - run.started
        result.last_request_to_exit_s = run.started + run.seconds - arrivals[-1]
    if run.code != 0:
        result.log_tail = run.log_tail
        result.notes.append(f"exit code {run.code}")
    if failed:
        result.notes.append(f"{failed} failed requests")
    if run.logged_requests != len(log):
        result.notes.append(
            f"MISMATCH: the connector logged {run.logged_requests} requests, "
            f"the emulator saw {len(log)}"
        )
    return result


def limit_figures(
    row: Result, log: Sequence[RequestRecord], limit: float, per_endpoint: float | None
) -> None:
    """Fill in the row's share of the rate-limit ceiling (``limit`` requests/s) and the
    limit-bound optimum of the requests in ``log`` (``Result``), ``per_endpoint`` being the
    emulator's limit per endpoint (None: it had none)."""
    row.percent_of_ceiling = 100 * row.requests_per_s / limit
    if row.sustained_requests_per_s is not None:
        row.sustained_percent_of_ceiling = 100 * row.sustained_requests_per_s / limit
    times_by_endpoint: dict[str, list[float]] = {}
    for r in log:
        times_by_endpoint.setdefault(endpoint_key(r.path), []).append(r.time)
    if not times_by_endpoint:
        return
    busiest, times = max(times_by_endpoint.items(), key=lambda item: len(item[1]))
    total = sum(len(t) for t in times_by_endpoint.values())
    row.busiest_endpoint, row.busiest_endpoint_requests = busiest, len(times)
    row.rate_limited_fraction = row.rate_limited / total

    def optimum(requests: int, busiest_requests: int) -> float:
        bound = requests / limit
        return max(bound, busiest_requests / per_endpoint) if per_endpoint else bound

    row.limit_bound_seconds = optimum(total, len(times))
    row.percent_of_optimum = 100 * row.limit_bound_seconds / max(row.seconds, 1e-9)
    arrivals = sorted(t for ts in times_by_endpoint.values() for t in ts)
    span = arrivals[-1] - arrivals[0]
    if span > 0:
        row.sustained_percent_of_optimum = 100 * optimum(total - 1, len(times) - 1) / span
