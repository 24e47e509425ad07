"""Drives a Flow capture connector as a process, the way the Flow runtime does, and checks
that every line it writes is well-formed protocol output or a structured log line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from tests.support.accounts import API_KEY
from tests.support.paths import ROOT
from tests.support.streams import FULL_REFRESH

FULL_RANGE = {"keyEnd": 4294967295, "rClockEnd": 4294967295}

# ---------------------------------------------------------------------------------------------
# A strict checker of connector output: only the fields the protocol defines.
# ---------------------------------------------------------------------------------------------

RESPONSE_FIELDS: Mapping[str, tuple[set[str], set[str]]] = {
    # type: (required fields, optional fields)
    "spec": (
        {"protocol", "configSchema", "resourceConfigSchema", "documentationUrl"},
        {"resourcePathPointers", "oauth2"},
    ),
    "discovered": ({"bindings"}, set()),
    "validated": ({"bindings"}, set()),
    "applied": (set(), {"actionDescription"}),
    "opened": (set(), {"explicitAcknowledgements"}),
    "captured": ({"binding", "doc"}, set()),
    "checkpoint": ({"state"}, set()),
}


def _fields(obj: Mapping[str, Any], required: set[str], optional: set[str], where: str) -> None:
    assert isinstance(obj, dict), where
    assert required <= set(obj), f"{where}: missing {required - set(obj)}"
    assert set(obj) <= required | optional, f"{where}: unknown {set(obj) - required - optional}"


def check_response(line: bytes) -> dict[str, Any]:
    """Parse one stdout line, asserting it is a well-formed protocol response."""
    assert line.endswith(b"\n")
    message = json.loads(line)
    assert isinstance(message, dict)
    assert len(message) == 1, message
    ((kind, body),) = message.items()
    assert kind in RESPONSE_FIELDS, kind
    _fields(body, *RESPONSE_FIELDS[kind], kind)
    if kind == "spec":
        assert body["protocol"] == 3032023
    elif kind == "discovered":
        for b in body["bindings"]:
            _fields(
                b,
                {"recommendedName", "resourceConfig", "documentSchema", "key"},
                {"disable"},
                "discovered.bindings[]",
            )
    elif kind == "validated":
        for b in body["bindings"]:
            _fields(b, {"resourcePath"}, set(), "validated.bindings[]")
            assert all(isinstance(p, str) for p in b["resourcePath"])
    elif kind == "captured":
        assert isinstance(body["binding"], int)
        assert isinstance(body["doc"], dict)
    elif kind == "checkpoint":
        _fields(body["state"], {"updated"}, {"mergePatch"}, "checkpoint.state")
        assert isinstance(body["state"]["updated"], dict)
    return message


def check_log(line: str) -> dict[str, Any]:
    """Parse one stderr line, asserting it is a structured log line."""
    record: dict[str, Any] = json.loads(line)
    assert set(record) == {"ts", "level", "msg", "fields"}, record
    assert record["level"] in {"debug", "info", "warn", "error"}
    assert isinstance(record["fields"], dict)
    return record


class StderrLogs:
    """The logs of a run whose ``stderr`` holds structured log lines."""

    stderr: bytes

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [check_log(line) for line in self.stderr.decode().splitlines()]

    @property
    def final_error(self) -> str:
        last = self.logs[-1]
        assert last["level"] == "error", last
        return str(last["msg"])


@dataclass
class Result(StderrLogs):
    """What a connector run produced."""

    code: int
    stdout: bytes
    stderr: bytes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [check_response(line) for line in self.stdout.splitlines(keepends=True)]


def request_line(kind: str, body: Mapping[str, Any]) -> bytes:
    return json.dumps({kind: body}).encode() + b"\n"


# ---------------------------------------------------------------------------------------------
# Running a connector process (every test that starts one does it here).
# ---------------------------------------------------------------------------------------------


class Connector:
    """A connector process: ``command`` started in the repository with ``env`` added to this
    process's environment, ``requests`` written to its stdin (closed after them if
    ``close_stdin``; a session's stays open, as EOF means "stop").

    Its stdout is read line by line by the caller (:meth:`readline`, :meth:`lines`), or by a
    thread passing each line to ``on_line`` and ``b""`` at EOF; its stderr is collected by a
    thread as it arrives (``stderr=False``: sent to /dev/null). ``new_session`` makes it the
    leader of a process group (:meth:`kill_group`); ``broken_pipe_ok`` lets it exit before it
    reads every request.

    Use it as a context manager: leaving the block kills a process still running and closes
    every pipe. :meth:`finish` waits for the exit and returns the :class:`Result`.
    """

    def __init__(
        self,
        command: Sequence[str],
        requests: Iterable[bytes] = (),
        *,
        env: Mapping[str, str] | None = None,
        close_stdin: bool = False,
        stderr: bool = True,
        new_session: bool = False,
        on_line: Callable[[bytes], None] | None = None,
        broken_pipe_ok: bool = False,
    ) -> None:
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr else subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            start_new_session=new_session,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout
        self.read: list[bytes] = []  # every stdout chunk read so far
        self.rest = b""  # what :meth:`finish` read after the last line
        self._stderr: list[bytes] = []
        self._threads: list[threading.Thread] = []
        if self.proc.stderr is not None:
            self._start(self._read_stderr, self.proc.stderr)
        if on_line is not None:
            self._start(self._follow, on_line)
        try:
            self.stdin.write(b"".join(requests))
            self.stdin.flush()
            if close_stdin:
                self.stdin.close()
        except BrokenPipeError:
            if not broken_pipe_ok:
                self.close()
                raise

    def _start(self, target: Callable[[Any], None], arg: Any) -> None:
        thread = threading.Thread(target=target, args=(arg,))
        thread.start()
        self._threads.append(thread)

    def _read_stderr(self, pipe: IO[bytes]) -> None:
        for line in pipe:
            self._stderr.append(line)

    def _follow(self, on_line: Callable[[bytes], None]) -> None:
        """Pass each stdout line to ``on_line``, then ``b""`` at EOF."""
        for line in self.lines():
            on_line(line)
        on_line(b"")

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def stderr(self) -> bytes:
        """What the connector wrote to stderr so far."""
        return b"".join(self._stderr)

    def readline(self) -> bytes:
        """The next stdout line (``b""`` at EOF)."""
        line = self.stdout.readline()
        self.read.append(line)
        return line

    def lines(self) -> Iterator[bytes]:
        """Stdout lines until EOF (a caller may stop early: the rest is left unread)."""
        while line := self.readline():
            yield line

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL the process if it still runs."""
        if self.proc.poll() is None:
            self.proc.kill()

    def kill_group(self) -> None:
        """SIGKILL the process group (of a connector started with ``new_session``)."""
        os.killpg(self.proc.pid, signal.SIGKILL)

    def close_stdin(self) -> None:
        """EOF on stdin: the runtime's "stop"."""
        self.stdin.close()

    def finish(self, timeout: float, *, drain: bool = True) -> Result:
        """Read the rest of stdout (unless ``drain`` is false), wait up to ``timeout`` s for the
        exit, and close everything (killing a process still running)."""
        try:
            if drain:
                self.rest = self.stdout.read()
                self.read.append(self.rest)
            code = self.proc.wait(timeout=timeout)
        finally:
            self.close()
        return Result(code, b"".join(self.read), self.stderr)

    def close(self) -> None:
        """Kill the process if it still runs, wait for the readers, close every pipe."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


start_connector = Connector
"""Start a connector process: ``start_connector(command, requests, env=..., ...)``."""


def check_result(result: Result, secrets: Iterable[str]) -> Result:
    """No traceback on stdout, no secret anywhere, every stderr line a structured log."""
    assert b"Traceback" not in result.stdout
    for secret in secrets:
        assert secret.encode() not in result.stdout
        assert secret.encode() not in result.stderr
    assert result.logs is not None  # every stderr line is a structured log
    return result


def run_connector(
    *requests: bytes,
    command: list[str],
    secrets: Iterable[str],
    env: Mapping[str, str] | None = None,
) -> Result:
    """Run the connector on ``requests``.

    Like the runtime, stdin stays open during an ``open`` session (EOF would mean "stop"), and is
    closed after the last request otherwise.
    """
    session = any(r.startswith(b'{"open"') for r in requests)
    with start_connector(command, requests, env=env, close_stdin=not session) as connector:
        result = connector.finish(timeout=120)
    return check_result(result, secrets)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396, as the runtime reduces checkpoints."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def reduce_state(messages: list[dict[str, Any]], state: Any = None) -> Any:
    state = state or {}
    for m in messages:
        if "checkpoint" in m:
            assert m["checkpoint"]["state"]["mergePatch"] is True
            state = merge_patch(state, m["checkpoint"]["state"]["updated"])
    return state


# ---------------------------------------------------------------------------------------------
# The connectors, and the requests Flow sends them.
# ---------------------------------------------------------------------------------------------

STRIPE_CONNECTOR = [sys.executable, "-m", "tap_stripe_flow.flow"]

#: The fixture connector: `flow_adapter` over a tiny offline tap (tests/flow_fixtures/).
FIXTURE_CONNECTOR = [sys.executable, "-m", "tests.flow_fixtures.connector"]

#: The same connector discovering in-process (it builds the singer-sdk tap object itself).
INPROCESS_CONNECTOR = [sys.executable, "-m", "tests.flow_fixtures.inprocess_connector"]


def stripe(*requests: bytes, secrets: tuple[str, ...] = (API_KEY,)) -> Result:
    """Run the Stripe connector on ``requests``; ``secrets`` must appear in no output."""
    return run_connector(*requests, command=STRIPE_CONNECTOR, secrets=secrets)


def binding(stream: str, mode: str | None = None, backfill: int = 0) -> dict[str, Any]:
    """A binding of ``stream`` as Flow sends it (the seed's sync mode by default)."""
    mode = mode or ("full_refresh" if stream in FULL_REFRESH else "incremental")
    result: dict[str, Any] = {
        "resourceConfig": {"stream": stream, "syncMode": mode},
        "resourcePath": [stream],
        "collection": {"name": f"acmeCo/{stream}", "key": ["/id"], "writeSchema": {}},
        "stateKey": f"{stream}.v{backfill}" if backfill else stream,
    }
    if backfill:
        result["backfill"] = backfill
    return result


#: The state of an ``open`` that sends none.
NO_STATE: Any = object()


def open_request(
    config: Mapping[str, Any],
    bindings: Iterable[Mapping[str, Any] | str],
    state: Any = NO_STATE,
    range_: Mapping[str, int] = FULL_RANGE,
    *,
    name: str = "acmeCo/stripe",
    interval: int | None = 300,
) -> bytes:
    """An ``open`` of the whole key range (or of a shard's ``range_``); a stream name in
    ``bindings`` stands for its :func:`binding`. ``interval=None`` (or no ``state``) leaves
    the field out."""
    capture: dict[str, Any] = {
        "name": name,
        "config": config,
        "bindings": [binding(b) if isinstance(b, str) else b for b in bindings],
    }
    if interval is not None:
        capture["intervalSeconds"] = interval
    body: dict[str, Any] = {"capture": capture, "version": "v1", "range": dict(range_)}
    if state is not NO_STATE:
        body["state"] = state
    return request_line("open", body)
