"""The benchmark scenarios, the table and the JSON report.

``python -m bench [--scenario NAME ...] [--quick] [--json out/bench.json]``

Each scenario starts its own emulator (in this process), runs one connector process at a time
and reads the emulator's request log afterwards. Sizes are in :data:`FULL_SIZES`; ``--quick``
divides them by 20 and ``--scale`` by anything.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import data, steady
from bench.procs import ROOT, ProcessRun, child_env, run_measured
from stripe_emulator import Account, Emulator
from stripe_emulator.limits import endpoint_key

PY = sys.executable
FLOW_CONNECTOR = (PY, "-m", "tap_stripe_flow.flow")
TAP = (PY, "-m", "tap_stripe_flow")
STOCK_TAP = (PY, "-m", "bench.stock_tap")
QUICK_SCALE = 1 / 20
#: Flow path goal: records/s and ratio to the stock singer-sdk tap.
GOAL_RECORDS_PER_S = 20_000
GOAL_RATIO = 6.0
#: Peak RSS growth (large / small run) above which memory is reported as growing (the goal:
#: flat within 10 %), and the peak RSS goal.
GROWING = 1.10
PEAK_RSS_GOAL_MB = 150
#: I/O goal: share of the limit-bound optimum (``Result.limit_bound_seconds``), most 429s.
GOAL_OF_OPTIMUM = 0.90
GOAL_RATE_LIMITED = 0.01

FULL_SIZES: dict[str, int] = {
    "cpu_charges": 100_000,
    "io_objects": 20_000,
    "io_charges": 200_000,
    "memory_small": 10_000,
    "memory_middle": 100_000,
    "memory_large": 1_000_000,
}
SCENARIOS = (
    "cpu-flow",
    "cpu-tap",
    "stock-sdk",
    "io-all-streams",
    "io-every-stream",
    "io-large-stream",
    "memory",
    "steady-state",  # bench/steady.py: its own table of requests per run
)
LEAST = 50  # smallest size any scaled figure is shrunk to


@dataclass(frozen=True)
class Settings:
    """Sizes and emulator behaviour for one benchmark run."""

    scale: float = 1.0
    io_latency_ms: float = 150.0
    io_rate_limit: float = 100.0
    #: Stripe's per-endpoint limit, enforced by the emulator and given to the connector in the
    #: I/O scenarios (None: neither has one).
    io_endpoint_rate_limit: float | None = 25.0
    timeout: float = 1800.0

    def size(self, name: str) -> int:
        return max(LEAST, round(FULL_SIZES[name] * self.scale))


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


# -- accounts ---------------------------------------------------------------------------------

_accounts: dict[tuple[str, int], tuple[Account, float]] = {}


def account(kind: str, size: int) -> tuple[Account, float]:
    """A cached account (``charges``, ``charges-rendered-per-page``: the same, held without
    rendered JSON, or ``realistic``) and the seconds it took to build."""
    key = (kind, size)
    if key not in _accounts:
        started = time.monotonic()
        gc.disable()  # building ~10^5 dicts: the cyclic GC would make it quadratic-ish
        try:
            if kind == "realistic":
                made = data.realistic_account(size)
            else:
                made = data.charges_account(size, prerender=kind == "charges")
        finally:
            gc.enable()
        gc.freeze()  # the stored objects live for the whole run: keep the GC off them
        _accounts[key] = (made, time.monotonic() - started)
    return _accounts[key]


def forget_accounts() -> None:
    """Drop cached accounts (their memory is large)."""
    _accounts.clear()
    gc.unfreeze()
    gc.collect()


# -- driving the processes --------------------------------------------------------------------


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _is_captured(line: bytes) -> bool:
    return line.startswith(b'{"captured"')


def _is_singer_record(line: bytes) -> bool:
    return b'"RECORD"' in line[:40]


def flow_bindings(url: str, streams: Sequence[str] | None) -> list[dict[str, Any]]:
    """The connector's discovered bindings (all, or those of ``streams``), as open bindings."""
    request = json.dumps({"discover": {"config": data.flow_config(url)}}) + "\n"
    result = subprocess.run(
        FLOW_CONNECTOR,
        input=request.encode(),
        capture_output=True,
        check=False,
        cwd=ROOT,
        env=child_env(),
        timeout=300,
    )
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"discover failed: {tail}")
    discovered = json.loads(result.stdout.splitlines()[0])["discovered"]["bindings"]
    return [
        {
            "resourceConfig": b["resourceConfig"],
            "resourcePath": [b["recommendedName"]],
            "collection": {
                "name": f"bench/{b['recommendedName']}",
                "key": b["key"],
                "writeSchema": b["documentSchema"],
            },
            "stateKey": b["recommendedName"],
        }
        for b in discovered
        if streams is None or b["recommendedName"] in streams
    ]


