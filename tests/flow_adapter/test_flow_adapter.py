"""Tests of `flow_adapter`: the connector is driven as a process, the way the Flow runtime does.

The connector under test is `tests.flow_fixtures.connector`, wrapping a tiny offline singer-sdk
tap (`tests.flow_fixtures.fixture_tap`).
"""

from __future__ import annotations

import copy
import io
import json
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from flow_adapter import mapping
from flow_adapter.errors import BindingError, StateError, TapError
from flow_adapter.logs import Logger, TapLogRelay, collect_secrets
from flow_adapter.protocol import parse_request
from flow_adapter.state import (
    STATE_LINE_STARTS,
    CheckpointTracker,
    StateBinding,
    loads_state,
    tap_state_for_open,
)
from tests.support.flow import (
    FIXTURE_CONNECTOR,
    FULL_RANGE,
    Connector,
    Result,
    binding,
    check_log,
    check_response,
    reduce_state,
    request_line,
    start_connector,
)
from tests.support.flow import run_connector as harness_run

SECRET = "sk_test_SUPERSECRET_42"

pytestmark = pytest.mark.slow


def run_connector(
    *requests: bytes, env: Mapping[str, str] | None = None, command: list[str] = FIXTURE_CONNECTOR
) -> Result:
    """Run the fixture connector; its secret must never appear in its output."""
    return harness_run(*requests, command=command, secrets=[SECRET], env=env)


def config(**overrides: Any) -> dict[str, Any]:
    return {"api_key": SECRET, "record_count": 3, "event_count": 2, "tag_count": 2, **overrides}


def open_line(cfg: Mapping[str, Any], bindings: list[dict[str, Any]], state: Any = None) -> bytes:
    body: dict[str, Any] = {
        "capture": {"name": "acmeCo/fixture", "config": cfg, "bindings": bindings},
        "version": "v1",
        "range": FULL_RANGE,
        "createdAt": "2024-01-01T00:00:00Z",  # unknown fields are ignored
    }
    if state is not None:
        body["state"] = state
    return request_line("open", body)


# ---------------------------------------------------------------------------------------------
# spec / discover / validate / apply
# ---------------------------------------------------------------------------------------------


def test_spec_has_exactly_the_protocol_fields() -> None:
    result = run_connector(request_line("spec", {"connectorType": "IMAGE"}))
    assert result.code == 0
    (message,) = result.messages
    spec = message["spec"]
    assert set(spec) == {
        "protocol",
        "configSchema",
        "resourceConfigSchema",
        "documentationUrl",
        "resourcePathPointers",
    }
    assert spec["protocol"] == 3032023
    assert spec["configSchema"]["properties"]["api_key"]["secret"] is True
    assert spec["documentationUrl"] == "https://example.com/fixture"
    assert spec["resourcePathPointers"] == ["/stream"]
    resource = spec["resourceConfigSchema"]
    assert resource["required"] == ["stream", "syncMode"]
    assert resource["properties"]["stream"]["title"] == "Stream"
    assert resource["properties"]["syncMode"]["enum"] == ["incremental", "full_refresh"]
    assert resource["properties"]["syncMode"]["title"] == "Sync Mode"


def test_unary_requests_loop_until_eof() -> None:
    result = run_connector(
        request_line("spec", {}),
        b"\n",
        request_line("apply", {"capture": {"name": "acmeCo/fixture"}, "version": "v1"}),
        request_line("acknowledge", {"checkpoints": 1}),  # stray: ignored
        request_line("spec", {}),
    )
    assert result.code == 0
    assert [next(iter(m)) for m in result.messages] == ["spec", "applied", "spec"]
    assert result.messages[1] == {"applied": {"actionDescription": ""}}


