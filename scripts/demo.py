"""``make demo``: capture a Stripe account through the Flow connector, end to end.

Without ``STRIPE_CONFIG`` it starts the bundled emulator with a realistic account (a few thousand
objects over all 22 streams, ~100 ms per request). It then plays the Flow runtime: spec, discover,
validate and open over every discovered binding on the connector's stdin/stdout. Captured documents
go to ``out/<stream>.jsonl`` and a table per stream is printed: documents, requests, seconds.

``STRIPE_CONFIG=path/to/config.json make demo`` captures a real account instead (the Flow endpoint
config: account_id, client_secret, start_date, optional lookback_window_days).

The demo's session is one pass (``advanced.interval`` 0): under Flow, the session stays open and
reads Stripe's changes every 30 seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from stripe_emulator import Emulator, build_account

OUT = Path("out")
CONNECTOR = [sys.executable, "-m", "tap_stripe_flow.flow"]
DEMO_OBJECTS = 3000
DEMO_LATENCY_MS = 100


@contextlib.contextmanager
def source_config() -> Iterator[dict[str, Any]]:
    """The endpoint config: the user's, or one for a freshly started emulator."""
    path = os.environ.get("STRIPE_CONFIG")
    if path:
        yield json.loads(Path(path).read_text())
        return
    now = datetime.now(UTC)
    account = build_account(objects=DEMO_OBJECTS, seed=1, start=now - timedelta(days=90), end=now)
    with Emulator(account, latency_ms=DEMO_LATENCY_MS) as emulator:
        print(
            f"Local Stripe emulator at {emulator.url} ({DEMO_OBJECTS} objects, "
            f"{DEMO_LATENCY_MS} ms per request)"
        )
        yield {
            "account_id": account.id,
            "client_secret": account.api_key,
            "start_date": (now - timedelta(days=91)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "advanced": {"api_base_url": emulator.url},
        }


def unary(request: dict[str, Any]) -> dict[str, Any]:
    """One spec/discover/validate call, as the runtime makes it: one request, one response."""
    result = subprocess.run(
        CONNECTOR, input=json.dumps(request) + "\n", capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not result.stdout.strip():
        last = (result.stderr.strip().splitlines() or ["(no log)"])[-1]
        sys.exit(f"The connector failed: {last}")
    response: dict[str, Any] = json.loads(result.stdout.splitlines()[0])
    return response


def capture(config: dict[str, Any], bindings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run ``open`` over ``bindings``; write documents to out/; return figures per stream."""
    names = [b["recommendedName"] for b in bindings]
    config = {**config, "advanced": {**config.get("advanced", {}), "interval": 0}}  # one pass
    request = {
        "open": {
            "capture": {
                "name": "demo/stripe",
                "config": config,
                "intervalSeconds": 300,
                "bindings": [
                    {
                        "resourceConfig": b["resourceConfig"],
                        "resourcePath": [b["recommendedName"]],
                        "collection": {
                            "name": f"demo/{b['recommendedName']}",
                            "key": b["key"],
                            "writeSchema": b["documentSchema"],
                        },
                        "stateKey": b["recommendedName"],
                    }
                    for b in bindings
                ],
            },
            "version": "demo",
            "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
            "state": {},
        }
    }
    OUT.mkdir(exist_ok=True)
    files = {name: (OUT / f"{name}.jsonl").open("w") for name in names}
    figures: dict[str, dict[str, Any]] = defaultdict(lambda: {"documents": 0})
    with subprocess.Popen(
        CONNECTOR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        # The log is read beside stdout: a full stderr pipe would stall the connector.
        metrics = threading.Thread(target=read_metrics, args=(process.stderr, figures))
        metrics.start()
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()  # stdin stays open: EOF would tell the connector to stop
        for line in process.stdout:
            message = json.loads(line)
            if "captured" in message:
                name = names[message["captured"]["binding"]]
                files[name].write(json.dumps(message["captured"]["doc"]) + "\n")
                figures[name]["documents"] += 1
        process.stdin.close()
        code = process.wait()
        metrics.join()
    for handle in files.values():
        handle.close()
    if code != 0:
        sys.exit(f"The capture failed (exit code {code}); see the log above.")
    return figures


def read_metrics(log: IO[str] | None, figures: dict[str, dict[str, Any]]) -> None:
    """Take requests and seconds per stream from the tap's summary log lines (JSON in Flow)."""
    last_error = ""
    for line in log or ():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("level") == "error":
                last_error = entry.get("msg", "")
            summary = entry.get("fields", {}).get("extra", {}).get("summary")
            if isinstance(summary, dict):
                row = figures[summary["stream"]]
                row["requests"] = summary["requests"]
                row["seconds"] = summary["seconds"]
            elif "Progress" in entry.get("msg", ""):
                print(entry["msg"])
    if last_error:
        print(f"Last error logged: {last_error}")


def print_table(names: list[str], figures: dict[str, dict[str, Any]], seconds: float) -> None:
    print(f"\n{'stream':<32}{'documents':>10}{'requests':>10}{'seconds':>9}")
    totals: Counter[str] = Counter()
    for name in names:
        row = figures.get(name, {})
        totals.update({k: row.get(k, 0) for k in ("documents", "requests")})
        print(
            f"{name:<32}{row.get('documents', 0):>10}{row.get('requests', 0):>10}"
            f"{row.get('seconds', 0.0):>9.2f}"
        )
    print(f"{'total':<32}{totals['documents']:>10}{totals['requests']:>10}{seconds:>9.2f}")
    print(f"\nDocuments are in {OUT}/<stream>.jsonl")


def main() -> None:
    with source_config() as config:
        started = time.monotonic()
        spec = unary({"spec": {}})["spec"]
        print(
            f"spec: protocol {spec['protocol']}, "
            f"{len(spec['configSchema']['properties'])} endpoint settings"
        )
        bindings = unary({"discover": {"config": config}})["discovered"]["bindings"]
        print(f"discover: {len(bindings)} bindings")
        validated = unary(
            {
                "validate": {
                    "name": "demo/stripe",
                    "config": config,
                    "bindings": [
                        {
                            "resourceConfig": b["resourceConfig"],
                            "collection": {"name": f"demo/{b['recommendedName']}"},
                        }
                        for b in bindings
                    ],
                }
            }
        )["validated"]
        print(f"validate: {len(validated['bindings'])} bindings accepted")
        figures = capture(config, bindings)
        print_table([b["recommendedName"] for b in bindings], figures, time.monotonic() - started)


if __name__ == "__main__":
    main()