def open_request(
    url: str,
    bindings: list[dict[str, Any]],
    max_rps: float,
    max_rps_per_endpoint: float = data.UNTHROTTLED_REQUESTS_PER_SECOND,
) -> bytes:
    request = {
        "open": {
            "capture": {
                "name": "bench/stripe",
                "config": data.flow_config(url, max_rps, max_rps_per_endpoint),
                "intervalSeconds": 300,
                "bindings": bindings,
            },
            "version": "bench",
            "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
            "state": {},
        }
    }
    return json.dumps(request).encode() + b"\n"


def run_flow(
    emu: Emulator,
    streams: Sequence[str] | None,
    settings: Settings,
    max_rps: float = data.UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = data.UNTHROTTLED_REQUESTS_PER_SECOND,
) -> ProcessRun:
    """One ``open`` of the Flow connector over ``streams`` (None: every binding), with the
    connector's request budgets set to ``max_rps`` and ``max_rps_per_endpoint`` (the emulator's
    limits in the I/O scenarios)."""
    bindings = flow_bindings(emu.url, streams)
    emu.clear_requests()
    return run_measured(
        FLOW_CONNECTOR,
        is_record=_is_captured,
        stdin_data=open_request(emu.url, bindings, max_rps, max_rps_per_endpoint),
        timeout=settings.timeout,
    )


def tap_files(url: str, workdir: Path) -> tuple[Path, Path]:
    """A tap config and a catalog selecting only ``charges`` (as the adapter writes them)."""
    from flow_adapter.mapping import select_streams  # noqa: PLC0415 - only this scenario

    config = workdir / "config.json"
    config.write_text(json.dumps(data.tap_config(url)))
    discovered = subprocess.run(
        [*TAP, "--config", str(config), "--discover"],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=child_env(),
        timeout=300,
    ).stdout
    catalog = workdir / "catalog.json"
    catalog.write_text(
        json.dumps(select_streams(json.loads(discovered), {"charges": "incremental"}))
    )
    return config, catalog


def run_tap(emu: Emulator, settings: Settings) -> ProcessRun:
    """The product's Singer tap alone, ``charges`` only, stdout drained by us."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        config, catalog = tap_files(emu.url, Path(tmp))
        emu.clear_requests()
        return run_measured(
            [*TAP, "--config", str(config), "--catalog", str(catalog)],
            is_record=_is_singer_record,
            timeout=settings.timeout,
        )


def run_stock(emu: Emulator, settings: Settings) -> ProcessRun:
    """The stock singer-sdk tap (``bench.stock_tap``)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(data.tap_config(emu.url)))
        emu.clear_requests()
        return run_measured(
            [*STOCK_TAP, "--config", str(config)],
            is_record=_is_singer_record,
            timeout=settings.timeout,
        )


@contextmanager
def serving(
    acct: Account,
    latency_ms: float = 0,
    rate_limit: float | None = None,
    endpoint_rate_limit: float | None = None,
) -> Iterator[Emulator]:
    with Emulator(
        acct, latency_ms=latency_ms, rate_limit=rate_limit, endpoint_rate_limit=endpoint_rate_limit
    ) as emu:
        yield emu


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