def test_discover_maps_streams_keys_and_schemas() -> None:
    result = run_connector(request_line("discover", {"config": config(), "connectorType": "X"}))
    assert result.code == 0, result.stderr
    (message,) = result.messages
    bindings = {b["recommendedName"]: b for b in message["discovered"]["bindings"]}
    assert set(bindings) == {"items", "events", "tags"}

    items = bindings["items"]
    assert items["resourceConfig"] == {"stream": "items", "syncMode": "incremental"}
    assert items["key"] == ["/id"]
    schema = items["documentSchema"]
    assert schema["type"] == "object"
    assert "id" in schema["required"]
    assert schema["properties"]["id"]["type"] == "integer"  # key: never null
    assert schema["x-infer-schema"] is True
    assert schema["reduce"] == {"strategy": "merge"}
    assert schema["if"] == {
        "required": ["_meta"],
        "properties": {"_meta": {"required": ["op"], "properties": {"op": {"const": "d"}}}},
    }
    assert schema["then"] == {"reduce": {"strategy": "merge", "delete": True}}
    assert schema["properties"]["_meta"]["properties"]["op"]["type"] == "string"
    assert "$schema" not in schema

    tags = bindings["tags"]
    assert tags["resourceConfig"] == {"stream": "tags", "syncMode": "full_refresh"}
    assert tags["key"] == ["/_meta/row_id"]
    meta = tags["documentSchema"]["properties"]["_meta"]
    assert meta["properties"]["row_id"]["type"] == "integer"
    assert "row_id" in meta["required"]
    assert "_meta" in tags["documentSchema"]["required"]


def validate_line(cfg: Mapping[str, Any], *streams: tuple[str, str]) -> bytes:
    bindings = [
        {
            "resourceConfig": {"stream": s, "syncMode": m},
            "collection": {"name": f"acmeCo/{s}"},
        }
        for s, m in streams
    ]
    return request_line("validate", {"name": "acmeCo/fixture", "config": cfg, "bindings": bindings})


def test_validate_answers_resource_paths_in_order() -> None:
    line = validate_line(
        config(), ("tags", "full_refresh"), ("items", "incremental"), ("events", "full_refresh")
    )
    result = run_connector(line)
    assert result.code == 0, result.stderr
    assert result.messages == [
        {
            "validated": {
                "bindings": [
                    {"resourcePath": ["tags"]},
                    {"resourcePath": ["items"]},
                    {"resourcePath": ["events"]},
                ]
            }
        }
    ]


@pytest.mark.parametrize(
    ("streams", "expected"),
    [
        (
            [("items", "incremental"), ("nope", "incremental")],
            "binding 1 (acmeCo/nope): unknown stream 'nope'",
        ),
        (
            [("items", "incremental"), ("tags", "incremental")],
            "binding 1 (acmeCo/tags): stream 'tags' can only be captured with syncMode"
            " 'full_refresh', not 'incremental'",
        ),
        (
            [("items", "sometimes")],
            "binding 0 (acmeCo/items): syncMode must be one of",
        ),
    ],
)
def test_validate_rejects_bad_bindings_by_name(
    streams: list[tuple[str, str]], expected: str
) -> None:
    result = run_connector(validate_line(config(), *streams))
    assert result.code != 0
    assert result.stdout == b""
    assert expected in result.final_error


def test_validate_reports_config_errors_clearly() -> None:
    result = run_connector(validate_line(config(record_count=-1), ("items", "incremental")))
    assert result.code == 1
    assert result.stdout == b""
    assert result.final_error == (
        "invalid endpoint config: record_count must be a non-negative integer"
    )
    assert b"Traceback" not in result.stderr


