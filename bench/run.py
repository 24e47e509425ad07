"""The benchmark's command line: run the scenarios, print the table, write the JSON report.

``python -m bench [--scenario NAME ...] [--quick] [--json out/bench.json]``

The scenarios are declared in ``bench/scenarios.py``; each starts its own emulator (in this
process), runs one connector process at a time and reads the emulator's request log afterwards.
Sizes are in :data:`FULL_SIZES` (``bench/settings.py``); ``--quick`` divides them by 20 and
``--scale`` by anything.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench import scenarios, steady
from bench.measure import Result
from bench.report import report, table
from bench.settings import FULL_SIZES, QUICK_SCALE, Settings

__all__ = ["FULL_SIZES", "SCENARIOS", "Result", "Settings", "main", "table"]

STEADY_STATE = "steady-state"  # bench/steady.py: its own table of requests per run
SCENARIOS: tuple[str, ...] = (*(s.name for s in scenarios.SCENARIOS), STEADY_STATE)
"""The names ``--scenario`` takes, in the order a run without it runs them."""


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
    results = scenarios.run_scenarios([n for n in names if n != STEADY_STATE], settings)
    if results:
        print(table(results))
    if STEADY_STATE in names:
        print("\n".join(steady.steady_state(scale, settings.io_latency_ms)))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report(results, settings), indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0 if all(r.ok for r in results) else 1
