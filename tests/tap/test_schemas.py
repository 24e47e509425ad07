"""Tests of the generated stream schemas in ``tap_stripe_flow/schemas``.

Tests that compare with Stripe's OpenAPI description or its fixtures skip, saying why, when
``../shared/stripe-openapi`` is absent; the others only need the committed files.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from singer_sdk import Stream, Tap

from stripe_emulator import Emulator
from stripe_emulator.resources import OMITTED_FIELDS
from tap_stripe_flow.tap import TapStripeFlow
from tests.support.account_changes import as_ids, change_the_account, stripe_account
from tests.support.accounts import tap_config
from tests.support.schema_expectations import (
    EXPANSIONS,
    GENERATOR,
    INCLUDED_ONLY_WHEN_EXPANDED,
    MAX_FILE_BYTES,
    NESTED_INCLUDABLE,
    PARENT_KEYS,
    SCHEMA_DIR,
    SPEC_PATH,
    STREAM_COMPONENTS,
    TAP_ADDED,
    component_node,
    fixtures,
    needs_fixtures,
    needs_spec,
    one_column_type_problems,
    resolve,
    spec_expandable_fields,
    stream_schema,
    types_of,
    validation_errors,
    walk,
)
from tests.support.tap import run_tap


def test_schema_directory_holds_every_stream() -> None:
    """Exactly one schema per stream is committed (besides non-JSON files)."""
    assert {p.stem for p in SCHEMA_DIR.glob("*.json")} == set(STREAM_COMPONENTS)


@pytest.mark.parametrize("stream", sorted(STREAM_COMPONENTS))
def test_schema_is_object_with_required_string_id(stream: str) -> None:
    """Each schema is a valid object schema whose ``id`` is a required, non-null string."""
    schema = stream_schema(stream)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["required"] == ["id"]
    assert schema["properties"]["id"] == {"type": "string"}
    assert (SCHEMA_DIR / f"{stream}.json").stat().st_size < MAX_FILE_BYTES


@pytest.mark.parametrize("stream", sorted(STREAM_COMPONENTS))
def test_schema_has_no_forbidden_keywords(stream: str) -> None:
    """No enum, no additionalProperties false, no format but date-time, no x- keys."""
    problems = []
    for path, key, value in walk(stream_schema(stream)):
        if key == "properties":
            continue  # Keys of a properties map are field names, not keywords.
        if key == "enum" or key.startswith("x-"):
            problems.append(f"{path}.{key}")
        if key == "additionalProperties" and value is False:
            problems.append(f"{path}.{key}")
        if key == "format" and value != "date-time":
            problems.append(f"{path}.{key}={value}")
    assert problems == []


@pytest.mark.parametrize(("stream", "key"), sorted(PARENT_KEYS.items()))
def test_child_streams_carry_their_parent(stream: str, key: str) -> None:
    """Child records have their parent's id; checkout line items also the parent's created."""
    properties = stream_schema(stream)["properties"]
    assert "string" in types_of(properties[key])
    if stream == "checkout_sessions_line_items":
        assert properties["checkout_session_created"] == {"type": "integer"}


@needs_spec
@pytest.mark.parametrize(("stream", "component"), sorted(STREAM_COMPONENTS.items()))
def test_top_level_properties_match_stripe(stream: str, component: str) -> None:
    """Top-level properties are the documented ones Stripe sends (not the includable ones)
    plus the tap's additions, no more."""
    documented = set(component_node(component)["properties"])
    assert INCLUDED_ONLY_WHEN_EXPANDED.get(stream, set()) <= documented
    sent = documented - INCLUDED_ONLY_WHEN_EXPANDED.get(stream, set())
    expected = sent | TAP_ADDED.get(stream, set())
    assert set(stream_schema(stream)["properties"]) == expected


