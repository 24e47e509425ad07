"""What the stream schemas must say, written down independently of ``scripts/generate_schemas.py``
(the tests in ``tests/tap/test_schemas.py`` compare the committed schemas with it): the Stripe
component of each stream, the fields the tap adds, those Stripe includes only when expanded,
and helpers that read the committed schemas, Stripe's OpenAPI spec and its fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.paths import ROOT

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
    node: Mapping[str, Any] = spec_components()[component]
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
