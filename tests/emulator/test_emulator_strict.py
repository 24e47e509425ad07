"""The emulator is exactly as strict as Stripe (API 2024-06-20).

Two halves:
* Every object the emulator serves (top-level lists, child lists, embedded and expanded
  lists, expanded fields, retrieves, event payloads) validates against its component schema
  in Stripe's OpenAPI spec with no property the spec does not define (``additionalProperties:
  false`` on every object schema), nullability as the spec says, and includable fields only
  when expanded. Needs ``../shared/stripe-openapi`` beside the repository; skipped without.
* One test per strictness rule: 404 cursors and parents, ``Stripe-Version`` 400, ``expand[]``
  400, enum filters, ``types[]``, event retention, same-second order, deleted stubs,
  documented filters, events in another API version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.__main__ import build_parser
from stripe_emulator.account import tiebreak
from stripe_emulator.generate_payments import payment_method_details
from stripe_emulator.resources import INCLUDABLE, TOP_LEVEL
from stripe_emulator.templates import api_version, event_types
from tests.support import emulator_fixtures
from tests.support.accounts import DAY
from tests.support.emulator_fixtures import END, END_TS, KEY, START
from tests.support.emulator_http import TOP_PATHS, error_of, get, walk
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


def test_mutations_record_only_event_types_stripe_has() -> None:
    acct = build_account(objects=200, seed=15, start=START, end=END)
    acct.clock = lambda: END_TS

    def newest_type() -> str:
        event: dict[str, Json] = max(acct.objects("event"), key=lambda e: e["created"])
        return str(event["type"])

    count = acct.count("event")
    acct.update("invoiceitem", acct.objects("invoiceitem")[0]["id"], description="x")
    acct.update("balance_transaction", acct.objects("balance_transaction")[0]["id"], fee=1)
    assert acct.count("event") == count  # neither has an updated event
    acct.clock = lambda: END_TS + 1
    pi = acct.objects("payment_intent")[0]["id"]
    acct.update("payment_intent", pi, status="canceled")
    assert newest_type() == "payment_intent.canceled"
    acct.clock = lambda: END_TS + 2
    acct.update("checkout.session", acct.objects("checkout.session")[0]["id"], status="expired")
    assert newest_type() == "checkout.session.expired"
    acct.clock = lambda: END_TS + 3
    acct.update("customer", acct.objects("customer")[0]["id"], name="y")
    assert newest_type() == "customer.updated"


def test_no_balance_transaction_events_and_only_spec_event_types(account: Account) -> None:
    types = {e["type"] for e in account.objects("event")}
    assert types <= event_types()
    assert not any(t.startswith("balance_transaction.") for t in types)
    with pytest.raises(ValueError, match="no event type"):
        account.record_event("balance_transaction.created", {"id": "txn_x"}, store=False)


# ---------------------------------------------------------------------------- 404s
def test_unknown_or_deleted_cursor_is_404(http: requests.Session) -> None:
    acct = build_account(objects=200, seed=8, start=START, end=END)
    acct.clock = lambda: END_TS
    with Emulator(acct) as emu:
        for param in ("starting_after", "ending_before"):
            error = error_of(get(http, emu, "/v1/charges", **{param: "ch_nope"}), 404)
            assert error == {
                "code": "resource_missing",
                "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                "message": "No such charge: 'ch_nope'",
                "param": param,
                "type": "invalid_request_error",
            }
        coupon = acct.objects("coupon")[1]
        acct.delete("coupon", coupon["id"])
        error = error_of(get(http, emu, "/v1/coupons", starting_after=coupon["id"]), 404)
        assert error["message"] == f"No such coupon: '{coupon['id']}'"
        assert error["code"] == "resource_missing"
        # a cursor of another type is no object of this list either
        cus = acct.objects("customer")[0]["id"]
        error = error_of(get(http, emu, "/v1/charges", starting_after=cus), 404)
        assert error["param"] == "starting_after"
        cus_id = acct.objects("customer")[0]["id"]
        resp = get(http, emu, f"/v1/customers/{cus_id}/sources", starting_after="card_nope")
        assert error_of(resp, 404)["message"] == "No such source: 'card_nope'"
        # child lists: a cursor that is not one of this parent's children
        invoices = [i for i in acct.objects("invoice") if i["lines"]["data"]]
        other_line = invoices[1]["lines"]["data"][0]["id"]
        resp = get(http, emu, f"/v1/invoices/{invoices[0]['id']}/lines", starting_after=other_line)
        assert error_of(resp, 404)["code"] == "resource_missing"
        session = acct.objects("checkout.session")[0]["id"]
        paths = (f"/v1/checkout/sessions/{session}/line_items", "/v1/subscription_items")
        for path in paths:
            sub = acct.objects("subscription")[0]["id"]
            extra = {"subscription": sub} if path == "/v1/subscription_items" else {}
            resp = get(http, emu, path, starting_after="li_missing", **extra)
            assert error_of(resp, 404)["param"] == "starting_after"


def test_child_list_of_a_missing_or_deleted_parent_is_404(http: requests.Session) -> None:
    acct = build_account(objects=200, seed=9, start=START, end=END)
    acct.clock = lambda: END_TS
    with Emulator(acct) as emu:
        cus = acct.objects("customer")[0]["id"]
        acct.delete("customer", cus)
        for tail in (
            "balance_transactions",
            "sources",
            "bank_accounts",
            "payment_methods",
            "tax_ids",
            "cash_balance_transactions",
        ):
            error = error_of(get(http, emu, f"/v1/customers/{cus}/{tail}"), 404)
            assert error["message"] == f"No such customer: '{cus}'"
            assert error["code"] == "resource_missing"
        invoice = acct.objects("invoice")[0]["id"]
        acct.delete("invoice", invoice)
        error = error_of(get(http, emu, f"/v1/invoices/{invoice}/lines"), 404)
        assert error["message"] == f"No such invoice: '{invoice}'"
        resp = get(http, emu, "/v1/checkout/sessions/cs_test_missing/line_items")
        assert error_of(resp, 404)["message"] == "No such checkout.session: 'cs_test_missing'"
        product = acct.objects("product")[0]["id"]
        acct.delete("product", product)
        error = error_of(get(http, emu, f"/v1/products/{product}/features"), 404)
        assert error["message"] == f"No such product: '{product}'"
        error = error_of(get(http, emu, "/v1/setup_attempts"), 400)
        assert (error["code"], error["param"]) == ("parameter_missing", "setup_intent")
        error = error_of(get(http, emu, "/v1/setup_attempts", setup_intent="seti_gone"), 404)
        assert error["message"] == "No such setup_intent: 'seti_gone'"
        error = error_of(get(http, emu, "/v1/subscription_items", subscription="sub_gone"), 404)
        assert error == {
            "code": "resource_missing",
            "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
            "message": "No such subscription: 'sub_gone'",
            "param": "subscription",
            "type": "invalid_request_error",
        }


def test_only_customers_leave_a_deleted_stub(http: requests.Session) -> None:
    acct = build_account(objects=200, seed=10, start=START, end=END)
    acct.clock = lambda: END_TS
    with Emulator(acct) as emu:
        cus = acct.objects("customer")[0]["id"]
        acct.delete("customer", cus)
        resp = get(http, emu, f"/v1/customers/{cus}")
        assert resp.status_code == 200
        assert resp.json() == {"id": cus, "object": "customer", "deleted": True}
        for object_type in ("coupon", "product", "plan", "invoice", "invoiceitem"):
            oid = acct.objects(object_type)[0]["id"]
            acct.delete(object_type, oid)
            error = error_of(get(http, emu, f"{TOP_PATHS[object_type]}/{oid}"), 404)
            assert error["code"] == "resource_missing"
            assert error["message"] == f"No such {object_type}: '{oid}'"
        sub = next(s for s in acct.objects("subscription") if s["status"] == "active")
        acct.delete("subscription", sub["id"])  # cancels: still retrievable
        assert get(http, emu, f"/v1/subscriptions/{sub['id']}").json()["status"] == "canceled"


def test_children_are_retrievable_by_id(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    owners = {c["id"] for c in account.objects("customer")}
    for object_type, tail in (
        ("card", "sources"),
        ("bank_account", "sources"),
        ("bank_account", "bank_accounts"),
        ("card", "cards"),
        ("customer_balance_transaction", "balance_transactions"),
    ):
        child = account.objects(object_type)[0]
        owner = child["customer"]
        assert owner in owners
        path = f"/v1/customers/{owner}/{tail}/{child['id']}"
        assert get(http, emu, path).json() == child, path
        other = next(o for o in owners if o != owner)
        resp = get(http, emu, f"/v1/customers/{other}/{tail}/{child['id']}")
        assert error_of(resp, 404)["code"] == "resource_missing"
    card = account.objects("card")[0]
    resp = get(http, emu, f"/v1/customers/{card['customer']}/bank_accounts/{card['id']}")
    assert error_of(resp, 404)["message"] == f"No such bank_account: '{card['id']}'"
    resp = get(http, emu, f"/v1/customers/cus_gone/sources/{card['id']}")
    assert error_of(resp, 404)["message"] == "No such customer: 'cus_gone'"
    item = account.objects("subscription_item")[0]
    assert get(http, emu, f"/v1/subscription_items/{item['id']}").json() == item
    error = error_of(get(http, emu, "/v1/subscription_items/si_nope"), 404)
    assert error["message"] == "No such subscription_item: 'si_nope'"


def test_retrieve_works_for_every_top_level_type(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    for object_type, path in TOP_PATHS.items():
        obj = account.objects(object_type)[-1]
        assert get(http, emu, f"{path}/{obj['id']}").json() == obj, object_type
        assert error_of(get(http, emu, f"{path}/nope_x"), 404)["code"] == "resource_missing"


# ---------------------------------------------------------------------------- headers, params
@pytest.mark.parametrize(
    "version", ["2024-6-20", "latest", "2024-13-01", "2024-02-30", "2024-06-20.", "20240620", ""]
)
def test_malformed_stripe_version_is_400(emu: Emulator, version: str) -> None:
    resp = requests.get(
        emu.url + "/v1/charges",
        headers={"Authorization": f"Bearer {KEY}", "Stripe-Version": version},
        timeout=10,
    )
    error = error_of(resp, 400)
    assert error["code"] == "api_version_invalid"
    assert error["message"] == f"Invalid Stripe API version: {version}"


@pytest.mark.parametrize("version", ["2024-06-20", "2024-09-30.acacia", "2023-10-16", None])
def test_well_formed_stripe_versions_are_accepted(emu: Emulator, version: str | None) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    if version is not None:
        headers["Stripe-Version"] = version
    assert requests.get(emu.url + "/v1/charges", headers=headers, timeout=10).status_code == 200


def test_expand_is_validated_and_honoured(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    for path, name in (
        ("/v1/charges", "data.nope"),
        ("/v1/charges", "data.amount"),
        ("/v1/customers", "data.address"),
        ("/v1/invoices/{invoice}/lines", "data.sources"),
        ("/v1/checkout/sessions", "data.line_items.data.nope"),
        ("/v1/customers", "data.sources.nope"),
    ):
        url = path.replace("{invoice}", account.objects("invoice")[0]["id"])
        error = error_of(get(http, emu, url, **{"expand[]": name}), 400)
        assert error["message"] == f"This property cannot be expanded ({name}).", name
    error = error_of(get(http, emu, "/v1/charges", **{"expand[]": "customer"}), 400)
    assert error["message"].startswith("This property cannot be expanded (customer).")
    assert "data.customer" in error["message"]
    charge = account.objects("charge")[0]
    resp = get(http, emu, f"/v1/charges/{charge['id']}", **{"expand[]": "data.customer"})
    assert error_of(resp, 400)["message"] == "This property cannot be expanded (data.customer)."
    # honoured: an expandable id, a deeper valid path, an includable field
    with_customer = next(c for c in account.objects("charge") if c["customer"])
    resp = get(http, emu, f"/v1/charges/{with_customer['id']}", **{"expand[]": "customer"})
    assert resp.json()["customer"]["id"] == with_customer["customer"]
    for deep in ("data.line_items.data.price.product", "data.customer.default_source"):
        assert get(http, emu, "/v1/checkout/sessions", **{"expand[]": deep}).status_code == 200
    assert get(http, emu, "/v1/charges", **{"expand[]": "data.invoice.customer"}).ok
    resp = get(http, emu, "/v1/checkout/sessions", **{"expand[]": "data.line_items.data.price"})
    assert error_of(resp, 400)["message"] == (
        "This property cannot be expanded (data.line_items.data.price)."
    )
    plans = get(http, emu, "/v1/plans", **{"expand[]": "data.tiers"}).json()["data"]
    assert all("tiers" in p for p in plans)
    assert all("tiers" not in p for p in get(http, emu, "/v1/plans").json()["data"])
    assert get(http, emu, "/v1/charges", **{"expand[]": "data"}).status_code == 200


def test_status_all_is_valid_on_subscriptions_only(http: requests.Session, emu: Emulator) -> None:
    assert get(http, emu, "/v1/subscriptions", status="all").status_code == 200
    cases = {
        "/v1/invoices": "draft, open, paid, uncollectible, or void",
        "/v1/checkout/sessions": "complete, expired, or open",
        "/v1/payouts": "canceled, failed, in_transit, paid, or pending",
    }
    for path, values in cases.items():
        error = error_of(get(http, emu, path, status="all"), 400)
        assert error["message"] == f"Invalid status: must be one of {values}"
        assert error["param"] == "status"
    error = error_of(get(http, emu, "/v1/subscriptions", status="nope"), 400)
    assert error["message"].startswith("Invalid status: must be one of active, all, canceled")
    # status is no parameter of most lists at all
    assert error_of(get(http, emu, "/v1/charges", status="all"), 400)["code"] == (
        "parameter_unknown"
    )


def test_event_types_filter_limits(http: requests.Session, emu: Emulator, account: Account) -> None:
    types = sorted(event_types())
    error = error_of(get(http, emu, "/v1/events", **{"types[]": types[:21]}), 400)
    assert error["param"] == "types"
    assert get(http, emu, "/v1/events", **{"types[]": types[:20]}).status_code == 200
    resp = get(http, emu, "/v1/events", type="charge.succeeded", **{"types[]": ["charge.failed"]})
    error = error_of(resp, 400)
    assert error["code"] == "parameters_exclusive"
    wanted = ["customer.created", "charge.failed"]
    got = walk(http, emu, "/v1/events", **{"types[]": wanted})
    assert got
    assert {e["type"] for e in got} <= set(wanted)
    assert len(got) == sum(1 for e in account.objects("event") if e["type"] in wanted)


def test_documented_filters_are_applied(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    def ids(path: str, **params: Any) -> list[str]:
        return [o["id"] for o in walk(http, emu, path, **params)]

    txns = account.objects("balance_transaction")
    assert ids("/v1/balance_transactions", type="payout") == [
        t["id"] for t in txns if t["type"] == "payout"
    ]
    payout = account.objects("payout")[0]
    assert ids("/v1/balance_transactions", payout=payout["id"]) == [payout["balance_transaction"]]
    items = account.objects("invoiceitem")
    assert ids("/v1/invoiceitems", pending="true") == [i["id"] for i in items if not i["invoice"]]
    assert ids("/v1/invoiceitems", pending="false") == [i["id"] for i in items if i["invoice"]]
    assert error_of(get(http, emu, "/v1/invoiceitems", pending="yes"), 400)["param"] == "pending"
    invoices = account.objects("invoice")
    assert ids("/v1/invoices", status="paid") == [
        i["id"] for i in invoices if i["status"] == "paid"
    ]
    sessions = account.objects("checkout.session")
    assert ids("/v1/checkout/sessions", status="open") == [
        s["id"] for s in sessions if s["status"] == "open"
    ]
    products = account.objects("product")
    assert ids("/v1/products", active="false") == [p["id"] for p in products if not p["active"]]
    picked = [products[0]["id"], products[2]["id"]]
    assert ids("/v1/products", **{"ids[]": picked}) == picked
    payouts = account.objects("payout")
    pivot = payouts[len(payouts) // 2]["arrival_date"]
    assert ids("/v1/payouts", **{"arrival_date[gte]": pivot}) == [
        p["id"] for p in payouts if p["arrival_date"] >= pivot
    ]
    subs = account.objects("subscription")
    assert ids("/v1/subscriptions", status="ended") == [
        s["id"] for s in subs if s["status"] in ("canceled", "incomplete_expired")
    ]
    assert ids("/v1/subscriptions") == [s["id"] for s in subs if s["status"] != "canceled"]
    price = account.children("subscription_item", subs[0]["id"])[0]["price"]["id"]
    with_price = ids("/v1/subscriptions", price=price, status="all")
    assert subs[0]["id"] in with_price
    for sub_id in with_price:
        assert price in {i["price"]["id"] for i in account.children("subscription_item", sub_id)}
    cus = next(c for c in account.objects("charge") if c["customer"])["customer"]
    assert ids("/v1/charges", customer=cus) == [
        c["id"] for c in account.objects("charge") if c["customer"] == cus
    ]
    assert ids("/v1/events", type="customer.*") == [
        e["id"] for e in account.objects("event") if e["type"].startswith("customer.")
    ]
    email = account.objects("customer")[0]["email"]
    assert ids("/v1/customers", email=email) == [account.objects("customer")[0]["id"]]
    assert ids("/v1/checkout/sessions", **{"customer_details[email]": "x@y.z"}) == []
    resp = get(http, emu, "/v1/checkout/sessions", **{"customer_details[name]": "x"})
    assert error_of(resp, 400)["message"] == "Received unknown parameter: customer_details[name]"
    promo = account.objects("promotion_code")[0]
    assert ids("/v1/promotion_codes", code=promo["code"]) == [promo["id"]]
    assert ids("/v1/promotion_codes", coupon=promo["coupon"]["id"]) == [
        p["id"]
        for p in account.objects("promotion_code")
        if p["coupon"]["id"] == promo["coupon"]["id"]
    ]


def test_filters_of_the_lists_added_after_the_seed(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    def ids(path: str, **params: Any) -> list[str]:
        return [o["id"] for o in walk(http, emu, path, **params)]

    reviews = account.objects("review")
    assert {r["open"] for r in reviews} == {True, False}
    assert ids("/v1/reviews") == [r["id"] for r in reviews if r["open"]]  # open ones only
    rates = account.objects("shipping_rate")
    assert ids("/v1/shipping_rates", currency="usd") == [r["id"] for r in rates]
    assert ids("/v1/shipping_rates", currency="eur") == []
    schedules = account.objects("subscription_schedule")
    assert ids("/v1/subscription_schedules", scheduled="true") == [
        s["id"] for s in schedules if s["status"] == "not_started"
    ]
    note = account.objects("credit_note")[0]
    assert note["id"] in ids("/v1/credit_notes", invoice=note["invoice"])
    assert ids("/v1/topups", status="failed") == [
        t["id"] for t in account.objects("topup") if t["status"] == "failed"
    ]
    link = account.objects("file_link")[0]
    assert link["id"] in ids("/v1/file_links", file=link["file"])
    assert ids("/v1/file_links", expired="true") == [
        x["id"] for x in account.objects("file_link") if x["expired"]
    ]
    assert ids("/v1/files", purpose="dispute_evidence") == [
        f["id"] for f in account.objects("file") if f["purpose"] == "dispute_evidence"
    ]
    lists = account.objects("radar.value_list")
    big = next(v for v in lists if v["list_items"]["has_more"])  # one has 12 items
    assert len(big["list_items"]["data"]) == 10
    items = walk(http, emu, "/v1/radar/value_list_items", value_list=big["id"])
    assert [i["id"] for i in items] == [
        i["id"] for i in account.children("radar.value_list_item", big["id"])
    ]
    assert [i["created"] for i in items] == sorted((i["created"] for i in items), reverse=True)
    assert ids("/v1/radar/value_lists", contains=items[0]["value"]) == [big["id"]]
    error = error_of(get(http, emu, "/v1/radar/value_list_items"), 400)
    assert error["param"] == "value_list"
    resp = get(http, emu, "/v1/radar/value_list_items", value_list="rsl_nope")
    assert error_of(resp, 404)["code"] == "resource_missing"
    resp = get(http, emu, "/v1/reviews", status="open")
    assert error_of(resp, 400)["message"] == "Received unknown parameter: status"


def test_billing_lists_filters_statuses_and_parents(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    def ids(path: str, **params: Any) -> list[str]:
        return [o["id"] for o in walk(http, emu, path, **params)]

    statuses = {
        "quote": ("status", {"draft", "open", "accepted", "canceled"}),
        "webhook_endpoint": ("status", {"enabled", "disabled"}),
        "billing.meter": ("status", {"active", "inactive"}),
        "tax.registration": ("status", {"active", "scheduled", "expired"}),
        "billing_portal.configuration": ("active", {True, False}),
        "payment_method_domain": ("enabled", {True, False}),
    }
    for object_type, (field, values) in statuses.items():
        assert {o[field] for o in account.objects(object_type)} == values, object_type
    tax_ids = account.objects("tax_id")
    assert {t["verification"]["status"] for t in tax_ids} >= {"verified", "pending"}
    quotes = account.objects("quote")
    assert ids("/v1/quotes", status="draft") == [q["id"] for q in quotes if q["status"] == "draft"]
    assert ids("/v1/quotes") == [q["id"] for q in quotes]  # every status by default
    big = next(q for q in quotes if len(account.children("item", q["id"])) > 10)
    expanded = get(http, emu, f"/v1/quotes/{big['id']}", **{"expand[]": "line_items"}).json()
    assert expanded["line_items"]["has_more"]
    assert expanded["line_items"]["url"] == f"/v1/quotes/{big['id']}/line_items"
    assert "line_items" not in get(http, emu, f"/v1/quotes/{big['id']}").json()
    resp = get(http, emu, "/v1/quotes/qt_nope/line_items")
    assert error_of(resp, 404)["message"] == "No such quote: 'qt_nope'"
    assert ids("/v1/tax_ids") == [t["id"] for t in tax_ids]  # the account's own ("self")
    assert ids("/v1/tax_ids", **{"owner[type]": "customer", "owner[customer]": "cus_x"}) == []
    registrations = account.objects("tax.registration")
    assert ids("/v1/tax/registrations", status="all") == [r["id"] for r in registrations]
    assert ids("/v1/tax/registrations", status="expired") == [
        r["id"] for r in registrations if r["status"] == "expired"
    ]
    assert ids("/v1/billing/meters", status="inactive") == [
        m["id"] for m in account.objects("billing.meter") if m["status"] == "inactive"
    ]
    assert all("secret" not in w for w in walk(http, emu, "/v1/webhook_endpoints"))
    features = account.objects("entitlements.feature")
    assert {f["active"] for f in features} == {True, False}
    assert ids("/v1/entitlements/features", archived="true") == [
        f["id"] for f in features if not f["active"]
    ]
    alerts = account.objects("billing.alert")
    assert {a["status"] for a in alerts} == {"active", "inactive", "archived"}
    meter = alerts[0]["usage_threshold_config"]["meter"]
    assert ids("/v1/billing/alerts", meter=meter) == [
        a["id"] for a in alerts if a["usage_threshold_config"]["meter"] == meter
    ]
    links = account.objects("payment_link")
    big_link = next(p for p in links if len(account.children("item", p["id"])) > 10)
    items = walk(http, emu, f"/v1/payment_links/{big_link['id']}/line_items")
    assert [i["id"] for i in items] == [i["id"] for i in account.children("item", big_link["id"])]
    listed = walk(http, emu, "/v1/payment_links", **{"expand[]": "data.line_items"})
    assert all(p["line_items"]["url"] == f"/v1/payment_links/{p['id']}/line_items" for p in listed)
    resp = get(http, emu, "/v1/payment_links/plink_nope/line_items")
    assert error_of(resp, 404)["message"] == "No such payment_link: 'plink_nope'"
    for path in ("/v1/quotes", "/v1/webhook_endpoints", "/v1/apple_pay/domains"):
        resp = get(http, emu, path, **{"created[gte]": "0"})
        assert error_of(resp, 400)["message"] == "Received unknown parameter: created"


def test_tax_ids_lists_the_accounts_own_unless_owner_says_otherwise(http: requests.Session) -> None:
    acct = build_account(objects=200, seed=9, start=START, end=END)
    acct.clock = lambda: END_TS
    own = [t["id"] for t in acct.objects("tax_id")]
    cus = acct.objects("customer")[0]["id"]
    theirs = acct.create("tax_id", customer=cus, owner={"type": "customer", "customer": cus})
    with Emulator(acct) as emu:
        assert [t["id"] for t in walk(http, emu, "/v1/tax_ids")] == own
        owned = walk(
            http, emu, "/v1/tax_ids", **{"owner[type]": "customer", "owner[customer]": cus}
        )
        assert [t["id"] for t in owned] == [theirs["id"]]
        resp = get(http, emu, "/v1/tax_ids", **{"owner[nope]": "x"})
        assert error_of(resp, 400)["message"] == "Received unknown parameter: owner[nope]"


# ---------------------------------------------------------------------------- events
def test_events_are_kept_30_days(http: requests.Session) -> None:
    acct = build_account(objects=300, seed=12, start=START, end=END)
    assert acct.event_retention_days == 30
    acct.clock = lambda: END_TS
    everything = sorted(int(o["created"]) for o in _all_events(acct))
    cutoff = END_TS - 30 * DAY
    with Emulator(acct) as emu:
        listed = walk(http, emu, "/v1/events")
        assert listed
        assert all(e["created"] >= cutoff for e in listed)
        assert len(listed) == sum(1 for c in everything if c >= cutoff)
        assert listed == acct.objects("event")
        old = min(_all_events(acct), key=lambda e: e["created"])
        assert old["created"] < cutoff
        assert error_of(get(http, emu, f"/v1/events/{old['id']}"), 404)["code"] == (
            "resource_missing"
        )
        assert error_of(get(http, emu, "/v1/events", starting_after=old["id"]), 404)
        acct.clock = lambda: int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
        assert get(http, emu, "/v1/events").json()["data"] == []  # all older than 30 days
        acct.event_retention_days = None
        assert len(walk(http, emu, "/v1/events")) == len(everything)
    kept = build_account(objects=300, seed=12, start=START, end=END, event_retention_days=None)
    assert len(kept.objects("event")) == len(everything)


def _all_events(acct: Account) -> list[Json]:
    kept = acct.event_retention_days
    acct.event_retention_days = None
    try:
        return acct.objects("event")
    finally:
        acct.event_retention_days = kept


def test_events_in_another_api_version_render_the_older_shape(http: requests.Session) -> None:
    acct = build_account(objects=200, seed=13, start=START, end=END)
    ticks = iter(range(END_TS, END_TS + 1000))
    acct.clock = lambda: next(ticks)
    with Emulator(acct) as emu:
        cus = acct.objects("customer")[0]
        acct.update("customer", cus["id"], name="pinned")
        acct.event_api_version = "2023-10-16"
        acct.update("customer", cus["id"], name="older")
        acct.event_api_version = api_version()
        acct.record_event(
            "customer.updated", acct.get("customer", cus["id"]), api_version="2022-11-15"
        )
        events = walk(http, emu, "/v1/events", type="customer.updated")
        by_version = {e["api_version"]: e for e in events}
        assert set(by_version) == {"2024-06-20", "2023-10-16", "2022-11-15"}
        assert "metadata" in by_version["2024-06-20"]["data"]["object"]
        assert_conforms(by_version["2024-06-20"]["data"]["object"])
        for older in ("2023-10-16", "2022-11-15"):
            shape = by_version[older]["data"]["object"]
            assert "metadata" not in shape
            assert shape["id"] == cus["id"]
        assert by_version["2023-10-16"]["data"]["object"]["name"] == "older"
        retrieved = get(http, emu, f"/v1/customers/{cus['id']}").json()
        assert "metadata" in retrieved
        assert_conforms(retrieved)


# ---------------------------------------------------------------------------- order
def test_same_second_order_is_not_insertion_order_and_pages_visit_each_once(
    http: requests.Session,
) -> None:
    acct = build_account(objects=200, seed=14, start=START, end=END)
    acct.clock = lambda: END_TS + 100
    made = [acct.create("customer", name=f"tie {i}")["id"] for i in range(12)]
    with Emulator(acct) as emu:
        listed = [c["id"] for c in walk(http, emu, "/v1/customers", **{"created[gte]": END_TS})]
        assert sorted(listed) == sorted(made)
        assert listed not in (made, made[::-1])
        assert listed == sorted(made, key=tiebreak)
        one_by_one = [c["id"] for c in walk(http, emu, "/v1/customers", limit=1)]
        assert len(one_by_one) == len(set(one_by_one)) == acct.count("customer")
        back = [one_by_one[-1]]
        while True:  # and back again from the oldest by ending_before
            body = get(http, emu, "/v1/customers", limit=5, ending_before=back[0]).json()
            back = [c["id"] for c in body["data"]] + back
            if not body["has_more"]:
                break
        assert back == one_by_one


def test_cli_event_retention_flag() -> None:
    assert build_parser().parse_args([]).event_retention_days == 30
    assert build_parser().parse_args(["--event-retention-days", "0"]).event_retention_days == 0