def test_validate_runs_the_connection_check_and_scrubs_secrets() -> None:
    result = run_connector(validate_line(config(reject_connection=True), ("items", "incremental")))
    assert result.code == 1
    assert result.final_error == "connection check failed: the API rejected key ***"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"this is not json\n", "protocol error: request is not valid JSON"),
        (b'{"spec":{},"apply":{}}\n', "exactly one top-level key, got: apply, spec"),
        (b'{"frobnicate":{}}\n', "protocol error: unknown request 'frobnicate'"),
        (b"[1, 2]\n", "protocol error: request must be a JSON object"),
        (b'{"discover":{"config":[1]}}\n', "discover.config must be a JSON object"),
    ],
)
def test_malformed_requests_are_clear_protocol_errors(line: bytes, expected: str) -> None:
    result = run_connector(line, request_line("spec", {}))
    assert result.code == 1
    assert result.stdout == b""
    assert expected in result.final_error


# ---------------------------------------------------------------------------------------------
# open
# ---------------------------------------------------------------------------------------------


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


def start_slow_capture(command: list[str] = FIXTURE_CONNECTOR) -> Connector:
    cfg = config(record_count=10_000, delay_seconds=0.05)
    connector = start_connector(
        command,
        [
            open_line(cfg, [binding("items", "incremental")]),
            request_line("acknowledge", {"checkpoints": 1}),  # tolerated
        ],
    )
    assert check_response(connector.readline()) == {"opened": {"explicitAcknowledgements": False}}
    assert "captured" in check_response(connector.readline())  # the tap is running
    return connector


def stopped_quickly(connector: Connector, stop: Callable[[], None]) -> Result:
    """What the capture wrote once ``stop()`` stopped it: it must exit within 5 s."""
    try:
        started = time.monotonic()
        stop()
        connector.proc.wait(timeout=5)
        assert time.monotonic() - started < 5
    finally:
        connector.kill()
        result = connector.finish(timeout=30)
    return result


def test_eof_on_stdin_stops_the_capture_quickly() -> None:
    connector = start_slow_capture()
    result = stopped_quickly(connector, connector.close_stdin)
    assert result.code == 0
    assert result.messages is not None  # every stdout line is a protocol line
    assert result.logs[-1]["msg"] == "capture stopped"
    assert result.logs[-1]["fields"]["reason"] == "stdin closed"


INPROCESS_CONNECTOR = [sys.executable, "-m", "tests.flow_fixtures.inprocess_connector"]


@pytest.mark.parametrize(
    "command", [FIXTURE_CONNECTOR, INPROCESS_CONNECTOR], ids=["tap", "in-process"]
)
def test_sigterm_stops_the_capture_quickly(command: list[str]) -> None:
    # In-process discovery builds a singer-sdk tap object, which installs its own SIGTERM
    # handler: the adapter's must still be the one that runs.
    connector = start_slow_capture(command)
    result = stopped_quickly(connector, lambda: connector.send_signal(signal.SIGTERM))
    assert result.code == 0
    assert result.logs[-1]["fields"]["reason"] == "SIGTERM"


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


def test_discovery_failure_is_one_clear_error() -> None:
    result = run_connector(request_line("discover", {"config": config(fail_discovery=True)}))
    assert result.code == 1
    assert result.stdout == b""
    assert result.final_error == (
        "the tap's discovery failed (exit code 1): RuntimeError: cannot list streams with key ***"
    )


def test_in_process_discovery_answers_like_the_tap() -> None:
    discover = request_line("discover", {"config": config(), "connectorType": "X"})
    by_tap = run_connector(discover)
    in_process = run_connector(discover, command=INPROCESS_CONNECTOR)
    assert in_process.code == by_tap.code == 0
    assert in_process.messages == by_tap.messages

    bindings = [binding("tags", "full_refresh"), binding("items", "incremental")]
    opened = open_line(config(deleted_ids=[2]), bindings, state={})
    assert run_connector(opened, command=INPROCESS_CONNECTOR).messages == (
        run_connector(opened).messages
    )


def test_in_process_discovery_failure_is_one_clear_error() -> None:
    result = run_connector(
        request_line("discover", {"config": config(fail_discovery=True)}),
        command=INPROCESS_CONNECTOR,
    )
    assert result.code == 1
    assert result.stdout == b""
    assert result.final_error == (
        "the tap's discovery failed: RuntimeError: cannot list streams with key ***"
    )


