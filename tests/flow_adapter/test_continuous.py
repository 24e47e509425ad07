"""Capture sessions that stay open (``ConnectorDefinition.pass_interval``): passes of the tap
until EOF, SIGTERM or a failure, driven as a process the way the Flow runtime does.

The connector is `tests.flow_fixtures.connector` with ``interval`` set; its tap reads how many
``items`` exist from a file at each pass (``count_path``), so a test adds items while the
session runs.
"""

from __future__ import annotations

import json
import queue
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.flow import (
    FIXTURE_CONNECTOR,
    binding,
    check_log,
    check_response,
    open_request,
    reduce_state,
    start_connector,
)

SECRET = "sk_test_CONTINUOUS_42"

pytestmark = pytest.mark.slow


#: The sessions a test started, closed when it ends: a test that fails mid-way must not leave a
#: connector running passes for ever (one did in a run of make test: pytest never exited).
_STARTED: list[Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _STARTED:
        _STARTED.pop().connector.close()


class Session:
    """A running connector: stdout lines checked and queued as they arrive, stderr lines
    collected as they arrive."""

    def __init__(self, config: dict[str, Any], bindings: list[dict[str, Any]]) -> None:
        self.messages: list[dict[str, Any]] = []
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        opened = open_request(config, bindings, name="acmeCo/fixture", interval=None)
        # stdin is left open: EOF means "stop"
        self.connector = start_connector(FIXTURE_CONNECTOR, [opened], on_line=self._read)
        _STARTED.append(self)
        self.proc = self.connector.proc

    def _read(self, line: bytes) -> None:
        self._lines.put(check_response(line) if line else None)

    def wait_for(self, done: Callable[[dict[str, Any]], bool], timeout: float = 20) -> None:
        """Read messages until one satisfies ``done``."""
        deadline = time.monotonic() + timeout
        while True:
            message = self._lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            assert message is not None, f"the connector exited: {self.stderr[-2000:]!r}"
            self.messages.append(message)
            if done(message):
                return

    def finish(self, timeout: float = 10) -> int:
        """Wait for the exit; collect what is left; returns the exit code."""
        code = self.connector.finish(timeout, drain=False).code
        while (message := self._lines.get_nowait()) is not None:
            self.messages.append(message)
        assert SECRET.encode() not in self.stderr
        assert b"Traceback" not in self.stderr
        return code

    @property
    def stderr(self) -> bytes:
        return self.connector.stderr

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [check_log(line) for line in self.stderr.decode().splitlines()]

    def adapter_logs(self, message: str) -> list[dict[str, Any]]:
        return [log["fields"] for log in self.logs if log["msg"] == message]


def item_ids(messages: list[dict[str, Any]], binding_index: int = 0) -> list[int]:
    return [
        m["captured"]["doc"].get("id")
        for m in messages
        if "captured" in m and m["captured"]["binding"] == binding_index
    ]


def committed(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages up to and including the last checkpoint."""
    last = max((i for i, m in enumerate(messages) if "checkpoint" in m), default=-1)
    return messages[: last + 1]


def bookmark_is(value: int) -> Callable[[dict[str, Any]], bool]:
    def done(message: dict[str, Any]) -> bool:
        items = message.get("checkpoint", {}).get("state", {}).get("updated", {})
        return (
            items.get("bindingStateV1", {}).get("items", {}).get("replication_key_value") == value
        )

    return done


def config(tmp_path: Path, count: int, **overrides: Any) -> dict[str, Any]:
    count_path = tmp_path / "count"
    count_path.write_text(str(count))
    return {
        "api_key": SECRET,
        "record_count": 0,
        "tag_count": 2,
        "count_path": str(count_path),
        "state_dump_path": str(tmp_path / "state.json"),
        **overrides,
    }


def test_a_session_sees_items_added_while_it_runs_then_ends_on_eof(tmp_path: Path) -> None:
    cfg = config(tmp_path, 3, interval=0.2)
    session = Session(cfg, [binding("items", "incremental"), binding("tags", "full_refresh")])
    session.wait_for(bookmark_is(3))  # the backfill
    (tmp_path / "count").write_text("5")  # two items appear in the source
    session.wait_for(bookmark_is(5))
    # The next pass starts from the state checkpointed so far (the tap writes what it got).
    want = {"bookmarks": {"items": {"replication_key": "updated", "replication_key_value": 5}}}
    deadline = time.monotonic() + 10
    while json.loads((tmp_path / "state.json").read_text()) != want:
        assert time.monotonic() < deadline, "no pass started from the new bookmark"
        time.sleep(0.05)
    assert session.proc.stdin is not None
    session.proc.stdin.close()
    assert session.finish() == 0
    messages = session.messages
    assert messages[0] == {"opened": {"explicitAcknowledgements": False}}
    # Every item once, in order: each pass starts from the last checkpointed bookmark.
    assert item_ids(messages) == [1, 2, 3, 4, 5]
    # The full-refresh tags are read again by each pass, and committed by its end.
    finished = session.adapter_logs("pass finished")
    assert len(finished) >= 2
    assert [f["number"] for f in finished] == list(range(1, len(finished) + 1))
    tags = item_ids(committed(messages), binding_index=1)
    assert 2 * len(finished) <= len(tags) <= 2 * (len(finished) + 1)
    assert reduce_state(messages) == {
        "bindingStateV1": {"items": {"replication_key": "updated", "replication_key_value": 5}}
    }
    assert session.logs[-1]["msg"] == "capture stopped"
    assert session.logs[-1]["fields"]["reason"] == "stdin closed"
    (started,) = session.adapter_logs("starting capture")
    assert started["seconds_between_passes"] == 0.2


@pytest.mark.parametrize("how", ["eof", "sigterm"])
def test_a_session_waiting_for_its_next_pass_stops_at_once(tmp_path: Path, how: str) -> None:
    bindings = [binding("items", "incremental"), binding("tags", "full_refresh")]
    session = Session(config(tmp_path, 2, interval=600), bindings)
    session.wait_for(bookmark_is(2))
    deadline = time.monotonic() + 10
    while not session.adapter_logs("pass finished"):  # the pass ends, then the wait starts
        assert time.monotonic() < deadline, "the first pass did not finish"
        time.sleep(0.05)
    started = time.monotonic()
    if how == "eof":
        assert session.proc.stdin is not None
        session.proc.stdin.close()
    else:
        session.proc.send_signal(signal.SIGTERM)
    assert session.finish() == 0
    assert time.monotonic() - started < 2, "the session waited for its interval"
    assert session.logs[-1]["msg"] == "capture stopped"
    assert session.logs[-1]["fields"] == {
        "reason": "stdin closed" if how == "eof" else "SIGTERM",
        "documents": 4,
        "passes": 1,
    }
    # The pass ended with a checkpoint: its documents (the tags last) are all committed.
    assert "checkpoint" in session.messages[-1]
    assert item_ids(session.messages, binding_index=1) == [None, None]  # keyless tags


def test_eof_during_a_later_pass_stops_it_without_committing_its_rest(tmp_path: Path) -> None:
    cfg = config(tmp_path, 2, interval=0.2, delay_seconds=0.05)
    session = Session(cfg, [binding("items", "incremental")])
    session.wait_for(bookmark_is(2))
    (tmp_path / "count").write_text("10000")  # a long pass: 0.05 s per item
    session.wait_for(lambda m: "captured" in m and m["captured"]["doc"]["id"] == 4)
    assert session.proc.stdin is not None
    started = time.monotonic()
    session.proc.stdin.close()
    assert session.finish() == 0
    assert time.monotonic() - started < 5
    messages = session.messages
    assert item_ids(messages)[:4] == [1, 2, 3, 4]
    assert len(item_ids(messages)) < 10000
    # What the stopped pass wrote after its last STATE is not committed: the next open
    # resumes from the last checkpoint and reads those items again (at least once).
    state = reduce_state(messages)["bindingStateV1"]["items"]["replication_key_value"]
    assert item_ids(committed(messages)) == list(range(1, state + 1))
    assert session.logs[-1]["msg"] == "capture stopped"
    assert session.logs[-1]["fields"]["reason"] == "stdin closed"
    assert session.logs[-1]["fields"]["passes"] == 2


def test_a_failure_in_a_later_pass_is_fatal_and_commits_nothing_of_it(tmp_path: Path) -> None:
    cfg = config(tmp_path, 2, interval=0.2, fail_after=2)  # a pass fails at its third item
    session = Session(cfg, [binding("items", "incremental")])
    session.wait_for(bookmark_is(2))
    (tmp_path / "count").write_text("5")
    assert session.finish(timeout=20) == 1  # without EOF: the failure ends the session
    messages = session.messages
    assert item_ids(messages) == [1, 2, 3, 4]
    assert item_ids(committed(messages)) == [1, 2]
    assert reduce_state(messages)["bindingStateV1"]["items"]["replication_key_value"] == 2
    last = session.logs[-1]
    assert last["level"] == "error"
    assert last["msg"] == "the tap failed (exit code 1): RuntimeError: simulated upstream failure"
    assert [f["number"] for f in session.adapter_logs("pass finished")] == [1]