@pytest.mark.parametrize(("stream", "path", "fields"), NESTED_INCLUDABLE)
def test_includable_fields_are_left_out_at_any_depth(
    stream: str, path: tuple[str, ...], fields: set[str]
) -> None:
    """A nested price or coupon lists what Stripe sends of it: not its includable fields."""
    node = stream_schema(stream)
    for name in path:
        node = node["properties"][name]
    assert "properties" in node, f"{stream}.{'.'.join(path)} is inlined"
    assert fields.isdisjoint(node["properties"]), sorted(fields & set(node["properties"]))
    assert {"id", "object"} <= set(node["properties"])


def test_a_quotes_upfront_totals_leave_out_their_includable_line_items() -> None:
    """``quote.computed.upfront.line_items`` is sent only when expanded, as ``line_items``."""
    upfront = stream_schema("quotes")["properties"]["computed"]["properties"]["upfront"]
    assert set(upfront["properties"]) == {"amount_subtotal", "amount_total", "total_details"}


def test_the_emulator_sends_includable_fields_only_when_expanded() -> None:
    """The emulator, which every test trusts, leaves out the same fields as the schemas (the
    includable ones, and a webhook endpoint's secret), so its records carry none of them."""
    for stream, fields in INCLUDED_ONLY_WHEN_EXPANDED.items():
        assert set(OMITTED_FIELDS[STREAM_COMPONENTS[stream]]) == fields, stream


@needs_spec
def test_nullable_top_level_properties_accept_null() -> None:
    """Every property Stripe marks nullable accepts null."""
    missing = [
        f"{stream}.{name}"
        for stream, component in STREAM_COMPONENTS.items()
        for name, prop in component_node(component)["properties"].items()
        if prop.get("nullable")
        and name not in INCLUDED_ONLY_WHEN_EXPANDED.get(stream, set())
        and "null" not in types_of(stream_schema(stream)["properties"][name])
    ]
    assert missing == []