def test_tap_files_are_private_and_removed(tmp_path: Path) -> None:
    dump = tmp_path / "workspace.json"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_connector(
        open_line(config(workspace_dump_path=str(dump)), [binding("items", "incremental")]),
        env={"TMPDIR": str(scratch)},
    )
    assert result.code == 0, result.stderr
    modes = json.loads(dump.read_text())
    assert (modes["dir"], modes["catalog"]) == (0o700, 0o600)
    assert modes["config_is_a_pipe"], "the config (with the secret) must never be a file"
    assert Path(modes["dir_path"]).parent == scratch
    assert list(scratch.iterdir()) == []


def test_secret_never_appears_even_when_the_tap_logs_it() -> None:
    result = run_connector(open_line(config(), [binding("items", "incremental")]))
    assert result.code == 0
    # run_connector asserts the secret is absent; check the tap really tried to leak it.
    assert any(log["msg"] == "authenticating with key ***" for log in result.logs)


def test_log_level_filters_adapter_and_tap_logs() -> None:
    result = run_connector(
        open_line(config(), [binding("items", "incremental")]), env={"LOG_LEVEL": "warn"}
    )
    assert result.code == 0
    assert result.logs == []


# ---------------------------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------------------------


def test_json_pointers_are_escaped() -> None:
    assert mapping.json_pointer("a/b~c") == "/a~1b~0c"
    stream = mapping.CatalogStream(
        name="s",
        key=("a/b~c", "n"),
        incremental=False,
        schema={
            "type": ["object", "null"],
            "properties": {
                "a/b~c": {"type": ["string", "null"], "enum": ["x"]},
                "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "enum": {"type": "string", "format": "singer.decimal"},
                "obj": {"type": "object", "additionalProperties": False},
            },
        },
    )
    assert mapping.flow_key(stream) == ["/a~1b~0c", "/n"]
    schema = mapping.document_schema(stream)
    assert schema["type"] == "object"
    assert schema["properties"]["a/b~c"] == {"type": "string"}
    assert schema["properties"]["n"] == {"anyOf": [{"type": "integer"}]}
    assert schema["properties"]["enum"] == {"type": "string"}  # a property named enum survives
    assert schema["properties"]["obj"] == {"type": "object"}
    assert schema["required"] == ["a/b~c", "n", "_meta"]


def test_resolve_bindings_rejects_duplicates() -> None:
    streams = {"s": mapping.CatalogStream("s", ("id",), True, {})}
    configs = [
        {"stream": "s", "syncMode": "incremental"},
        {"stream": "s", "syncMode": "full_refresh"},
    ]
    with pytest.raises(BindingError, match="binding 1 \\(b\\): stream 's' is already bound"):
        mapping.resolve_bindings(configs, ["a", "b"], streams)


def test_select_streams_deselects_unbound_and_forces_full_table() -> None:
    catalog = {
        "streams": [
            {"tap_stream_id": "a", "replication_key": "u", "replication_method": "INCREMENTAL",
             "metadata": [{"breadcrumb": [],
                           "metadata": {"selected": True, "replication-key": "u"}}]},
            {"tap_stream_id": "b", "metadata": []},
        ]
    }  # fmt: skip
    selected = mapping.select_streams(catalog, {"a": "full_refresh"})
    a, b = selected["streams"]
    assert a["replication_method"] == "FULL_TABLE"
    assert "replication_key" not in a
    assert a["metadata"][0]["metadata"] == {
        "selected": True,
        "forced-replication-method": "FULL_TABLE",
    }
    assert b["metadata"] == [{"breadcrumb": [], "metadata": {"selected": False}}]
    assert catalog["streams"][0]["replication_key"] == "u"  # input untouched


