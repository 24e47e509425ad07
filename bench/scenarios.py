"""The benchmark scenarios, declared in :data:`SCENARIOS`, and running them into rows.

Each scenario times backfills: for each of its sizes it starts an emulator (in this process)
serving its account, runs one connector process and reads the emulator's request log
afterwards (``bench/measure.py``). A new scenario is one more :class:`Scenario` in the table
(with, for a new kind of account, a builder in ``bench.data.ACCOUNT_KINDS``). ``steady-state``
(``bench/steady.py``) is not one of them: it times later runs, in a table of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bench import data
from bench.connector import run_flow, run_stock, run_tap
from bench.measure import Result, limit_figures, measure
from bench.procs import ProcessRun
from bench.settings import Settings
from stripe_emulator import Account, Emulator
from tap_stripe_flow.streams import SEED_STREAM_NAMES, STREAMS

#: Peak RSS growth (large / small run) above which memory is reported as growing (the goal:
#: flat within 10 %), and the peak RSS goal.
GROWING = 1.10
PEAK_RSS_GOAL_MB = 150


@dataclass(frozen=True)
class Scenario:
    """One scenario: what runs, over which streams, against which account and emulator."""

    name: str
    #: The Flow connector, the product's Singer tap alone, or the stock singer-sdk tap (the
    #: two taps read ``charges`` only).
    connector: Literal["flow", "tap", "stock"]
    #: The account (a ``data.ACCOUNT_KINDS`` name), and its sizes (``FULL_SIZES`` names): one
    #: row each.
    account: str
    sizes: tuple[str, ...]
    #: The streams the Flow connector is bound to (None: every binding it discovers).
    streams: tuple[str, ...] | None = ("charges",)
    #: Against Stripe's latency and limits (``Settings.io_*``, given to the connector too), the
    #: rows with their share of the ceiling and of the limit-bound optimum; otherwise the
    #: emulator has no latency and no limit, and the connector's budgets are unthrottled.
    io: bool = False
    #: The rows note how long the account took to build.
    notes_build: bool = True
    #: False: the account is built for this scenario alone (one in memory at a time).
    shared_account: bool = True
    #: The rows' records/s are compared to the stock tap's (``Result.ratio_to_stock``).
    compared_to_stock: bool = False
    #: Called with the scenario's rows once they are all measured (notes across them).
    summary: Callable[[list[Result]], None] | None = None


def memory_growth(rows: list[Result]) -> None:
    """Peak RSS of the tap and of the adapter at three sizes, compared from the smallest and
    from the middle size to the largest (the middle one shows whether a growth is a plateau
    reached or a trend), noted on the largest row."""
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


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("cpu-flow", "flow", "charges", ("cpu_charges",), compared_to_stock=True),
    Scenario(
        "cpu-tap", "tap", "charges", ("cpu_charges",), notes_build=False, compared_to_stock=True
    ),
    Scenario(
        "stock-sdk", "stock", "charges", ("cpu_charges",), notes_build=False, compared_to_stock=True
    ),
    # the seed's 22: the workload every earlier figure of this row measured
    Scenario("io-all-streams", "flow", "realistic", ("io_objects",), SEED_STREAM_NAMES, io=True),
    # every stream the connector has, on the same account as io-all-streams
    Scenario(
        "io-every-stream", "flow", "realistic", ("io_objects",), tuple(sorted(STREAMS)), io=True
    ),
    Scenario("io-large-stream", "flow", "charges", ("io_charges",), io=True),
    Scenario(
        "memory",
        "flow",
        "charges-rendered-per-page",
        ("memory_small", "memory_middle", "memory_large"),
        notes_build=False,
        shared_account=False,
        summary=memory_growth,
    ),
)
"""Every scenario, in the order a run without ``--scenario`` runs them."""

BY_NAME = {s.name: s for s in SCENARIOS}


def size_label(n: int, streams: Sequence[str] | None) -> str:
    """The row's ``size``: the account's size and the streams read."""
    if streams is None:
        return f"{n} objects, all streams"
    if len(streams) > 3:
        return f"{n} objects, {len(streams)} streams"
    return f"{n} {', '.join(streams)}"


def _run(scenario: Scenario, emu: Emulator, settings: Settings) -> ProcessRun:
    if scenario.connector == "tap":
        return run_tap(emu, settings.timeout)
    if scenario.connector == "stock":
        return run_stock(emu, settings.timeout)
    if not scenario.io:
        return run_flow(emu, scenario.streams, settings.timeout)
    per_endpoint = settings.io_endpoint_rate_limit or data.UNTHROTTLED_REQUESTS_PER_SECOND
    return run_flow(emu, scenario.streams, settings.timeout, settings.io_rate_limit, per_endpoint)


def _emulator(scenario: Scenario, acct: Account, settings: Settings) -> Emulator:
    if not scenario.io:
        return Emulator(acct)
    return Emulator(
        acct,
        latency_ms=settings.io_latency_ms,
        rate_limit=settings.io_rate_limit,
        endpoint_rate_limit=settings.io_endpoint_rate_limit,
    )


def run_row(scenario: Scenario, size: str, settings: Settings) -> Result:
    """The scenario at one of its sizes, as a row."""
    n = settings.size(size)
    acct, built = data.account(scenario.account, n)
    if not scenario.shared_account:
        data.forget_accounts()
    with _emulator(scenario, acct, settings) as emu:
        row = measure(
            scenario.name,
            size_label(n, scenario.streams),
            emu,
            lambda: _run(scenario, emu, settings),
            flow=scenario.connector == "flow",
        )
        if scenario.io:
            limit_figures(
                row, emu.requests, settings.io_rate_limit, settings.io_endpoint_rate_limit
            )
    if scenario.notes_build:
        row.notes.append(f"account built in {built:.1f} s")
    return row


def run_scenarios(names: Sequence[str], settings: Settings) -> list[Result]:
    """Run the scenarios named ``names`` in order and fill in the ratios to the stock tap."""
    results: list[Result] = []
    try:
        for name in names:
            scenario = BY_NAME[name]
            rows = [run_row(scenario, size, settings) for size in scenario.sizes]
            if scenario.summary is not None:
                scenario.summary(rows)
            results += rows
    finally:
        data.forget_accounts()
    stock = next((r for r in results if BY_NAME[r.scenario].connector == "stock"), None)
    if stock is not None and stock.records_per_s > 0:
        for r in results:
            if BY_NAME[r.scenario].compared_to_stock:
                r.ratio_to_stock = r.records_per_s / stock.records_per_s
    return results
