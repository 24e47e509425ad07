"""Generate ``stripe_emulator/templates.json`` from Stripe's published OpenAPI files.

Reads ``../shared/stripe-openapi/fixtures3.json`` and ``spec3.2024-06-20.json`` (relative to
the repository root) and writes only what the emulator needs:

* ``templates``: one example object per emulated resource, conformed to the 2024-06-20 spec:
  every top-level property the spec documents for the component is present (``null`` when
  nullable, otherwise the fixture's value or a plausible placeholder); nested objects keep the
  fixture's keys that the spec documents (as Stripe omits non-applicable details); keys the
  spec does not document are dropped; nested list objects are emptied; expandable fields
  (``x-expansionResources``) hold the id string, as Stripe sends them unexpanded.
* ``list_params``: for each emulated list path, the names of the query parameters it accepts.
* ``required_params``: for each emulated list path, the required query parameters.
* ``param_kinds``: for each emulated list path, each query parameter's kind: ``boolean``,
  ``range`` (``created``-style ``[gt|gte|lt|lte]`` or an integer), ``array``,
  ``object:<keys>`` (deepObject with these comma-separated keys) or ``string``.
* ``param_enums``: for each emulated list path, the allowed values of enum parameters
  (``status`` on ``/v1/subscriptions``, ``/v1/invoices``, ``/v1/checkout/sessions``...).
* ``fields``: per component, ``required`` (always sent), ``nullable`` (may be null),
  ``expandable`` (``x-expansionResources``: field -> component names it expands to) and
  ``nested`` (fields always holding an emulated component, e.g. ``item.price``: an
  ``expand[]`` path may go through them).
* ``event_types``: every event type Stripe sends (the ``enabled_events`` enum of webhook
  endpoints, without ``*``).

The output is deterministic (sorted keys), so re-running it yields an identical file.
Usage: ``python scripts/generate_emulator_templates.py [--shared DIR] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts.template_conformer import Conformer, Json

API_VERSION = "2024-06-20"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "stripe-openapi"
DEFAULT_OUT = ROOT / "stripe_emulator" / "templates.json"

#: Components the emulator renders (its streams plus card, price and account).
COMPONENTS = (
    "account",
    "application_fee",
    "balance_transaction",
    "bank_account",
    "card",
    "charge",
    "checkout.session",
    "coupon",
    "credit_note",
    "credit_note_line_item",
    "customer",
    "customer_balance_transaction",
    "dispute",
    "event",
    "fee_refund",
    "file",
    "file_link",
    "identity.verification_report",
    "identity.verification_session",
    "invoice",
    "invoiceitem",
    "issuing.authorization",
    "issuing.card",
    "issuing.cardholder",
    "issuing.dispute",
    "issuing.transaction",
    "item",
    "line_item",
    "payment_intent",
    "payment_link",
    "payout",
    "plan",
    "price",
    "product",
    "promotion_code",
    "radar.value_list",
    "radar.value_list_item",
    "radar.early_fraud_warning",
    "refund",
    "reporting.report_run",
    "review",
    "setup_intent",
    "shipping_rate",
    "subscription",
    "subscription_item",
    "subscription_schedule",
    "tax_code",
    "tax_rate",
    "topup",
    "transfer",
    "transfer_reversal",
    "terminal.location",
    "terminal.reader",
    "terminal.configuration",
    "issuing.personalization_design",
    "issuing.physical_bundle",
    "climate.order",
    "financial_connections.account",
    "reporting.report_type",
    "scheduled_query_run",
    # Connect and Issuing tokens (issue #14: accounts, persons, capabilities, tokens)
    "capability",
    "issuing.token",
    "person",
    # Treasury (issue #14)
    "treasury.credit_reversal",
    "treasury.debit_reversal",
    "treasury.financial_account",
    "treasury.inbound_transfer",
    "treasury.outbound_payment",
    "treasury.outbound_transfer",
    "treasury.received_credit",
    "treasury.received_debit",
    "treasury.transaction",
    "treasury.transaction_entry",
    # billing, webhooks, tax and payment method settings (issue #14)
    "apple_pay_domain",
    "billing.alert",
    "billing.meter",
    "billing_portal.configuration",
    "entitlements.feature",
    "payment_method_configuration",
    "payment_method_domain",
    "quote",
    "tax.registration",
    "tax_id",
    "webhook_endpoint",
    "customer_cash_balance_transaction",
    "forwarding.request",
    "payment_method",
    "product_feature",
    "setup_attempt",
    "tax_id",
)

#: List paths the emulator serves (spec spelling of path parameters).
LIST_PATHS = (
    "/v1/balance_transactions",
    "/v1/charges",
    "/v1/checkout/sessions",
    "/v1/coupons",
    "/v1/customers",
    "/v1/disputes",
    "/v1/events",
    "/v1/invoiceitems",
    "/v1/invoices",
    "/v1/payment_intents",
    "/v1/payouts",
    "/v1/plans",
    "/v1/products",
    "/v1/promotion_codes",
    "/v1/refunds",
    "/v1/subscriptions",
    "/v1/transfers",
    "/v1/accounts",
    "/v1/application_fees",
    "/v1/credit_notes",
    "/v1/files",
    "/v1/file_links",
    "/v1/identity/verification_reports",
    "/v1/identity/verification_sessions",
    "/v1/issuing/authorizations",
    "/v1/issuing/cardholders",
    "/v1/issuing/cards",
    "/v1/issuing/disputes",
    "/v1/issuing/transactions",
    "/v1/radar/early_fraud_warnings",
    "/v1/radar/value_lists",
    "/v1/radar/value_list_items",
    "/v1/reporting/report_runs",
    "/v1/reviews",
    "/v1/setup_intents",
    "/v1/shipping_rates",
    "/v1/subscription_schedules",
    "/v1/tax_rates",
    "/v1/topups",
    "/v1/payment_links",
    "/v1/tax_codes",
    "/v1/invoices/{invoice}/lines",
    "/v1/subscription_items",
    "/v1/customers/{customer}/sources",
    "/v1/customers/{customer}/bank_accounts",
    "/v1/customers/{customer}/balance_transactions",
    "/v1/checkout/sessions/{session}/line_items",
    "/v1/credit_notes/{credit_note}/lines",
    "/v1/transfers/{id}/reversals",
    "/v1/application_fees/{id}/refunds",
    "/v1/prices",
    "/v1/setup_attempts",
    "/v1/customers/{customer}/payment_methods",
    "/v1/customers/{customer}/tax_ids",
    "/v1/customers/{customer}/cash_balance_transactions",
    "/v1/products/{product}/features",
    "/v1/forwarding/requests",
    "/v1/account",
    "/v1/terminal/locations",
    "/v1/terminal/readers",
    "/v1/terminal/configurations",
    "/v1/issuing/personalization_designs",
    "/v1/issuing/physical_bundles",
    "/v1/climate/orders",
    "/v1/financial_connections/accounts",
    "/v1/reporting/report_types",
    "/v1/sigma/scheduled_query_runs",
    "/v1/accounts/{account}/persons",
    "/v1/accounts/{account}/external_accounts",
    "/v1/accounts/{account}/capabilities",
    "/v1/issuing/tokens",
    # Treasury (issue #14): each list but the financial accounts' needs ``financial_account``
    "/v1/treasury/financial_accounts",
    "/v1/treasury/transactions",
    "/v1/treasury/transaction_entries",
    "/v1/treasury/received_credits",
    "/v1/treasury/received_debits",
    "/v1/treasury/inbound_transfers",
    "/v1/treasury/outbound_transfers",
    "/v1/treasury/outbound_payments",
    "/v1/treasury/credit_reversals",
    "/v1/treasury/debit_reversals",
    "/v1/quotes",
    "/v1/quotes/{quote}/line_items",
    "/v1/payment_links/{payment_link}/line_items",
    "/v1/webhook_endpoints",
    "/v1/billing_portal/configurations",
    "/v1/billing/meters",
    "/v1/billing/alerts",
    "/v1/tax_ids",
    "/v1/tax/registrations",
    "/v1/entitlements/features",
    "/v1/payment_method_configurations",
    "/v1/payment_method_domains",
    "/v1/apple_pay/domains",
)


def list_params(spec: Json) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return (accepted query parameter names, required ones) per emulated list path."""
    accepted: dict[str, list[str]] = {}
    required: dict[str, list[str]] = {}
    for path in LIST_PATHS:
        params = [p for p in spec["paths"][path]["get"].get("parameters", []) if p["in"] == "query"]
        accepted[path] = sorted(p["name"] for p in params)
        required[path] = sorted(p["name"] for p in params if p.get("required"))
    return accepted, required