# -- scenarios --------------------------------------------------------------------------------


def _built(result: Result, seconds: float) -> Result:
    result.notes.append(f"account built in {seconds:.1f} s")
    return result


def cpu_flow(settings: Settings) -> list[Result]:
    n = settings.size("cpu_charges")
    acct, built = account("charges", n)
    with serving(acct) as emu:
        row = measure(
            "cpu-flow",
            f"{n} charges",
            emu,
            lambda: run_flow(emu, ["charges"], settings),
            flow=True,
        )
    return [_built(row, built)]


def cpu_tap(settings: Settings) -> list[Result]:
    n = settings.size("cpu_charges")
    acct, _ = account("charges", n)
    with serving(acct) as emu:
        return [measure("cpu-tap", f"{n} charges", emu, lambda: run_tap(emu, settings), flow=False)]


def stock_sdk(settings: Settings) -> list[Result]:
    n = settings.size("cpu_charges")
    acct, _ = account("charges", n)
    with serving(acct) as emu:
        return [
            measure("stock-sdk", f"{n} charges", emu, lambda: run_stock(emu, settings), flow=False)
        ]


def _io_run(
    settings: Settings, scenario: str, kind: str, size: str, streams: list[str] | None
) -> list[Result]:
    """One Flow capture of ``streams`` (None: all) against an emulator with the I/O latency and
    rate limits (global and per endpoint), as a row with its share of the rate-limit ceiling
    and of the limit-bound optimum."""
    n = settings.size(size)
    acct, built = account(kind, n)
    label = f"{n} objects, all streams" if streams is None else f"{n} {', '.join(streams)}"
    if streams is not None and len(streams) > 3:
        label = f"{n} objects, {len(streams)} streams"
    per_endpoint = settings.io_endpoint_rate_limit
    with serving(acct, settings.io_latency_ms, settings.io_rate_limit, per_endpoint) as emu:
        row = measure(
            scenario,
            label,
            emu,
            lambda: run_flow(
                emu,
                streams,
                settings,
                settings.io_rate_limit,
                per_endpoint or data.UNTHROTTLED_REQUESTS_PER_SECOND,
            ),
            flow=True,
        )
        times_by_endpoint: dict[str, list[float]] = {}
        for r in emu.requests:
            times_by_endpoint.setdefault(endpoint_key(r.path), []).append(r.time)
    limit = settings.io_rate_limit
    row.percent_of_ceiling = 100 * row.requests_per_s / limit
    if row.sustained_requests_per_s is not None:
        row.sustained_percent_of_ceiling = 100 * row.sustained_requests_per_s / limit
    _limit_bound(row, times_by_endpoint, limit, per_endpoint)
    return [_built(row, built)]


def _limit_bound(
    row: Result,
    times_by_endpoint: dict[str, list[float]],
    limit: float,
    per_endpoint: float | None,
) -> None:
    """Fill in the limit-bound optimum of the requests the emulator served (``Result``)."""
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


def io_all_streams(settings: Settings) -> list[Result]:
    from tap_stripe_flow.streams import SEED_STREAM_NAMES  # noqa: PLC0415 - the product's

    # the seed's 22: the workload every earlier figure of this row measured
    return _io_run(settings, "io-all-streams", "realistic", "io_objects", list(SEED_STREAM_NAMES))


def io_every_stream(settings: Settings) -> list[Result]:
    from tap_stripe_flow.streams import STREAMS  # noqa: PLC0415 - the product's

    # every stream the connector has, on the same account as io-all-streams
    return _io_run(settings, "io-every-stream", "realistic", "io_objects", sorted(STREAMS))


def io_large_stream(settings: Settings) -> list[Result]:
    return _io_run(settings, "io-large-stream", "charges", "io_charges", ["charges"])


