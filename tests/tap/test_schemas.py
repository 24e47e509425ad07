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
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
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
from tests.support.paths import ROOT
from tests.support.tap import run_tap

REPO_ROOT = ROOT
SCHEMA_DIR = REPO_ROOT / "tap_stripe_flow" / "schemas"
GENERATOR = REPO_ROOT / "scripts" / "generate_schemas.py"
STRIPE_DIR = (REPO_ROOT / ".." / "shared" / "stripe-openapi").resolve()
SPEC_PATH = STRIPE_DIR / "spec3.2024-06-20.json"
FIXTURES_PATH = STRIPE_DIR / "fixtures3.json"

# The contract, written out independently of the generator.
STREAM_COMPONENTS = {
    "balance_transactions": "balance_transaction",
    "bank_accounts": "bank_account",
    "charges": "charge",
    "checkout_sessions": "checkout.session",
    "checkout_sessions_line_items": "item",
    "coupons": "coupon",
    "customer_balance_transactions": "customer_balance_transaction",
    "customers": "customer",
    "disputes": "dispute",
    "events": "event",
    "invoice_items": "invoiceitem",
    "invoice_line_items": "line_item",
    "invoices": "invoice",
    "payment_intents": "payment_intent",
    "payouts": "payout",
    "plans": "plan",
    "products": "product",
    "promotion_codes": "promotion_code",
    "refunds": "refund",
    "subscription_items": "subscription_item",
    "subscriptions": "subscription",
    "transfers": "transfer",
    # added after the seed's 22 (issue #14)
    "application_fees": "application_fee",
    "credit_notes": "credit_note",
    "early_fraud_warnings": "radar.early_fraud_warning",
    "file_links": "file_link",
    "files": "file",
    "reporting_report_runs": "reporting.report_run",
    "reviews": "review",
    "setup_intents": "setup_intent",
    "shipping_rates": "shipping_rate",
    "subscription_schedules": "subscription_schedule",
    "tax_rates": "tax_rate",
    "topups": "topup",
    "application_fee_refunds": "fee_refund",
    "credit_note_line_items": "credit_note_line_item",
    "transfer_reversals": "transfer_reversal",
    "value_list_items": "radar.value_list_item",
    # Connect, and Issuing cards' tokens (issue #14)
    "accounts": "account",
    "capabilities": "capability",
    "external_accounts": "external_account",
    "issuing_tokens": "issuing.token",
    "persons": "person",
    "value_lists": "radar.value_list",
    "identity_verification_reports": "identity.verification_report",
    "identity_verification_sessions": "identity.verification_session",
    "issuing_authorizations": "issuing.authorization",
    "issuing_cardholders": "issuing.cardholder",
    "issuing_cards": "issuing.card",
    "issuing_disputes": "issuing.dispute",
    "issuing_transactions": "issuing.transaction",
    "payment_links": "payment_link",
    "tax_codes": "tax_code",
    "terminal_locations": "terminal.location",
    "terminal_readers": "terminal.reader",
    "terminal_configurations": "terminal.configuration",
    "issuing_personalization_designs": "issuing.personalization_design",
    "issuing_physical_bundles": "issuing.physical_bundle",
    "climate_orders": "climate.order",
    "financial_connections_accounts": "financial_connections.account",
    "reporting_report_types": "reporting.report_type",
    "sigma_scheduled_query_runs": "scheduled_query_run",
    "treasury_credit_reversals": "treasury.credit_reversal",
    "treasury_debit_reversals": "treasury.debit_reversal",
    "treasury_financial_accounts": "treasury.financial_account",
    "treasury_inbound_transfers": "treasury.inbound_transfer",
    "treasury_outbound_payments": "treasury.outbound_payment",
    "treasury_outbound_transfers": "treasury.outbound_transfer",
    "treasury_received_credits": "treasury.received_credit",
    "treasury_received_debits": "treasury.received_debit",
    "treasury_transaction_entries": "treasury.transaction_entry",
    "treasury_transactions": "treasury.transaction",
    "apple_pay_domains": "apple_pay_domain",
    "billing_alerts": "billing.alert",
    "billing_meters": "billing.meter",
    "billing_portal_configurations": "billing_portal.configuration",
    "entitlements_features": "entitlements.feature",
    "payment_link_line_items": "item",
    "payment_method_configurations": "payment_method_configuration",
    "payment_method_domains": "payment_method_domain",
    "quote_line_items": "item",
    "quotes": "quote",
    "tax_ids": "tax_id",
    "tax_registrations": "tax.registration",
    "webhook_endpoints": "webhook_endpoint",
    "cards": "card",
    "customer_tax_ids": "tax_id",
    "payment_methods": "payment_method",
    "prices": "price",
    "setup_attempts": "setup_attempt",
    "customer_cash_balance_transactions": "customer_cash_balance_transaction",
    "forwarding_requests": "forwarding.request",
    "product_features": "product_feature",
}
TAP_ADDED = {
    "checkout_sessions_line_items": {"checkout_session", "checkout_session_created"},
    # Incremental child streams carry the deletion time of a child gone from its parent.
    "invoice_line_items": {"invoice", "_sdc_deleted_at"},
    "subscription_items": {"subscription", "_sdc_deleted_at"},
    "bank_accounts": {"_sdc_deleted_at"},
    "cards": {"_sdc_deleted_at"},
    "payment_methods": {"_sdc_deleted_at"},
    "customer_tax_ids": {"_sdc_deleted_at"},
    "product_features": {"product"},
    "credit_note_line_items": {"credit_note"},
    "quote_line_items": {"quote"},
    "payment_link_line_items": {"payment_link"},
    # Streams whose objects Stripe deletes carry the deletion time of change capture.
    **{s: {"_sdc_deleted_at"} for s in ("coupons", "customers", "invoice_items", "invoices")},
    **{s: {"_sdc_deleted_at"} for s in ("plans", "products", "prices")},
}
# Stripe's includable fields: left out of an object unless the request expands them, which no
# stream does for the records it emits (bank accounts and checkout line items expand their
# parent's list, not a field of their records). Written out from Stripe's API reference
# ("This field is not included by default"), which the 2024-06-20 spec does not say.
INCLUDED_ONLY_WHEN_EXPANDED = {
    "charges": {"refunds"},
    "checkout_sessions": {"line_items"},
    "checkout_sessions_line_items": {"discounts", "taxes"},
    "coupons": {"applies_to", "currency_options"},
    "customers": {
        "cash_balance",
        "invoice_credit_balance",
        "sources",
        "subscriptions",
        "tax",
        "tax_ids",
    },
    "plans": {"tiers"},
    "issuing_cards": {"cvc", "number"},
    "issuing_transactions": {"purchase_details"},
    "identity_verification_sessions": {"provided_details", "verified_outputs"},
    "payment_links": {"line_items"},
    "treasury_financial_accounts": {"features"},
    "treasury_transactions": {"entries", "flow_details"},
    "treasury_transaction_entries": {"flow_details"},
    "quotes": {"line_items"},
    "quote_line_items": {"discounts", "taxes"},
    # not includable, never sent in a list: an endpoint's secret comes only when it is created
    "webhook_endpoints": {"secret"},
    "payment_link_line_items": {"discounts", "taxes"},
    "prices": {"currency_options", "tiers"},
}
# Nested objects with includable fields of their own: (stream, path to the object, fields).
NESTED_INCLUDABLE = [
    *[
        (stream, ("price",), {"currency_options", "tiers"})
        for stream in (
            "checkout_sessions_line_items",
            "quote_line_items",
            "payment_link_line_items",
            "invoice_items",
            "invoice_line_items",
            "subscription_items",
        )
    ],
    ("promotion_codes", ("coupon",), {"applies_to", "currency_options"}),
    ("issuing_authorizations", ("card",), {"cvc", "number"}),
    *[
        (stream, ("discount", "coupon"), {"applies_to", "currency_options"})
        for stream in ("customers", "invoices", "subscriptions")
    ],
]
PARENT_KEYS = {
    "bank_accounts": "customer",
    "checkout_sessions_line_items": "checkout_session",
    "customer_balance_transactions": "customer",
    "invoice_line_items": "invoice",
    "subscription_items": "subscription",
    "value_list_items": "value_list",
    "application_fee_refunds": "fee",
    "credit_note_line_items": "credit_note",
    "transfer_reversals": "transfer",
    "capabilities": "account",
    "external_accounts": "account",
    "issuing_tokens": "card",
    "persons": "account",
    **{
        f"treasury_{name}": "financial_account"
        for name in (
            "credit_reversals",
            "debit_reversals",
            "inbound_transfers",
            "outbound_payments",
            "outbound_transfers",
            "received_credits",
            "received_debits",
            "transaction_entries",
            "transactions",
        )
    },
    "quote_line_items": "quote",
    "payment_link_line_items": "payment_link",
    "cards": "customer",
    "customer_tax_ids": "customer",
    "payment_methods": "customer",
    "setup_attempts": "setup_intent",
    "customer_cash_balance_transactions": "customer",
    "product_features": "product",
}
# (stream, expandable field, fixture resource the field would expand to): the tap never asks
# Stripe to expand a field of a record it emits, so each is the id string Stripe sends.
EXPANSIONS = [
    ("charges", "customer", "customer"),
    ("charges", "balance_transaction", "balance_transaction"),
    ("disputes", "charge", "charge"),
    ("invoices", "subscription", "subscription"),
    ("payment_intents", "latest_charge", "charge"),
    ("subscriptions", "latest_invoice", "invoice"),
    ("refunds", "charge", "charge"),
    ("customer_balance_transactions", "customer", "customer"),
    ("terminal_readers", "location", "terminal.location"),
    ("issuing_personalization_designs", "physical_bundle", "issuing.physical_bundle"),
    ("treasury_received_credits", "transaction", "treasury.transaction"),
    ("treasury_transaction_entries", "transaction", "treasury.transaction"),
]
MAX_FILE_BYTES = 200_000