def param_kinds(spec: Json) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, list[str]]]]:
    """Return (kind of each query parameter, enum values of enum parameters) per list path."""
    kinds: dict[str, dict[str, str]] = {}
    enums: dict[str, dict[str, list[str]]] = {}
    for path in LIST_PATHS:
        kinds[path], enums[path] = {}, {}
        for param in spec["paths"][path]["get"].get("parameters", []):
            if param["in"] != "query":
                continue
            name, schema = param["name"], param["schema"]
            options = schema.get("anyOf") or []
            if any(o.get("title") == "range_query_specs" for o in options):
                kind = "range"
            elif schema.get("type") in ("boolean", "array"):
                kind = schema["type"]
            elif schema.get("type") == "object":
                kind = "object:" + ",".join(sorted(schema.get("properties", {})))
            else:
                kind = "string"
            kinds[path][name] = kind
            if "enum" in schema:
                enums[path][name] = list(schema["enum"])
    return kinds, enums


def field_facts(schemas: Json) -> dict[str, dict[str, Json]]:
    """Return required / nullable / expandable / nested property names per component."""
    facts: dict[str, dict[str, Json]] = {}
    for name in COMPONENTS:
        props: dict[str, Json] = schemas[name]["properties"]
        expandable: dict[str, list[str]] = {}
        for field, sub in props.items():
            targets = sub.get("x-expansionResources", {}).get("oneOf", [])
            if targets:
                expandable[field] = sorted(t["$ref"].rsplit("/", 1)[-1] for t in targets)
        nested: dict[str, str] = {}
        for field, sub in props.items():
            refs = [o for o in sub.get("anyOf", [sub]) if "$ref" in o]
            target = refs[0]["$ref"].rsplit("/", 1)[-1] if len(refs) == 1 else None
            if field not in expandable and target in COMPONENTS:
                nested[field] = target
        facts[name] = {
            "expandable": expandable,
            "nested": nested,
            "nullable": sorted(f for f, sub in props.items() if sub.get("nullable")),
            "required": sorted(schemas[name].get("required", [])),
        }
    return facts


