"""``python -m bench.latency``: how long a change made in Stripe takes to reach Flow as a
committed document, in a capture session that stays open.

It starts the emulator (a realistic account over the 22 streams, ``--latency-ms`` per request,
Stripe's test-mode limits enforced: 25 requests/s for the account and per endpoint), opens the
connector over every binding with ``advanced.interval`` = ``--interval``, waits for the backfill
(the first pass), then renames ``--changes`` customers at random moments over ``--window``
seconds. Each change's latency is the time from the change to the checkpoint that commits its
document. It prints the latencies (median, p99, max), the passes' durations, and the bound they
should keep: settle + interval + one pass.

Stripe lists an event up to a minute late, so the tap reads events only up to a minute before
each pass starts (``EVENTS_SETTLE_SECONDS``). The emulator does not list events late, but its
clock is real time, so that minute of waiting is real and in the figures. ``--shift-settle``
runs the account's clock a minute behind instead, so an event has settled as soon as it is
made: a quick run whose figures leave that minute out (add it).

With fewer than 100 changes, p99 is the largest latency seen.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from typing import IO, Any

from bench import data
from bench.connector import flow_bindings, open_request, start_flow
from stripe_emulator import Emulator
from tap_stripe_flow.changes import EVENTS_SETTLE_SECONDS

STRIPE_TEST_MODE_RPS = 25
GOAL_P99_SECONDS = 120


class Watcher:
    """Reads the connector's stdout and stderr: when each renamed customer's document was
    committed, and each pass's duration."""

    def __init__(self, proc: subprocess.Popen[bytes], customers_binding: int) -> None:
        self.proc = proc
        self.binding = customers_binding
        self.lock = threading.Lock()
        self.pending: dict[str, float] = {}  # name -> when its document arrived, uncommitted
        self.committed: dict[str, float] = {}
        self.passes: list[float] = []
        self.last_error = ""
        self.threads = [
            threading.Thread(target=self._stdout, args=(proc.stdout,)),
            threading.Thread(target=self._stderr, args=(proc.stderr,)),
        ]
        for thread in self.threads:
            thread.start()

    def _stdout(self, stream: IO[bytes]) -> None:
        for line in stream:
            message = json.loads(line)
            now = time.monotonic()
            with self.lock:
                captured = message.get("captured")
                if captured and captured["binding"] == self.binding:
                    name = captured["doc"].get("name") or ""
                    if name.startswith("Latency "):
                        self.pending[name] = now
                elif "checkpoint" in message:
                    for name in self.pending:
                        self.committed.setdefault(name, now)
                    self.pending.clear()

    def _stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            log = json.loads(line)
            if log["msg"] == "pass finished":
                with self.lock:
                    self.passes.append(float(log["fields"]["seconds"]))
            if log["level"] == "error":
                self.last_error = log["msg"]

    def join(self) -> None:
        for thread in self.threads:
            thread.join()


def session_request(url: str, interval: int, bindings: list[dict[str, Any]]) -> bytes:
    """The ``open`` of a session that stays open, a pass every ``interval`` seconds."""
    config = data.flow_config(url, STRIPE_TEST_MODE_RPS, STRIPE_TEST_MODE_RPS)
    config["advanced"]["interval"] = interval
    return open_request(config, bindings)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run one session; returns the figures."""
    account = data.realistic_account(args.objects)
    if args.shift_settle:
        account.clock = lambda: int(time.time()) - EVENTS_SETTLE_SECONDS
    rng = random.Random(args.seed)
    customers = [c["id"] for c in account.objects("customer")]
    with Emulator(
        account,
        latency_ms=args.latency_ms,
        rate_limit=STRIPE_TEST_MODE_RPS,
        endpoint_rate_limit=STRIPE_TEST_MODE_RPS,
    ) as emu:
        bindings = flow_bindings(emu.url, None)
        customers_binding = [b["resourceConfig"]["stream"] for b in bindings].index("customers")
        proc = start_flow(session_request(emu.url, args.interval, bindings))
        assert proc.stdin is not None
        watcher = Watcher(proc, customers_binding)
        try:
            while not watcher.passes:  # the backfill
                if proc.poll() is not None:
                    raise RuntimeError(f"the connector exited: {watcher.last_error}")
                time.sleep(0.1)
            backfill_seconds = watcher.passes[0]
            started = time.monotonic()
            moments = sorted(rng.uniform(0, args.window) for _ in range(args.changes))
            changed: dict[str, float] = {}
            # one change per customer: a pass emits only the newest version of an object
            for n, (moment, customer) in enumerate(
                zip(moments, rng.sample(customers, len(moments)), strict=True)
            ):
                time.sleep(max(0.0, started + moment - time.monotonic()))
                name = f"Latency {n}"
                account.update("customer", customer, name=name)
                changed[name] = time.monotonic()
            patience = time.monotonic() + EVENTS_SETTLE_SECONDS + 3 * args.interval + 600
            while len(watcher.committed) < len(changed) and time.monotonic() < patience:
                if proc.poll() is not None:
                    raise RuntimeError(f"the connector exited: {watcher.last_error}")
                time.sleep(0.1)
            passes = len(watcher.passes)  # EOF between passes, not during one
            while len(watcher.passes) == passes and time.monotonic() < patience:
                time.sleep(0.1)
        finally:
            proc.stdin.close()  # EOF: the session ends
            code = proc.wait(timeout=60)
            watcher.join()
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
    latencies = sorted(
        watcher.committed[n] - t for n, t in changed.items() if n in watcher.committed
    )
    later_passes = watcher.passes[1:]
    return {
        "objects": args.objects,
        "interval_seconds": args.interval,
        "settle": "shifted (not in the figures)" if args.shift_settle else "real",
        "exit_code": code,
        "changes": len(changed),
        "arrived": len(latencies),
        "backfill_seconds": backfill_seconds,
        "later_passes": len(later_passes),
        "pass_seconds_median": statistics.median(later_passes) if later_passes else None,
        "pass_seconds_max": max(later_passes, default=None),
        "latency_seconds_min": latencies[0] if latencies else None,
        "latency_seconds_median": statistics.median(latencies) if latencies else None,
        "latency_seconds_p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else None,
        "latency_seconds_max": latencies[-1] if latencies else None,
        "bound_seconds": (0 if args.shift_settle else EVENTS_SETTLE_SECONDS)
        + args.interval
        + max(later_passes, default=0.0) * 2,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--interval", type=int, default=30, help="advanced.interval (seconds)")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--window", type=float, default=120, help="seconds to spread changes")
    parser.add_argument("--shift-settle", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = measure(args)
    for key, value in figures.items():
        shown = f"{value:.1f}" if isinstance(value, float) else value
        print(f"{key:24} {shown}")
    print(
        f"goal: p99 <= {GOAL_P99_SECONDS} s with Stripe's minute of event lag"
        + (" (add 60 s: --shift-settle)" if args.shift_settle else "")
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
    ok = figures["exit_code"] == 0 and figures["arrived"] == figures["changes"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
