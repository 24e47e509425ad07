"""The unary requests (spec, discover, validate, apply) and malformed ones, sent to the fixture
connector as a process, the way the Flow runtime does; discovery by the tap and in-process.

The connector under test is `tests.flow_fixtures.connector`, wrapping a tiny offline singer-sdk
tap (`tests.flow_fixtures.fixture_tap`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from flow_adapter.protocol import parse_request
from tests.support.fixture_connector import config, open_line, run_connector
from tests.support.flow import INPROCESS_CONNECTOR, binding, request_line

pytestmark = pytest.mark.slow


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


def test_requests_are_parsed_leniently() -> None:
    request = parse_request(
        b'{"open":{"capture":{"bindings":[{"resourceConfig":{"stream":"s"},"future":1}]},'
        b'"redactSalt":"x"}}'
    )
    assert request.bindings[0].backfill == 0  # type: ignore[union-attr]
    assert request.state == {}  # type: ignore[union-attr]