needs_spec = pytest.mark.skipif(
    not SPEC_PATH.is_file(), reason=f"Stripe OpenAPI spec not found at {SPEC_PATH}"
)
needs_fixtures = pytest.mark.skipif(
    not FIXTURES_PATH.is_file(), reason=f"Stripe fixtures not found at {FIXTURES_PATH}"
)


def load_json(path: Path) -> Any:
    """Read one JSON file."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def stream_schema(stream: str) -> dict[str, Any]:
    """The committed schema of ``stream``."""
    schema: dict[str, Any] = load_json(SCHEMA_DIR / f"{stream}.json")
    return schema


@cache
def spec_components() -> dict[str, Any]:
    """``components.schemas`` of Stripe's OpenAPI description."""
    components: dict[str, Any] = load_json(SPEC_PATH)["components"]["schemas"]
    return components


@cache
def fixtures() -> dict[str, Any]:
    """Stripe's example object per resource name."""
    resources: dict[str, Any] = load_json(FIXTURES_PATH)["resources"]
    return resources


def walk(node: Any, path: str = "$") -> Iterator[tuple[str, str, Any]]:
    """Yield ``(path, key, value)`` for every key of every object nested in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def types_of(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a generated schema names."""
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` links in the spec."""
    while "$ref" in node:
        node = spec_components()[node["$ref"].removeprefix("#/components/schemas/")]
    return node


def component_node(component: str) -> Mapping[str, Any]:
    """A component of the spec; a polymorphic one (``external_account``: a bank account or a
    card) as one object: every variant's properties, required where every variant requires."""
    node = spec_components()[component]
    variants = [resolve(v) for v in node.get("anyOf", ())]
    if not variants:
        return node
    properties: dict[str, Any] = {}
    for variant in variants:
        for name, prop in variant["properties"].items():
            properties.setdefault(name, prop)
    required = set.intersection(*(set(v.get("required", ())) for v in variants))
    return {"properties": properties, "required": sorted(required)}


def spec_expandable_fields(component: str) -> list[str]:
    """Top-level properties Stripe documents as expandable: an id string or the object."""
    fields = []
    for name, node in component_node(component)["properties"].items():
        first, *rest = resolve(node).get("anyOf", [{}])
        if first.get("type") == "string" and rest and all("$ref" in v for v in rest):
            fields.append(name)
    return sorted(fields)


def one_column_type_problems(schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Nodes without a type, or naming two types besides null (no one column type fits)."""
    problems = []
    if "type" not in schema:
        problems.append(f"{path}: no type")
    elif len(types_of(schema) - {"null"}) > 1:
        problems.append(f"{path}: {schema['type']}")
    for name, child in schema.get("properties", {}).items():
        problems.extend(one_column_type_problems(child, f"{path}.{name}"))
    if "items" in schema:
        problems.extend(one_column_type_problems(schema["items"], f"{path}[]"))
    return problems


def validation_errors(schema: Mapping[str, Any], record: Any) -> list[str]:
    """Every jsonschema error of ``record``, as ``path: message``."""
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]


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
