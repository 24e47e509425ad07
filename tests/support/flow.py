"""Drives a Flow capture connector as a process, the way the Flow runtime does, and checks
that every line it writes is well-formed protocol output or a structured log line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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
    record = json.loads(line)
    assert set(record) == {"ts", "level", "msg", "fields"}, record
    assert record["level"] in {"debug", "info", "warn", "error"}
    assert isinstance(record["fields"], dict)
    return record


@dataclass
class Result:
    """What a connector run produced."""

    code: int
    stdout: bytes
    stderr: bytes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [check_response(line) for line in self.stdout.splitlines(keepends=True)]

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [check_log(line) for line in self.stderr.decode().splitlines()]

    @property
    def final_error(self) -> str:
        last = self.logs[-1]
        assert last["level"] == "error"
        return str(last["msg"])


def request_line(kind: str, body: Mapping[str, Any]) -> bytes:
    return json.dumps({kind: body}).encode() + b"\n"


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
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    try:
        proc.stdin.write(b"".join(requests))
        proc.stdin.flush()
        if not session:
            proc.stdin.close()
        stdout = proc.stdout.read()
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    result = Result(code, stdout, b"".join(stderr_chunks))
    assert b"Traceback" not in result.stdout
    for secret in secrets:
        assert secret.encode() not in result.stdout
        assert secret.encode() not in result.stderr
    assert result.logs is not None  # every stderr line is a structured log
    return result


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
# The Stripe connector.
# ---------------------------------------------------------------------------------------------

STRIPE_CONNECTOR = [sys.executable, "-m", "tap_stripe_flow.flow"]


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


def open_request(config: dict[str, Any], bindings: list[dict[str, Any]], state: Any) -> bytes:
    """An ``open`` of the whole key range."""
    return request_line(
        "open",
        {
            "capture": {
                "name": "acmeCo/stripe",
                "config": config,
                "bindings": bindings,
                "intervalSeconds": 300,
            },
            "version": "v1",
            "range": FULL_RANGE,
            "state": state,
        },
    )
