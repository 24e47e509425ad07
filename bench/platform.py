"""A Connect platform's first capture: 1,000 connected accounts (most small, a few large) x the
seed's 22 streams, by one connector process and by 4 shards side by side.

Command: ``.venv/bin/python -m bench.platform`` (``--accounts``, ``--latency-ms``; ``--help``).
With ``--empty`` every connected account holds nothing: what a platform of many accounts costs in
memory and requests by itself (``--accounts 10000 --empty --latency-ms 0 --rows raised``).
Stripe's live-mode limits stand in every row: the emulator holds each account (the platform and
every connected one) to 100 requests/s and 25/s per endpoint, and the connector keeps to them
by account. Rows:

* one process, the capture's budget Stripe's default (``max_requests_per_second`` 100);
* one process, a raised budget (``RAISED`` requests/s: a platform whose limit Stripe raised);
* ``SHARDS`` connector processes side by side, each a shard of the capture (its ``open.range``
  a quarter of the key space), together the raised budget.

Each row prints the time, requests and requests/s, records, 429s, the busiest second of any
one account and of any (account, endpoint), and the peak RSS of the tap and of the adapter of
the largest process. The shards row shows whether N processes approach N times one process's
throughput once one process's CPU, not Stripe, is what bounds it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.connector import FLOW_CONNECTOR, flow_bindings, is_captured
from bench.procs import ProcessRun, run_measured
from stripe_emulator import Emulator, build_account, build_platform, connected_accounts
from tap_stripe_flow.streams import SEED_STREAM_NAMES

PLATFORM_ID = "acct_1BenchPlatform01"
#: A live-mode key: Stripe's live limits (100/s per account) are the connector's defaults.
LIVE_KEY = "sk_live_bench0platform0000000000001"
START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
SHARDS = 4
RAISED = 400
FULL = 0xFFFF_FFFF
#: Connected accounts' sizes (objects): every 100th is large, the others small.
LARGE, SMALL = 2_000, (6, 3, 9, 4, 0, 12, 5, 7)


def size_of(n: int) -> int:
    """Objects of connected account ``n``."""
    return LARGE if n % 100 == 0 else SMALL[n % len(SMALL)]


@dataclass
class Row:
    label: str
    seconds: float
    requests: int
    records: int
    rate_limited: int
    busiest_account: int
    busiest_endpoint: int
    tap_rss_mb: float
    adapter_rss_mb: float


def config(url: str, budget: float) -> dict[str, Any]:
    return {
        "account_id": PLATFORM_ID,
        "client_secret": LIVE_KEY,
        "start_date": "2024-01-01T00:00:00Z",
        "advanced": {
            "api_base_url": url,
            "interval": 0,
            "capture_connected_accounts": True,
            "max_requests_per_second": budget,
        },
    }


def open_line(cfg: dict[str, Any], bindings: list[dict[str, Any]], key_range: Any) -> bytes:
    request = {
        "open": {
            "capture": {
                "name": "bench/platform",
                "config": cfg,
                "bindings": bindings,
                "intervalSeconds": 300,
            },
            "version": "bench",
            "range": key_range,
            "state": {},
        }
    }
    return json.dumps(request).encode() + b"\n"


def shard_ranges(count: int) -> list[dict[str, int]]:
    """``count`` even shards of the key space."""
    step = (FULL + 1) // count
    return [
        {
            "keyBegin": n * step,
            "keyEnd": FULL if n == count - 1 else (n + 1) * step - 1,
            "rClockBegin": 0,
            "rClockEnd": FULL,
        }
        for n in range(count)
    ]


def run_row(
    emu: Emulator, label: str, budget: float, ranges: Sequence[dict[str, int]], timeout: float
) -> Row:
    bindings = flow_bindings(emu.url, SEED_STREAM_NAMES)
    for binding in bindings:
        binding["collection"]["key"] = ["/account_id", "/id"]
    cfg = config(emu.url, budget)
    emu.clear_requests()

    def one(key_range: dict[str, int]) -> ProcessRun:
        return run_measured(
            FLOW_CONNECTOR,
            is_record=is_captured,
            stdin_data=open_line(cfg, bindings, key_range),
            timeout=timeout,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(len(ranges)) as pool:
        runs = list(pool.map(one, ranges))
    seconds = time.monotonic() - started
    for run in runs:
        if run.code != 0:
            raise RuntimeError(f"{label}: the connector failed: {run.log_tail[-3:]}")
    log = emu.requests
    peaks = emu.peak_rates()
    return Row(
        label=label,
        seconds=seconds,
        requests=len(log),
        records=sum(r.records for r in runs),
        rate_limited=sum(1 for r in log if r.status == 429),
        busiest_account=max((p.get("*", 0) for p in peaks.values()), default=0),
        busiest_endpoint=max(
            (n for p in peaks.values() for e, n in p.items() if e != "*"), default=0
        ),
        tap_rss_mb=max(r.child_peak_mb for r in runs),
        adapter_rss_mb=max(r.self_peak_mb for r in runs),
    )


def print_table(rows: list[Row], accounts: int, latency_ms: float, *, empty: bool) -> None:
    sizes = "each empty" if empty else f"every 100th {LARGE} objects, the others 0-12"
    print(
        f"\nConnect platform: {accounts} connected accounts ({sizes}) x the seed's "
        f"{len(SEED_STREAM_NAMES)} streams; {latency_ms:.0f} ms latency; Stripe's live limits "
        "per account (100/s, 25/s per endpoint)\n"
    )
    print(
        "| run | seconds | requests | requests/s | records | 429s | busiest account (req in 1 s)"
        " | busiest (account, endpoint) | tap peak RSS MB | adapter peak RSS MB |"
    )
    print("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        print(
            f"| {r.label} | {r.seconds:.1f} | {r.requests} | {r.requests / r.seconds:.0f} | "
            f"{r.records} | {r.rate_limited} | {r.busiest_account} | {r.busiest_endpoint} | "
            f"{r.tap_rss_mb:.0f} | {r.adapter_rss_mb:.0f} |"
        )


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m bench.platform", description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--empty", action="store_true", help="connected accounts without objects (memory)"
    )
    parser.add_argument(
        "--rows", default="default,raised,shards", help="which rows, comma-separated"
    )
    args = parser.parse_args(argv)
    built = time.monotonic()
    platform = build_account(500, 1, START, END, PLATFORM_ID, LIVE_KEY, event_retention_days=None)
    platform.clock = lambda: int(END.timestamp())
    shops = connected_accounts(
        args.accounts,
        1,
        START,
        END,
        sizes=(lambda _: 0) if args.empty else size_of,
        api_key=LIVE_KEY,
        event_retention_days=None,
    )
    mapping = build_platform(platform, shops)
    print(f"platform built in {time.monotonic() - built:.1f} s")
    whole = [{"keyBegin": 0, "keyEnd": FULL, "rClockBegin": 0, "rClockEnd": FULL}]
    plans = {
        "default": ("1 process, budget 100/s", 100.0, whole),
        "raised": (f"1 process, budget {RAISED}/s", float(RAISED), whole),
        "shards": (
            f"{SHARDS} shards side by side, {RAISED}/s together",
            float(RAISED),
            shard_ranges(SHARDS),
        ),
    }
    rows = []
    with Emulator(
        platform,
        connected_accounts=mapping,
        latency_ms=args.latency_ms,
        rate_limit=100,
        endpoint_rate_limit=25,
    ) as emu:
        for name in args.rows.split(","):
            label, budget, ranges = plans[name]
            rows.append(run_row(emu, label, budget, ranges, args.timeout))
            print_table(rows, args.accounts, args.latency_ms, empty=args.empty)
    return rows


if __name__ == "__main__":
    main()