def test_a_full_table_stream_that_supports_incremental_may_be_bound_either_way() -> None:
    entry = {
        "tap_stream_id": "lines",
        "replication_method": "FULL_TABLE",
        "key_properties": ["id"],
        "schema": {"type": "object"},
        "metadata": [
            {
                "breadcrumb": [],
                "metadata": {mapping.SUPPORTED_METHODS: ["FULL_TABLE", "INCREMENTAL"]},
            }
        ],
    }
    streams = mapping.parse_catalog({"streams": [entry, {**entry, "tap_stream_id": "plain"}]})
    streams["plain"] = mapping.CatalogStream("plain", ("id",), False, {})
    assert streams["lines"].default_sync_mode == mapping.FULL_REFRESH  # discovered as it is
    assert streams["lines"].sync_modes == mapping.SYNC_MODES
    assert streams["plain"].sync_modes == (mapping.FULL_REFRESH,)
    resolved = mapping.resolve_bindings(
        [{"stream": "lines", "syncMode": "incremental"}], ["acmeCo/lines"], streams
    )
    assert resolved == [("lines", "incremental")]
    selected = mapping.select_streams({"streams": [entry]}, dict(resolved))
    (root,) = selected["streams"][0]["metadata"]
    assert root["metadata"]["forced-replication-method"] == "INCREMENTAL"
    assert selected["streams"][0]["replication_method"] == "INCREMENTAL"


def test_parse_catalog_rejects_non_catalogs() -> None:
    with pytest.raises(TapError, match="not a Singer catalog"):
        mapping.parse_catalog([1])


def test_checkpoint_tracker_sends_only_changes() -> None:
    bindings = [StateBinding("a", "a.v2", True), StateBinding("b", "b", False)]
    tracker = CheckpointTracker(bindings, {"a": {"v": 1}})
    # a full-refresh binding keeps no bookmark
    assert tracker.update({"bookmarks": {"a": {"v": 1}, "b": {"replication_key_value": 9}}}) == {}
    assert tracker.update({"bookmarks": {"a": {"v": 2}}, "currently_syncing": "a"}) == {
        "bindingStateV1": {"a.v2": {"v": 2}}
    }
    assert tracker.update({"bookmarks": {"a": {"v": 2}}}) == {}
    with pytest.raises(TapError):
        tracker.update({"bookmarks": {"a": 3}})


def test_keys_a_tap_drops_from_a_bookmark_are_nulled_in_the_patch() -> None:
    tracker = CheckpointTracker([StateBinding("a", "a", True)], {})
    running = {"v": 1, "progress": {"note": "x", "v": 5}, "gone": [1]}
    done = {"v": 5, "progress": {"v": 6}}
    assert tracker.update({"bookmarks": {"a": running}}) == {"bindingStateV1": {"a": running}}
    patch = tracker.update({"bookmarks": {"a": done}})
    assert patch == {
        "bindingStateV1": {"a": {"v": 5, "progress": {"note": None, "v": 6}, "gone": None}}
    }
    # Flow's reduced state is then exactly the tap's last bookmark.
    checkpoint = {"checkpoint": {"state": {"updated": patch, "mergePatch": True}}}
    assert reduce_state([checkpoint], {"bindingStateV1": {"a": running}}) == {
        "bindingStateV1": {"a": done}
    }