def memory(settings: Settings) -> list[Result]:
    """The same stream at three sizes: peak RSS of the tap and of the adapter, compared from
    the smallest and from the middle size to the largest (the middle one shows whether a growth
    is a plateau reached or a trend)."""
    rows: list[Result] = []
    for name in ("memory_small", "memory_middle", "memory_large"):
        n = settings.size(name)
        acct, _ = account("charges-rendered-per-page", n)  # a million charges fit in memory
        forget_accounts()  # one account in memory at a time
        with serving(acct) as emu:
            rows.append(
                measure(
                    "memory",
                    f"{n} charges",
                    emu,
                    lambda: run_flow(emu, ["charges"], settings),
                    flow=True,
                )
            )
    small, middle, large = rows
    for label, a, m, b in (
        ("tap", small.tap_rss_mb, middle.tap_rss_mb, large.tap_rss_mb),
        (
            "adapter",
            small.adapter_rss_mb or 0.0,
            middle.adapter_rss_mb or 0.0,
            large.adapter_rss_mb or 0.0,
        ),
    ):
        growth = b / a if a else float("nan")
        verdict = "growing" if growth > GROWING else "flat"
        peak = "within" if b <= PEAK_RSS_GOAL_MB else "OVER"
        large.notes.append(
            f"{label} RSS {a:.0f} -> {m:.0f} -> {b:.0f} MB: {verdict} (x{growth:.2f} from the "
            f"smallest, x{b / m if m else float('nan'):.2f} from the middle), "
            f"{peak} the {PEAK_RSS_GOAL_MB} MB goal"
        )
    return rows


RUNNERS: dict[str, Callable[[Settings], list[Result]]] = {
    "cpu-flow": cpu_flow,
    "cpu-tap": cpu_tap,
    "stock-sdk": stock_sdk,
    "io-all-streams": io_all_streams,
    "io-every-stream": io_every_stream,
    "io-large-stream": io_large_stream,
    "memory": memory,
}


def run_scenarios(names: Sequence[str], settings: Settings) -> list[Result]:
    """Run ``names`` in order and fill in the ratios to the stock tap."""
    results: list[Result] = []
    try:
        for name in names:
            results += RUNNERS[name](settings)
    finally:
        forget_accounts()
    stock = next((r for r in results if r.scenario == "stock-sdk"), None)
    if stock is not None and stock.records_per_s > 0:
        for r in results:
            if r.scenario in ("cpu-flow", "cpu-tap", "stock-sdk"):
                r.ratio_to_stock = r.records_per_s / stock.records_per_s
    return results


# -- report -----------------------------------------------------------------------------------

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
            verdict = (
                "OK"
                if (r.percent_of_optimum or 0) >= 100 * GOAL_OF_OPTIMUM
                and (r.rate_limited_fraction or 0) <= GOAL_RATE_LIMITED
                else "BELOW GOAL"
            )
            extra.append(
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every connector run succeeded without a failed request."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable")
    parser.add_argument("--quick", action="store_true", help="sizes / 20")
    parser.add_argument("--scale", type=float, default=None, help="multiply every size")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--io-latency-ms", type=float, default=150.0)
    parser.add_argument("--io-rate-limit", type=float, default=100.0)
    parser.add_argument(
        "--io-endpoint-rate-limit",
        type=float,
        default=25.0,
        help="requests per second per endpoint in the I/O scenarios (Stripe: 25); 0: no such limit",
    )
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    settings = replace(
        Settings(),
        scale=scale,
        io_latency_ms=args.io_latency_ms,
        io_rate_limit=args.io_rate_limit,
        io_endpoint_rate_limit=args.io_endpoint_rate_limit or None,
    )
    names = args.scenario or SCENARIOS
    results = run_scenarios([n for n in names if n != "steady-state"], settings)
    if results:
        print(table(results))
    if "steady-state" in names:
        print("\n".join(steady.steady_state(scale, settings.io_latency_ms)))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report(results, settings), indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0 if all(r.ok for r in results) else 1
