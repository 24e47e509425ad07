"""Runs the real connector (``python -m tap_stripe_flow.flow``) and the Singer tap as processes,
with ways to interrupt them, and checks every line they write.

Every run's output goes through :class:`SecretScan`, which also scans states, documents,
exception messages and the emulator's request log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stripe_emulator import Account, Emulator
from tests.support.accounts import API_KEY, make_account
from tests.support.flow import (
    STRIPE_CONNECTOR,
    StderrLogs,
    check_log,
    check_response,
    merge_patch,
    start_connector,
)
from tests.support.streams import expected_ids
from tests.support.tap import CliRun, TapRun, run_tap, run_tap_cli

WRONG_KEY = "sk_test_51FaultSuiteWrongKey00000000000"
REVOKED_KEY = "sk_test_51FaultSuiteRevokedKey000000000"
RESTRICTED_KEY = "rk_test_51FaultSuiteRestricted00000000"


def fault_account(objects: int = 300, seed: int = 11) -> Account:
    """The suite's account: the tests' small account, with its own default size and seed."""
    return make_account(objects=objects, seed=seed)


# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------


class SecretScan:
    """Every secret and Authorization header form; :meth:`check` fails on any of them."""

    def __init__(self, *keys: str) -> None:
        self.needles: list[bytes] = []
        for key in {API_KEY, WRONG_KEY, REVOKED_KEY, RESTRICTED_KEY, *keys}:
            basic = base64.b64encode(f"{key}:".encode())
            self.needles += [key.encode(), b"Bearer " + key.encode(), basic]
        self.needles.append(b"Authorization: Bearer")
        self.scanned = 0

    def check(self, what: str, value: Any) -> None:
        if isinstance(value, bytes):
            blob = value
        elif isinstance(value, str):
            blob = value.encode()
        else:
            blob = json.dumps(value, default=repr).encode()
        self.scanned += 1
        for needle in self.needles:
            assert needle not in blob, f"a secret ({needle[:12]!r}...) appears in {what}"

    def emulator(self, emu: Emulator) -> None:
        self.check("the emulator's request log", [repr(r) for r in emu.requests])


SCAN = SecretScan()


# ---------------------------------------------------------------------------------------------
# Flow requests (built by tests.support.flow: ``open_request(config, stream_names, state)``)
# ---------------------------------------------------------------------------------------------


def expected(account: Account, streams: Iterable[str]) -> dict[str, list[str]]:
    return {s: expected_ids(account, s, 0) for s in streams}


# ---------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------


@dataclass
class FlowRun(StderrLogs):
    """One connector process: every stdout line checked, documents split at checkpoints."""

    streams: list[str]
    code: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    seconds: float = 0.0
    killed: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    committed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    uncommitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    checkpoints: list[Any] = field(default_factory=list)
    orphans_lingered: int = 0

    def add(self, line: bytes) -> dict[str, Any]:
        message = check_response(line)
        self.messages.append(message)
        if "captured" in message:
            body = message["captured"]
            assert 0 <= body["binding"] < len(self.streams), body["binding"]
            doc = body["doc"]
            assert isinstance(doc.get("id"), str), f"a document without an id: {doc}"
            assert doc.get("_meta", {}).get("op") in {"c", "u", "d"}, doc.get("_meta")
            self.uncommitted.append((self.streams[body["binding"]], doc))
        elif "checkpoint" in message:
            assert message["checkpoint"]["state"]["mergePatch"] is True
            self.checkpoints.append(message["checkpoint"]["state"]["updated"])
            self.committed += self.uncommitted
            self.uncommitted = []
        return message

    def state(self, previous: Any) -> Any:
        state = previous or {}
        for patch in self.checkpoints:
            state = merge_patch(state, patch)
        return state

    def ids(self, *, committed_only: bool = True) -> list[tuple[str, str]]:
        docs = self.committed if committed_only else self.committed + self.uncommitted
        return [(stream, doc["id"]) for stream, doc in docs]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(c) for c in text.split()]
    except OSError:
        pass
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def _reap_orphans(pids: list[int], patience: float) -> int:
    """Wait up to ``patience`` s for processes whose parent was killed; kill stragglers.

    Returns how many were still alive after the wait.
    """
    deadline = time.monotonic() + patience
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    lingering = [p for p in pids if _alive(p)]
    for pid in lingering:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # a tap this test started, through the connector
    return len(lingering)


def run_flow(
    *requests: bytes,
    streams: Iterable[str] = (),
    session: bool | None = None,
    interrupt: Callable[[FlowRun, subprocess.Popen[bytes]], bool] | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    scan: SecretScan = SCAN,
) -> FlowRun:
    """Run the connector on ``requests``, checking each stdout line as it arrives.

    ``interrupt(run, proc)`` is called before the first line and after each one; when it
    returns True the run stops reading (it has signalled or killed the process) and waits.
    Like the runtime, stdin stays open during an ``open`` session and is closed otherwise.
    """
    run = FlowRun(streams=list(streams))
    if session is None:
        session = any(r.startswith(b'{"open"') for r in requests)
    started = time.monotonic()
    children: list[int] = []
    with start_connector(
        STRIPE_CONNECTOR, requests, env=env, close_stdin=not session, broken_pipe_ok=True
    ) as connector:
        proc = connector.proc
        if on_start is not None:
            on_start(proc)
        stop = interrupt is not None and interrupt(run, proc)
        while not stop:
            children = _children(proc.pid) or children
            line = connector.readline()
            if not line:
                break
            run.add(line)
            stop = interrupt is not None and interrupt(run, proc)
        if stop:
            children = children or _children(proc.pid)
        result = connector.finish(timeout=timeout)
    run.code = result.code
    run.seconds = time.monotonic() - started
    run.stdout = result.stdout
    run.stderr = result.stderr
    if connector.rest:
        # bytes read after an interrupt: whole lines must still be well-formed protocol lines
        for line in connector.rest.splitlines(keepends=True):
            if line.endswith(b"\n"):
                run.add(line)
    if run.killed:
        run.orphans_lingered = _reap_orphans(children, patience=10)
    check_output(run.stdout, run.stderr, killed=run.killed, scan=scan)
    for stream, doc in run.committed + run.uncommitted:
        scan.check(f"a {stream} document", doc)
    scan.check("a checkpoint", run.checkpoints)
    return run


def check_output(stdout: bytes, stderr: bytes, *, killed: bool, scan: SecretScan) -> None:
    """No traceback, no secret; every stderr line a structured log (a killed run may be cut)."""
    for name, blob in (("stdout", stdout), ("stderr", stderr)):
        assert b"Traceback" not in blob, f"a traceback on {name}:\n{blob.decode()[-3000:]}"
        scan.check(name, blob)
    lines = stderr.decode().splitlines()
    if killed and lines:
        lines = lines[:-1]
    for line in lines:
        check_log(line)


def sigkill_after(lines: int, *, delay: float = 0.0) -> Callable[[FlowRun, Any], bool]:
    """An interrupt: SIGKILL once ``lines`` stdout lines arrived (after ``delay`` seconds)."""

    def interrupt(run: FlowRun, proc: subprocess.Popen[bytes]) -> bool:
        if len(run.messages) < lines:
            return False
        if delay:
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        run.killed = True
        return True

    return interrupt


def run_singer_tap(
    config: Mapping[str, Any], tmp_path: Path, *args: str, scan: SecretScan = SCAN
) -> CliRun:
    """``python -m tap_stripe_flow --config ...`` as a process: no traceback, no secret."""
    result = run_tap_cli(config, tmp_path, *args)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    scan.check("the tap's stdout", result.stdout)
    scan.check("the tap's stderr", result.stderr)
    return result


# ---------------------------------------------------------------------------------------------
# In-process tap runs (for faults whose timing needs monkeypatched class constants)
# ---------------------------------------------------------------------------------------------


def run_tap_in_process(
    config: Mapping[str, Any],
    streams: Iterable[str],
    state: Mapping[str, Any] | None = None,
    scan: SecretScan = SCAN,
) -> TapRun:
    """``run_tap`` keeping what was written before a failure (``error``); no secret in either."""
    run = run_tap(config, streams=streams, state=state, keep_error=True)
    scan.check("the tap's messages", json.dumps(run.messages))
    if run.error is not None:
        scan.check("an exception message", f"{run.error!r} {run.error}")
    return run