def test_a_checkpoint_carries_the_accounts_that_changed_not_all_of_them() -> None:
    """A Connect platform's state maps thousands of accounts per stream: a checkpoint after one
    account's turn patches that account only, so no checkpoint grows with the platform."""
    tracker = CheckpointTracker([StateBinding("charges", "charges", True)], {})
    accounts = {f"acct_{n}": {"event_cursor": 100, "replication_key_value": n} for n in range(500)}
    first = {"bookmarks": {"charges": {"replication_key_value": 7, "accounts": accounts}}}
    tracker.update(first)
    later = copy.deepcopy(first)
    later["bookmarks"]["charges"]["accounts"]["acct_42"]["event_cursor"] = 200
    later["bookmarks"]["charges"]["accounts"]["acct_600"] = {"event_cursor": 300}
    del later["bookmarks"]["charges"]["accounts"]["acct_7"]
    patch = tracker.update(later)
    assert patch == {
        "bindingStateV1": {
            "charges": {
                "accounts": {
                    "acct_42": {"event_cursor": 200},
                    "acct_600": {"event_cursor": 300},
                    "acct_7": None,
                }
            }
        }
    }
    checkpoint = {"checkpoint": {"state": {"updated": patch, "mergePatch": True}}}
    before = {"bindingStateV1": {"charges": first["bookmarks"]["charges"]}}
    assert reduce_state([checkpoint], before) == {
        "bindingStateV1": {"charges": later["bookmarks"]["charges"]}
    }


def test_a_state_line_parses_to_the_same_value_with_repeated_objects_held_once() -> None:
    value = {
        "bookmarks": {
            "a": {"accounts": {f"acct_{n}": {"event_cursor": 100 + n % 2} for n in range(50)}},
            "b": {"list": [1, {"x": [2]}], "k": {"nested": {"v": 1}}, "empty": {}},
        }
    }
    line = json.dumps({"type": "STATE", "value": value}).encode()
    assert line.startswith(STATE_LINE_STARTS)
    parsed = loads_state(line)
    assert parsed == {"type": "STATE", "value": value}
    accounts = parsed["value"]["bookmarks"]["a"]["accounts"]
    assert len({id(state) for state in accounts.values()}) == 2


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ([1], "connector state must be a JSON object"),
        ({"bookmarks": {}}, "unexpected top-level keys ['bookmarks']"),
        ({"bindingStateV1": {"a": 5}}, "bindingStateV1['a'] must be a JSON object"),
    ],
)
def test_open_state_of_the_wrong_shape_is_rejected(state: Any, message: str) -> None:
    with pytest.raises(StateError) as info:
        tap_state_for_open(state, [StateBinding("a", "a", True)])
    assert message in str(info.value)


def test_open_state_rebuilds_bookmarks_per_state_key() -> None:
    bindings = [
        StateBinding("a", "a.v1", True),
        StateBinding("b", "b", True),
        StateBinding("c", "c", False),
    ]
    state = {"bindingStateV1": {"a": {"v": 1}, "b": {"v": 2}, "c": {"replication_key_value": 3}}}
    assert tap_state_for_open(state, bindings) == ({"bookmarks": {"b": {"v": 2}}}, ["a", "c"])
    assert tap_state_for_open(None, bindings) == ({"bookmarks": {}}, ["a", "b", "c"])


def test_a_full_refresh_binding_keeps_an_interrupted_runs_progress_but_no_bookmark() -> None:
    binding = StateBinding("c", "c", False)
    tracker = CheckpointTracker([binding], {})
    running = {"replication_key_value": 7, "backfill": {"remaining": [[1, 5]]}}
    assert tracker.update({"bookmarks": {"c": running}}) == {
        "bindingStateV1": {"c": {"backfill": {"remaining": [[1, 5]]}}}
    }
    saved = {"bindingStateV1": {"c": {"replication_key_value": 7, "backfill": {"x": 1}}}}
    assert tap_state_for_open(saved, [binding]) == (
        {"bookmarks": {"c": {"backfill": {"x": 1}}}},
        [],
    )
    # a finished run clears its progress: nothing left to start from
    assert tracker.update({"bookmarks": {"c": {"backfill": None}}}) == {
        "bindingStateV1": {"c": {"backfill": None}}
    }


def test_requests_are_parsed_leniently() -> None:
    request = parse_request(
        b'{"open":{"capture":{"bindings":[{"resourceConfig":{"stream":"s"},"future":1}]},'
        b'"redactSalt":"x"}}'
    )
    assert request.bindings[0].backfill == 0  # type: ignore[union-attr]
    assert request.state == {}  # type: ignore[union-attr]