def event_types(spec: Json) -> list[str]:
    """Return the event types of the spec (``enabled_events`` of webhook endpoints)."""
    body = spec["paths"]["/v1/webhook_endpoints"]["post"]["requestBody"]
    props = body["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    return sorted(e for e in props["enabled_events"]["items"]["enum"] if e != "*")


def build(shared: Path) -> dict[str, Json]:
    """Return the template document built from the files in ``shared``."""
    spec = json.loads((shared / f"spec3.{API_VERSION}.json").read_text(encoding="utf-8"))
    fixtures = json.loads((shared / "fixtures3.json").read_text(encoding="utf-8"))["resources"]
    schemas = spec["components"]["schemas"]
    conformer = Conformer(schemas)
    templates = {name: conformer.conform(fixtures[name], schemas[name]) for name in COMPONENTS}
    accepted, required = list_params(spec)
    kinds, enums = param_kinds(spec)
    return {
        "api_version": API_VERSION,
        "event_types": event_types(spec),
        "fields": field_facts(schemas),
        "list_params": accepted,
        "param_enums": enums,
        "param_kinds": kinds,
        "required_params": required,
        "templates": templates,
    }


def main(argv: list[str] | None = None) -> int:
    """Write the template file; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.shared / "fixtures3.json").is_file():
        print(f"missing {args.shared}/fixtures3.json; see the shared README", file=sys.stderr)
        return 1
    document = build(args.shared)
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes, {len(document['templates'])} templates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