@needs_spec
def test_regeneration_is_identical() -> None:
    """Running the generator with --check finds no stale file."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check", "--spec", str(SPEC_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@needs_spec
def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    """--check exits 1 and names the file when one differs or is missing."""
    for path in SCHEMA_DIR.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "coupons.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "plans.json").unlink()
    result = subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--check",
            "--spec",
            str(SPEC_PATH),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "coupons.json" in result.stderr
    assert "plans.json" in result.stderr
    assert "charges.json" not in result.stderr


@needs_spec
@needs_fixtures
@pytest.mark.parametrize(("stream", "component"), sorted(STREAM_COMPONENTS.items()))
def test_fixture_validates(stream: str, component: str) -> None:
    """Stripe's example object validates, with every expandable field as an id (or null).

    Stripe's fixtures show a few nested expandable fields expanded to a stub object
    (``transfer_data.destination``: ``{"id": "obj_123", ...}``); its API sends the id.
    """
    schema = stream_schema(stream)
    record = as_ids(dict(fixtures()[component]), schema)
    assert validation_errors(schema, record) == []
    for field in spec_expandable_fields(component):
        assert validation_errors(schema, {**record, field: "xx_123"}) == [], field


@needs_spec
@pytest.mark.parametrize(("stream", "component"), sorted(STREAM_COMPONENTS.items()))
def test_expandable_fields_are_the_id_strings_stripe_sends(stream: str, component: str) -> None:
    """An expandable field is a string column (null when Stripe marks it so): no stream asks
    Stripe to expand a field of the records it emits."""
    properties = stream_schema(stream)["properties"]
    for field in spec_expandable_fields(component):
        assert types_of(properties[field]) - {"null"} == {"string"}, field
        nullable = "null" in types_of(properties[field])
        assert nullable == (
            bool(resolve(component_node(component)["properties"][field]).get("nullable"))
            or field not in component_node(component).get("required", [])
        ), field


@needs_fixtures
@pytest.mark.parametrize(("stream", "field", "resource"), EXPANSIONS)
def test_expanded_object_is_not_what_the_schema_says(
    stream: str, field: str, resource: str
) -> None:
    """The id string validates; the expanded resource, which the tap never sends, does not."""
    schema = stream_schema(stream)
    record = as_ids(dict(fixtures()[STREAM_COMPONENTS[stream]]), schema)
    expanded = fixtures()[resource]
    assert validation_errors(schema, {**record, field: expanded["id"]}) == []
    assert validation_errors(schema, {**record, field: expanded}) != []


def test_every_emitted_schema_maps_each_field_to_one_column_type() -> None:
    """Every property of every stream's schema, at any depth, names one type besides null.

    A strict target maps each JSON Schema type to one column type: ``["string", "object"]``
    made target-duckdb and pipelinewise-target-postgres create a JSON column and fail on the
    first id string. Checked on the catalog the tap discovers, which is what its SCHEMA
    messages carry.
    """
    tap = TapStripeFlow(config=tap_config("http://127.0.0.1:9"), parse_env_config=False)
    catalog = tap.catalog_dict["streams"]
    assert len(catalog) == len(STREAM_COMPONENTS)
    problems = {
        entry["tap_stream_id"]: found
        for entry in catalog
        if (found := one_column_type_problems(entry["schema"]))
    }
    assert problems == {}


def test_records_validate_against_their_schemas(tmp_path: Path) -> None:
    """Every record a first run and a change-capture run emit validates against its stream's
    schema (so no emitted record carries an expanded field where the schema says id), and
    none carries an includable field, which the schemas leave out."""
    account = stripe_account()
    with Emulator(account) as emulator:
        config = tap_config(emulator.url)
        first = run_tap(config)
        finished = int(time.time())
        account.clock = lambda: finished - 60  # inside the second run's window of events
        change_the_account(account)
        second = run_tap(config, state=first.final_state)
    errors: list[str] = []
    for run in (first, second):
        assert set(run.records) == set(STREAM_COMPONENTS)
        for stream, records in run.records.items():
            validator = jsonschema.Draft202012Validator(stream_schema(stream))
            for record in records:
                hidden = INCLUDED_ONLY_WHEN_EXPANDED.get(stream, set()) & set(record)
                if hidden:
                    errors.append(f"{stream} {record['id']}: includable {sorted(hidden)}")
                errors.extend(
                    f"{stream} {record['id']} {list(e.absolute_path)}: {e.message[:120]}"
                    for e in validator.iter_errors(record)
                )
    assert errors == []
    assert any(r.get("_sdc_deleted_at") for r in second.records["coupons"]), "read from events"


def singer_sync(stream_name: str, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sync ``records`` through a one-stream singer-sdk tap; return the RECORD payloads."""
    schema = stream_schema(stream_name)
    rows = list(records)

    class _Stream(Stream):
        name = stream_name

        def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
            yield from rows

    class _Tap(Tap):
        name = "tap-schema-check"
        config_jsonschema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}

        def discover_streams(self) -> list[Stream]:
            return [_Stream(self, schema=schema)]

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        _Tap(config={}).sync_all()
    messages = [json.loads(line) for line in output.getvalue().splitlines()]
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def test_singer_sdk_keeps_ids_nulls_and_objects_without_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """singer-sdk conforms an id string, a null and a nested object unchanged, silently."""
    records: list[dict[str, Any]] = [
        {"id": "ch_1", "amount": 100, "customer": "cus_1", "metadata": {"k": "v"}},
        {"id": "ch_2", "amount": 100, "customer": None, "metadata": {}},
        {"id": "ch_3", "customer": None, "balance_transaction": "txn_1", "shipping": None},
        {"id": "ch_4", "billing_details": {"address": {"city": "Paris"}, "name": "J"}},
    ]
    with caplog.at_level(logging.WARNING):
        synced = singer_sync("charges", records)
    assert synced == records
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
