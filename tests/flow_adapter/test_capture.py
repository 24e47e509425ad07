"""An ``open`` of the fixture connector: its documents and checkpoints, its state across runs
(resume, re-backfill), and how it fails (a tap that fails, an unknown stream, a bad state).

The connector under test is `tests.flow_fixtures.connector`, wrapping a tiny offline singer-sdk
tap (`tests.flow_fixtures.fixture_tap`), driven as a process the way the Flow runtime does.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from flow_adapter import session
from tests.support.fixture_connector import config, open_line, run_connector
from tests.support.flow import binding, reduce_state

pytestmark = pytest.mark.slow


def test_open_captures_documents_and_checkpoints() -> None:
    bindings = [binding("tags", "full_refresh"), binding("items", "incremental")]
    result = run_connector(open_line(config(deleted_ids=[2]), bindings, state={}))
    assert result.code == 0, result.stderr
    messages = result.messages
    assert messages[0] == {"opened": {"explicitAcknowledgements": False}}

    captured = [m["captured"] for m in messages if "captured" in m]
    items = [c["doc"] for c in captured if c["binding"] == 1]
    tags = [c["doc"] for c in captured if c["binding"] == 0]
    assert [d["id"] for d in items] == [1, 2, 3]
    assert [d["_meta"]["op"] for d in items] == ["u", "d", "u"]
    assert items[0] == {
        "id": 1,
        "updated": 1,
        "name": "item 1",
        "_sdc_deleted_at": None,
        "_meta": {"op": "u"},
    }
    assert tags == [
        {"label": "tag-0", "_meta": {"op": "u", "row_id": 0}},
        {"label": "tag-1", "_meta": {"op": "u", "row_id": 1}},
    ]

    checkpoints = [m["checkpoint"]["state"] for m in messages if "checkpoint" in m]
    assert all(c["mergePatch"] is True for c in checkpoints)
    assert {"updated": {"bindingStateV1": {"items": {
        "replication_key": "updated", "replication_key_value": 3,
    }}}, "mergePatch": True} in checkpoints  # fmt: skip
    # The last message commits the trailing full-refresh documents without changing state.
    assert messages[-1] == {"checkpoint": {"state": {"updated": {}, "mergePatch": True}}}
    # Full-refresh bindings keep no state; unbound streams (events) produce nothing.
    assert reduce_state(messages) == {
        "bindingStateV1": {"items": {"replication_key": "updated", "replication_key_value": 3}}
    }


def test_checkpoints_only_carry_changed_bookmarks() -> None:
    bindings = [binding("items", "incremental"), binding("events", "incremental")]
    result = run_connector(open_line(config(), bindings))
    assert result.code == 0, result.stderr
    patches = [m["checkpoint"]["state"]["updated"] for m in result.messages if "checkpoint" in m]
    changed = [set(p.get("bindingStateV1", {})) for p in patches]
    # Each stream's bookmark is sent once, when it changes; never repeated.
    assert sorted(k for c in changed for k in c) == ["events", "items"]


def test_state_round_trip_and_rebackfill(tmp_path: Path) -> None:
    dump = tmp_path / "tap-state.json"
    cfg = config(state_dump_path=str(dump))
    bindings = [binding("items", "incremental"), binding("events", "incremental")]
    first = run_connector(open_line(cfg, bindings))
    assert first.code == 0, first.stderr
    assert json.loads(dump.read_text()) == {}  # first run: the tap starts from scratch
    state = reduce_state(first.messages)
    assert set(state["bindingStateV1"]) == {"items", "events"}

    # Re-open with the reduced state and more data: the tap resumes from its bookmarks.
    cfg = config(state_dump_path=str(dump), record_count=5, event_count=4)
    second = run_connector(open_line(cfg, bindings, state=state))
    assert second.code == 0, second.stderr
    assert json.loads(dump.read_text()) == {
        "bookmarks": {
            "items": {"replication_key": "updated", "replication_key_value": 3},
            "events": {"replication_key": "updated", "replication_key_value": 2},
        }
    }
    docs = [m["captured"] for m in second.messages if "captured" in m]
    assert [d["doc"]["id"] for d in docs if d["binding"] == 0] == [4, 5]
    assert [d["doc"]["id"] for d in docs if d["binding"] == 1] == [3, 4]
    state = reduce_state(second.messages, state)

    # Re-backfill items (new stateKey items.v1): it starts over while events continues.
    bindings = [binding("items", "incremental", backfill=1), binding("events", "incremental")]
    third = run_connector(open_line(cfg, bindings, state=state))
    assert third.code == 0, third.stderr
    assert json.loads(dump.read_text()) == {
        "bookmarks": {"events": {"replication_key": "updated", "replication_key_value": 4}}
    }
    docs = [m["captured"] for m in third.messages if "captured" in m]
    assert [d["doc"]["id"] for d in docs if d["binding"] == 0] == [1, 2, 3, 4, 5]
    assert [d["doc"]["id"] for d in docs if d["binding"] == 1] == []
    state = reduce_state(third.messages, state)
    assert state["bindingStateV1"]["items.v1"]["replication_key_value"] == 5


def test_full_refresh_binding_of_incremental_stream_ignores_state(tmp_path: Path) -> None:
    dump = tmp_path / "tap-state.json"
    state = {"bindingStateV1": {"items": {"replication_key_value": 2}}}
    result = run_connector(
        open_line(
            config(state_dump_path=str(dump)), [binding("items", "full_refresh")], state=state
        )
    )
    assert result.code == 0, result.stderr
    assert json.loads(dump.read_text()) == {}
    docs = [m["captured"]["doc"]["id"] for m in result.messages if "captured" in m]
    assert docs == [1, 2, 3]
    assert reduce_state(result.messages) == {}


def test_state_of_another_shape_is_a_clear_error() -> None:
    result = run_connector(
        open_line(config(), [binding("items", "incremental")], state={"bindingStateV1": [1]})
    )
    assert result.code == 1
    assert result.stdout == b""
    assert result.final_error == "connector state bindingStateV1 must be a JSON object"


def test_tap_failure_ends_with_one_error_and_no_later_checkpoint() -> None:
    bindings = [binding("items", "incremental"), binding("tags", "full_refresh")]
    result = run_connector(open_line(config(fail_after=1), bindings))
    assert result.code == 1
    messages = result.messages
    assert messages[0] == {"opened": {"explicitAcknowledgements": False}}
    assert not [m for m in messages if "checkpoint" in m]
    assert result.final_error == (
        "the tap failed (exit code 1): RuntimeError: simulated upstream failure"
    )
    # The tap's own error is relayed as a structured error line before the final one.
    relayed = [log for log in result.logs if log["fields"].get("source") == "tap"]
    assert relayed[-1]["fields"]["exception"] == "RuntimeError: simulated upstream failure"


def test_open_with_an_unknown_stream_fails_after_opened() -> None:
    result = run_connector(open_line(config(), [binding("nope", "incremental")]))
    assert result.code == 1
    assert "binding 0 (acmeCo/nope): unknown stream 'nope'" in result.final_error


def test_a_careless_tap_is_handled() -> None:
    """Unbound records skipped, stray stdout logged, text logs relayed."""
    result = run_connector(
        open_line({}, [binding("rows", "incremental")]),
        command=[sys.executable, "-m", "tests.flow_fixtures.raw_connector"],
    )
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        b'{"captured":{"binding":0,"doc":{"id":1,"n":2,"_meta":{"op":"u"}}}}'
    )
    assert result.messages[1:] == [
        {"captured": {"binding": 0, "doc": {"id": 1, "n": 2, "_meta": {"op": "u"}}}},
        {"checkpoint": {"state": {"updated": {"bindingStateV1": {"rows": {"n": 1}}},
                                  "mergePatch": True}}},
        {"captured": {"binding": 0, "doc": {"id": 2, "n": 3, "_meta": {"op": "u"}}}},
        {"checkpoint": {"state": {"updated": {}, "mergePatch": True}}},
    ]  # fmt: skip
    logs = [(log["level"], log["msg"], log["fields"]) for log in result.logs]
    assert ("info", "hello, not json", {"source": "tap stdout"}) in logs
    assert ("warn", "running without an SDK", {"source": "tap", "logger": "raw-tap"}) in logs
    assert ("info", "just some text", {"source": "tap"}) in logs
    skipped = [f for level, msg, f in logs if msg.startswith("skipped records")]
    assert skipped == [{"stream": "other", "count": 2}]


@pytest.mark.parametrize("read_size", [1, 7, 4096, 65_536])
def test_the_taps_lines_come_out_whole_however_the_pipe_splits_them(read_size: int) -> None:
    """A line longer than a read (a platform's STATE), lines ending exactly at a read's end,
    empty lines and a last line without a newline: each comes out once, whole, in order."""
    lines = [b"s" * 200_000, b"", b"short", b"x" * (read_size - 1), b"y" * 70_001]
    data = b"\n".join(lines) + b"\nlast, without a newline"
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb", buffering=0) as pipe:
            for start in range(0, len(data), read_size):
                pipe.write(data[start : start + read_size])

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        got = [line for batch in session._line_batches(read) for line in batch]
    finally:
        feeder.join()
        os.close(read)
    assert got == [*lines, b"last, without a newline"]
