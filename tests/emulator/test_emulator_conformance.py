"""Every object the emulator serves is exactly as Stripe documents it (API 2024-06-20).

Top-level lists, child lists, embedded and expanded lists, expanded fields, retrieves, event
payloads and error bodies validate against their component schema in Stripe's OpenAPI spec
with no property the spec does not define (``additionalProperties: false`` on every object
schema), nullability as the spec says, and includable fields only when expanded. Needs
``../shared/stripe-openapi`` beside the repository; skipped without.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator
from stripe_emulator.generate_payments import payment_method_details
from stripe_emulator.resources import INCLUDABLE, TOP_LEVEL
from stripe_emulator.templates import api_version, event_types
from tests.support import emulator_fixtures
from tests.support.emulator_http import TOP_PATHS, get, walk
from tests.support.stripe_spec import assert_conforms

account = emulator_fixtures.account  # the module's fixtures: one account, emulator and session
emu = emulator_fixtures.emu
http = emulator_fixtures.http

Json = Any


def _no_includables(obj: Json, allowed: frozenset[str] = frozenset()) -> None:
    hidden = set(INCLUDABLE.get(obj["object"], ())) - allowed
    assert not hidden & set(obj), (obj["object"], obj["id"], hidden & set(obj))
    for nested in ("price", "plan"):
        inner = obj.get(nested)
        if isinstance(inner, dict):
            _no_includables(inner)


# ---------------------------------------------------------------------------- every object
def test_the_schema_check_itself_rejects_extra_and_null_fields(account: Account) -> None:
    charge = account.objects("charge")[0]
    assert_conforms(charge)
    with pytest.raises(AssertionError, match="Additional properties"):
        assert_conforms({**charge, "total_count": 1})
    with pytest.raises(AssertionError):
        assert_conforms({**charge, "radar_options": None})  # optional but not nullable
    with pytest.raises(AssertionError):
        assert_conforms({k: v for k, v in charge.items() if k != "amount"})  # required
    customer = account.objects("customer")[0]
    with pytest.raises(AssertionError):
        assert_conforms({**charge, "customer": customer})  # not expanded: an id
    assert_conforms({**charge, "customer": customer}, expanded=frozenset({"customer"}))
    invoice = account.objects("invoice")[0]
    with pytest.raises(AssertionError):
        assert_conforms({**invoice, "lines": {**invoice["lines"], "total_count": 3}})


def test_every_served_object_conforms_to_the_spec(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    seen: dict[str, int] = {}

    def check(obj: Json, where: str, allowed: frozenset[str] = frozenset()) -> None:
        assert_conforms(obj, where=where, expanded=allowed)
        _no_includables(obj, allowed)
        seen[obj["object"]] = seen.get(obj["object"], 0) + 1

    tops: dict[str, list[Json]] = {}
    for object_type, path in TOP_PATHS.items():
        params = {"status": "all"} if object_type == "subscription" else {}
        tops[object_type] = walk(http, emu, path, **params)
        assert tops[object_type], object_type
        for obj in tops[object_type]:
            check(obj, path)
    for event in tops["event"]:
        assert event["api_version"] == api_version()
        assert event["type"] in event_types()
        inner = event["data"]["object"]
        check(inner, f"event {event['id']} data.object")

    for invoice in tops["invoice"]:
        for line in walk(http, emu, f"/v1/invoices/{invoice['id']}/lines"):
            check(line, "invoice lines")
    for sub in tops["subscription"]:
        for item in walk(http, emu, "/v1/subscription_items", subscription=sub["id"]):
            check(item, "subscription items")
    for cus in tops["customer"]:
        base = f"/v1/customers/{cus['id']}"
        for source in walk(http, emu, f"{base}/sources"):
            check(source, "sources")
        for bank in walk(http, emu, f"{base}/bank_accounts"):
            check(bank, "bank accounts")
        for txn in walk(http, emu, f"{base}/balance_transactions"):
            check(txn, "customer balance transactions")
        for method in walk(http, emu, f"{base}/payment_methods"):
            check(method, "payment methods")
            assert method["customer"] == cus["id"]
            kinds = set(method) & payment_method_details()
            assert kinds == {method["type"]}, "only its own type's details"
        for tax_id in walk(http, emu, f"{base}/tax_ids"):
            check(tax_id, "tax ids")
        for cash in walk(http, emu, f"{base}/cash_balance_transactions"):
            check(cash, "cash balance transactions")
            details = {k for k, v in cash.items() if isinstance(v, dict)}
            assert details <= {cash["type"]}, "only its own kind's details"
    for product in tops["product"]:
        for feature in walk(http, emu, f"/v1/products/{product['id']}/features"):
            check(feature, "product features")
    for intent in tops["setup_intent"]:
        attempts = walk(http, emu, "/v1/setup_attempts", setup_intent=intent["id"])
        for attempt in attempts:
            check(attempt, "setup attempts")
            assert attempt["setup_intent"] == intent["id"]
        if attempts:  # the list filters on ``created``
            after = {"setup_intent": intent["id"], "created[gt]": attempts[0]["created"]}
            assert walk(http, emu, "/v1/setup_attempts", **after) == []
            within = {"setup_intent": intent["id"], "created[lte]": attempts[0]["created"]}
            assert walk(http, emu, "/v1/setup_attempts", **within) == attempts
    inactive = walk(http, emu, "/v1/prices", active="false")
    assert inactive, "some prices are archived"
    assert not {p["id"] for p in inactive} & {p["id"] for p in tops["price"]}
    for price in inactive:
        assert price["active"] is False
        check(price, "inactive prices")
    for session in tops["checkout.session"]:
        for item in walk(http, emu, f"/v1/checkout/sessions/{session['id']}/line_items"):
            check(item, "checkout line items")
    for note in tops["credit_note"]:
        for line in walk(http, emu, f"/v1/credit_notes/{note['id']}/lines"):
            check(line, "credit note lines")
    for transfer in tops["transfer"]:
        for reversal in walk(http, emu, f"/v1/transfers/{transfer['id']}/reversals"):
            check(reversal, "transfer reversals")
    for fee in tops["application_fee"]:
        for refund in walk(http, emu, f"/v1/application_fees/{fee['id']}/refunds"):
            check(refund, "application fee refunds")
    for value_list in tops["radar.value_list"]:
        for item in walk(http, emu, "/v1/radar/value_list_items", value_list=value_list["id"]):
            check(item, "value list items")
    for acct in tops["account"]:
        base = f"/v1/accounts/{acct['id']}"
        for person in walk(http, emu, f"{base}/persons"):
            check(person, "persons")
        for external in walk(http, emu, f"{base}/external_accounts"):
            check(external, "external accounts")
        caps = get(http, emu, f"{base}/capabilities").json()
        assert set(caps) == {"object", "data", "has_more", "url"}
        for cap in caps["data"]:
            check(cap, "capabilities")
        assert ("external_accounts" in acct) == (acct["type"] != "standard")
    for card in tops["issuing.card"]:
        for token in walk(http, emu, "/v1/issuing/tokens", card=card["id"]):
            check(token, "issuing tokens")
    quote_items = 0
    for quote in tops["quote"]:
        items = walk(http, emu, f"/v1/quotes/{quote['id']}/line_items")
        assert [i["id"] for i in items] == [i["id"] for i in account.children("item", quote["id"])]
        quote_items += len(items)
        for item in items:
            check(item, "quote line items")
    assert quote_items, "no quote has line items"
    for link in tops["payment_link"]:
        for item in walk(http, emu, f"/v1/payment_links/{link['id']}/line_items"):
            check(item, "payment link line items")
    embedded = {  # parent type -> (field, child type): Stripe embeds the first 10 children
        "credit_note": ("lines", "credit_note_line_item", "/v1/credit_notes/{}/lines"),
        "transfer": ("reversals", "transfer_reversal", "/v1/transfers/{}/reversals"),
        "application_fee": ("refunds", "fee_refund", "/v1/application_fees/{}/refunds"),
        "radar.value_list": (
            "list_items",
            "radar.value_list_item",
            "/v1/radar/value_list_items?value_list={}",
        ),
    }
    for parent_type, (field, child_type, url) in embedded.items():
        cut = [p for p in tops[parent_type] if p[field]["has_more"]]
        assert cut, f"no {parent_type} has more than 10 {field}"
        for parent in tops[parent_type]:
            children = account.children(child_type, parent["id"])
            assert [c["id"] for c in parent[field]["data"]] == [c["id"] for c in children[:10]]
            assert parent[field]["has_more"] == (len(children) > 10)
            assert parent[field]["url"] == url.format(parent["id"])

    # includable fields and lists, and expandable ids, when expanded
    expansions = {
        "/v1/customers": (
            "sources",
            "subscriptions",
            "tax_ids",
            "cash_balance",
            "invoice_credit_balance",
            "tax",
        ),
        "/v1/checkout/sessions": ("line_items", "customer", "payment_intent"),
        "/v1/coupons": ("applies_to", "currency_options"),
        "/v1/plans": ("tiers", "product"),
        "/v1/charges": ("refunds", "customer", "balance_transaction", "payment_intent"),
        "/v1/invoices": ("customer", "subscription", "charge"),
        "/v1/subscriptions": ("customer", "latest_invoice"),
        "/v1/refunds": ("charge",),
        "/v1/prices": ("tiers", "currency_options", "product"),
    }
    for path, names in expansions.items():
        wanted: dict[str, Any] = {"expand[]": [f"data.{n}" for n in names]}
        if path == "/v1/subscriptions":
            wanted["status"] = "all"
        objects = walk(http, emu, path, **wanted)
        for obj in objects:
            check(obj, f"{path} expanded", frozenset(names))
            for name in names:
                assert name in obj or name in ("cash_balance",), (path, name)
        expanded = [o for o in objects for n in names if isinstance(o.get(n), dict)]
        assert expanded, path
    for path, name in (
        ("/v1/customers", "sources"),
        ("/v1/checkout/sessions", "line_items"),
        ("/v1/quotes", "line_items"),
        ("/v1/payment_links", "line_items"),
        ("/v1/customers", "tax_ids"),
    ):
        withlist = walk(http, emu, path, **{"expand[]": f"data.{name}"})
        assert any(o[name]["has_more"] for o in withlist), (path, name)
        for obj in withlist:
            assert set(obj[name]) == {"object", "data", "has_more", "url"}
            for item in obj[name]["data"]:
                check(item, f"{path} embedded {name}")

    # retrieves render what lists render, for every top-level type
    for object_type, objects in tops.items():
        for obj in objects[:4]:
            resp = get(http, emu, f"{TOP_PATHS[object_type]}/{obj['id']}")
            assert resp.status_code == 200, (object_type, resp.text)
            assert resp.json() == obj
            check(resp.json(), "retrieve")
    cus = tops["customer"][0]
    expanded = get(http, emu, f"/v1/customers/{cus['id']}", **{"expand[]": "sources"}).json()
    check(expanded, "retrieve expanded", frozenset({"sources"}))
    assert expanded["sources"]["object"] == "list"

    for object_type in (*TOP_LEVEL, "line_item", "subscription_item", "item"):
        assert seen.get(object_type), f"nothing of {object_type} was checked"
    for object_type in (
        "radar.value_list_item",
        "credit_note_line_item",
        "transfer_reversal",
        "fee_refund",
        "person",
        "capability",
        "issuing.token",
        "payment_method",
        "tax_id",
        "setup_attempt",
        "customer_cash_balance_transaction",
        "product_feature",
    ):
        assert seen.get(object_type), f"nothing of {object_type} was checked"
    assert seen.get("card")
    assert seen.get("bank_account")
    assert {s["status"] for s in tops["subscription"]} >= {
        "active",
        "canceled",
        "incomplete",
        "incomplete_expired",
        "past_due",
        "paused",
        "trialing",
        "unpaid",
    }


def test_account_and_error_bodies_conform(http: requests.Session, emu: Emulator) -> None:
    assert_conforms(get(http, emu, "/v1/account").json())
    bad_key = requests.get(emu.url + "/v1/charges", timeout=10)
    responses = [
        bad_key,
        get(http, emu, "/v1/charges", starting_after="ch_nope"),
        get(http, emu, "/v1/charges", foo="1"),
        get(http, emu, "/v1/charges", limit="x"),
        get(http, emu, "/v1/subscription_items"),
        get(http, emu, "/v1/invoices", status="all"),
        get(http, emu, "/v1/charges", **{"expand[]": "data.nope"}),
        get(http, emu, "/v1/charges/ch_nope"),
        get(http, emu, "/v1/nothing"),
        http.get(emu.url + "/v1/charges", headers={"Stripe-Version": "x"}, timeout=10),
        http.get(emu.url + "/v1/charges", headers={"Stripe-Account": "acct_x"}, timeout=10),
    ]
    for resp in responses:
        assert resp.status_code >= 400
        assert_conforms(resp.json(), "error", where=resp.url)


def test_invoice_items_carry_date_not_created(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    items = walk(http, emu, "/v1/invoiceitems")
    assert items
    assert all("created" not in i and "plan" not in i and "date" in i for i in items)
    dates = [i["date"] for i in items]
    assert dates == sorted(dates, reverse=True)
    pivot = dates[len(dates) // 2]
    after = walk(http, emu, "/v1/invoiceitems", **{"created[gte]": pivot})
    assert [i["id"] for i in after] == [i["id"] for i in items if i["date"] >= pivot]