def test_secrets_are_collected_from_schema_and_field_names() -> None:
    schema = {
        "properties": {
            "auth": {"oneOf": [{"properties": {"token": {"type": "string", "secret": True}}}]},
            "plain": {"type": "string"},
        }
    }
    cfg = {"auth": {"token": "t0k"}, "plain": "visible", "nested": {"password": "pw"}}
    assert collect_secrets(cfg, schema, ["password"]) == {"t0k", "pw"}


def test_log_relay_understands_text_logs_and_scrubs() -> None:
    stream = io.BytesIO()
    logger = Logger(stream, "debug")
    logger.scrubber.add(['se"cret'])
    relay = TapLogRelay(logger)
    relay.feed(b'2024-01-01 00:00:00,000 | WARNING  | tap-x.s    | careful with se"cret\n')
    relay.feed(b'{"level":"info","message":"json se\\"cret","logger_name":"x","ts":1.5}\n')
    relay.feed(b"Traceback (most recent call last):\n")
    relay.feed(b'  File "x.py", line 1, in <module>\n')
    relay.feed(b"ValueError: boom\n")
    relay.feed(b"plain line\n")
    logs = [check_log(line) for line in stream.getvalue().decode().splitlines()]
    assert [(log["level"], log["msg"]) for log in logs] == [
        ("warn", "careful with ***"),
        ("info", "json ***"),
        ("error", "ValueError: boom"),
        ("info", "plain line"),
    ]
    assert logs[0]["fields"] == {"source": "tap", "logger": "tap-x.s"}
    assert relay.last_error == "ValueError: boom"
    logger.final_error("the end")
    logger.error("not written")
    assert stream.getvalue().decode().splitlines()[-1].startswith('{"ts"')
    assert json.loads(stream.getvalue().decode().splitlines()[-1])["msg"] == "the end"


def test_error_context_is_not_repeated() -> None:
    from flow_adapter.runner import _prefixed  # noqa: PLC0415 - a private helper, tested alone

    assert _prefixed("invalid endpoint config", "x: bad") == "invalid endpoint config: x: bad"
    assert _prefixed("invalid endpoint config", "Invalid endpoint config: x") == (
        "Invalid endpoint config: x"
    )


def test_records_written_record_last_are_spliced_or_left_to_the_general_path() -> None:
    from flow_adapter.mapping import RecordSplicer  # noqa: PLC0415 - its contract, alone

    splice = RecordSplicer({"items": 0, "tags": 1}, [False, True])
    line = b'{"type":"RECORD","stream":"items","time_extracted":"2024-01-01T00:00:00Z",'
    spliced = splice(line + b'"record":{"id":"a","n":{"x":[1,2]}}}')
    assert spliced == (0, b'{"id":"a","n":{"x":[1,2]},"_meta":{"op":"u"}}')
    assert json.loads(spliced[1]) == {"id": "a", "n": {"x": [1, 2]}, "_meta": {"op": "u"}}
    general = [
        b'{"type":"RECORD","stream":"items","record":{"id":"a"},"version":1}',  # record not last
        b'{"type":"RECORD","stream":"items","record":{"id":"a","_sdc_deleted_at":"x"}}',
        b'{"type":"RECORD","stream":"items","record":{"id":"a","_meta":{"op":"c"}}}',
        b'{"type":"RECORD","stream":"items","record":{}}',
        b'{"type":"RECORD","stream":"tags","record":{"id":"a"}}',  # keyless: needs a row id
        b'{"type":"RECORD","stream":"other","record":{"id":"a"}}',  # no binding
        b'{"stream":"items","type":"RECORD","record":{"id":"a"}}',  # another key order
    ]
    assert [splice(g) for g in general] == [None] * len(general)
