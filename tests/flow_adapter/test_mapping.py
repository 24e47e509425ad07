"""`flow_adapter.mapping`, as pure functions: Singer catalogs to Flow keys, schemas and bindings,
the streams a capture selects, and records spliced into documents."""

from __future__ import annotations

import json

import pytest

from flow_adapter import mapping
from flow_adapter.errors import BindingError, TapError

pytestmark = pytest.mark.slow


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
