"""Starting the connector processes the benchmarks measure: the Flow connector, the product's
Singer tap alone, and the stock singer-sdk tap (``bench/stock_tap.py``).

Each ``run_*`` clears the emulator's request log just before its process starts, so that the
log holds that run's requests only, and returns the process's figures (``bench/procs.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import data
from bench.procs import ROOT, ProcessRun, child_env, run_measured
from flow_adapter.mapping import select_streams
from stripe_emulator import Emulator

PY = sys.executable
FLOW_CONNECTOR = (PY, "-m", "tap_stripe_flow.flow")
TAP = (PY, "-m", "tap_stripe_flow")
STOCK_TAP = (PY, "-m", "bench.stock_tap")
OPEN_RANGE = {"keyEnd": 4294967295, "rClockEnd": 4294967295}  # the whole key space: one shard


def is_captured(line: bytes) -> bool:
    """A Flow ``captured`` document line."""
    return line.startswith(b'{"captured"')


def is_singer_record(line: bytes) -> bool:
    """A Singer RECORD message line."""
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
    config: dict[str, Any], bindings: list[dict[str, Any]], state: dict[str, Any] | None = None
) -> bytes:
    """The ``open`` line of the capture ``bench/stripe`` over ``bindings``, from ``state``."""
    request = {
        "open": {
            "capture": {
                "name": "bench/stripe",
                "config": config,
                "intervalSeconds": 300,
                "bindings": bindings,
            },
            "version": "bench",
            "range": OPEN_RANGE,
            "state": state or {},
        }
    }
    return json.dumps(request).encode() + b"\n"


def start_flow(request: bytes) -> subprocess.Popen[bytes]:
    """The Flow connector, sent ``request``; its stdin stays open (EOF stops a session, as
    Flow's "stop" does) and its stdout and stderr are pipes for the caller to drain."""
    proc = subprocess.Popen(
        FLOW_CONNECTOR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=child_env(),
    )
    assert proc.stdin is not None
    proc.stdin.write(request)
    proc.stdin.flush()
    return proc


def run_flow(
    emu: Emulator,
    streams: Sequence[str] | None,
    timeout: float,
    max_rps: float = data.UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = data.UNTHROTTLED_REQUESTS_PER_SECOND,
) -> ProcessRun:
    """One ``open`` of the Flow connector over ``streams`` (None: every binding), with the
    connector's request budgets set to ``max_rps`` and ``max_rps_per_endpoint`` (the emulator's
    limits in the I/O scenarios)."""
    bindings = flow_bindings(emu.url, streams)
    config = data.flow_config(emu.url, max_rps, max_rps_per_endpoint)
    emu.clear_requests()
    return run_measured(
        FLOW_CONNECTOR,
        is_record=is_captured,
        stdin_data=open_request(config, bindings),
        timeout=timeout,
    )


def tap_output(*args: str, timeout: float) -> bytes:
    """What the product's Singer tap run with ``args`` writes to stdout (it must succeed)."""
    return subprocess.run(
        [*TAP, *args], capture_output=True, check=True, cwd=ROOT, env=child_env(), timeout=timeout
    ).stdout


def tap_files(url: str, workdir: Path) -> tuple[Path, Path]:
    """A tap config and a catalog selecting only ``charges`` (as the adapter writes them)."""
    config = workdir / "config.json"
    config.write_text(json.dumps(data.tap_config(url)))
    discovered = tap_output("--config", str(config), "--discover", timeout=300)
    catalog = workdir / "catalog.json"
    catalog.write_text(
        json.dumps(select_streams(json.loads(discovered), {"charges": "incremental"}))
    )
    return config, catalog


def run_tap(emu: Emulator, timeout: float) -> ProcessRun:
    """The product's Singer tap alone, ``charges`` only, stdout drained by us."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        config, catalog = tap_files(emu.url, Path(tmp))
        emu.clear_requests()
        return run_measured(
            [*TAP, "--config", str(config), "--catalog", str(catalog)],
            is_record=is_singer_record,
            timeout=timeout,
        )


def run_stock(emu: Emulator, timeout: float) -> ProcessRun:
    """The stock singer-sdk tap (``bench.stock_tap``)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(data.tap_config(emu.url)))
        emu.clear_requests()
        return run_measured(
            [*STOCK_TAP, "--config", str(config)],
            is_record=is_singer_record,
            timeout=timeout,
        )
