"""The emulator's lists over real HTTP: pages newest first with each object once, the default
limit, ``created`` filters, ``ending_before``, parameter errors, retrieves, the subscription
status default, equality filters, and child lists embedded (cut at 10) and continued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator
from stripe_emulator.account import matches
from stripe_emulator.resources import HIDDEN_BY_DEFAULT, time_field
from tests.support import seeded_emulator
from tests.support.emulator_http import get, list_all

account = seeded_emulator.account  # the module's fixtures: the seeded account, its emulator
emu = seeded_emulator.emu  # and a session per test
http = seeded_emulator.http

TOP_PATHS = {
    "balance_transaction": "/v1/balance_transactions",
    "charge": "/v1/charges",
    "checkout.session": "/v1/checkout/sessions",
    "coupon": "/v1/coupons",
    "customer": "/v1/customers",
    "dispute": "/v1/disputes",
    "event": "/v1/events",
    "invoiceitem": "/v1/invoiceitems",
    "invoice": "/v1/invoices",
    "payment_intent": "/v1/payment_intents",
    "payout": "/v1/payouts",
    "plan": "/v1/plans",
    "product": "/v1/products",
    "promotion_code": "/v1/promotion_codes",
    "refund": "/v1/refunds",
    "subscription": "/v1/subscriptions",
    "transfer": "/v1/transfers",
    "application_fee": "/v1/application_fees",
    "credit_note": "/v1/credit_notes",
    "file": "/v1/files",
    "file_link": "/v1/file_links",
    "radar.early_fraud_warning": "/v1/radar/early_fraud_warnings",
    "reporting.report_run": "/v1/reporting/report_runs",
    "review": "/v1/reviews",
    "setup_intent": "/v1/setup_intents",
    "shipping_rate": "/v1/shipping_rates",
    "subscription_schedule": "/v1/subscription_schedules",
    "tax_rate": "/v1/tax_rates",
    "topup": "/v1/topups",
    "identity.verification_report": "/v1/identity/verification_reports",
    "identity.verification_session": "/v1/identity/verification_sessions",
    "issuing.authorization": "/v1/issuing/authorizations",
    "issuing.card": "/v1/issuing/cards",
    "issuing.cardholder": "/v1/issuing/cardholders",
    "issuing.dispute": "/v1/issuing/disputes",
    "issuing.transaction": "/v1/issuing/transactions",
}


# ---------------------------------------------------------------------------- lists
@pytest.mark.parametrize("object_type", sorted(TOP_PATHS))
def test_pagination_returns_each_object_once_newest_first(
    http: requests.Session, emu: Emulator, account: Account, object_type: str
) -> None:
    params: dict[str, Any] = {"limit": 7}
    if object_type == "subscription":
        params["status"] = "all"
    got = list_all(http, emu, TOP_PATHS[object_type], **params)
    ids = [o["id"] for o in got]
    hidden = HIDDEN_BY_DEFAULT.get(object_type, ())
    assert ids == [
        o["id"] for o in account.objects(object_type) if not (hidden and matches(o, hidden))
    ]
    assert len(ids) == len(set(ids))
    created = [o[time_field(object_type)] for o in got]
    assert created == sorted(created, reverse=True)


def test_default_limit_and_url(http: requests.Session, emu: Emulator) -> None:
    body = get(http, emu, "/v1/charges").json()
    assert len(body["data"]) == 10
    assert body["url"] == "/v1/charges"
    assert body["has_more"] is True


def test_created_filters(http: requests.Session, emu: Emulator, account: Account) -> None:
    charges = account.objects("charge")
    pivot_hi = charges[10]["created"]
    pivot_lo = charges[40]["created"]
    cases: list[tuple[dict[str, int], Callable[[int], bool]]] = [
        ({"created[gte]": pivot_lo}, lambda c: c >= pivot_lo),
        ({"created[gt]": pivot_lo}, lambda c: c > pivot_lo),
        ({"created[lt]": pivot_hi}, lambda c: c < pivot_hi),
        ({"created[lte]": pivot_hi}, lambda c: c <= pivot_hi),
        ({"created[gte]": pivot_lo, "created[lt]": pivot_hi}, lambda c: pivot_lo <= c < pivot_hi),
        ({"created": pivot_hi}, lambda c: c == pivot_hi),
    ]
    for params, keep in cases:
        got = [o["id"] for o in list_all(http, emu, "/v1/charges", limit=9, **params)]
        assert got == [o["id"] for o in charges if keep(o["created"])], params


def test_ending_before_walks_back(http: requests.Session, emu: Emulator, account: Account) -> None:
    ids = [o["id"] for o in account.objects("charge")]
    body = get(http, emu, "/v1/charges", limit=5, ending_before=ids[12]).json()
    assert [o["id"] for o in body["data"]] == ids[7:12]
    assert body["has_more"] is True
    body = get(http, emu, "/v1/charges", limit=5, ending_before=ids[3]).json()
    assert [o["id"] for o in body["data"]] == ids[0:3]
    assert body["has_more"] is False
    body = get(http, emu, "/v1/charges", limit=5, starting_after=ids[12]).json()
    assert [o["id"] for o in body["data"]] == ids[13:18]


def test_param_errors(http: requests.Session, emu: Emulator) -> None:
    for limit, word in ((0, "greater"), (101, "less")):
        resp = get(http, emu, "/v1/charges", limit=limit)
        assert resp.status_code == 400
        assert word in resp.json()["error"]["message"]
        assert resp.json()["error"]["param"] == "limit"
    assert get(http, emu, "/v1/charges", limit="x").status_code == 400
    resp = get(http, emu, "/v1/charges", foo="1")
    assert resp.status_code == 400
    assert resp.json() == {
        "error": {
            "code": "parameter_unknown",
            "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown",
            "message": "Received unknown parameter: foo",
            "param": "foo",
            "type": "invalid_request_error",
        }
    }
    assert get(http, emu, "/v1/invoices/in_x/lines", **{"created[gte]": 1}).status_code in {
        400,
        404,
    }
    assert get(http, emu, "/v1/charges", **{"created[foo]": 1}).status_code == 400
    resp = get(http, emu, "/v1/charges", starting_after="ch_nope")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "resource_missing"
    assert resp.json()["error"]["param"] == "starting_after"
    resp = get(http, emu, "/v1/subscription_items")
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "Missing required param: subscription."
    assert get(http, emu, "/v1/nothing").status_code == 404
    assert get(http, emu, "/v1/charges/ch_missing").status_code == 404


def test_retrieve_and_account(http: requests.Session, emu: Emulator, account: Account) -> None:
    charge = account.objects("charge")[3]
    assert get(http, emu, f"/v1/charges/{charge['id']}").json() == charge
    session = account.objects("checkout.session")[0]
    assert get(http, emu, f"/v1/checkout/sessions/{session['id']}").json()["id"] == session["id"]
    body = get(http, emu, "/v1/account").json()
    assert body["id"] == account.id
    assert body["object"] == "account"


def test_subscription_status_default_hides_canceled(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    everything = account.objects("subscription")
    assert any(s["status"] == "canceled" for s in everything)
    default = list_all(http, emu, "/v1/subscriptions", limit=100)
    assert [s["id"] for s in default] == [s["id"] for s in everything if s["status"] != "canceled"]
    canceled = list_all(http, emu, "/v1/subscriptions", limit=100, status="canceled")
    assert {s["status"] for s in canceled} == {"canceled"}
    assert len(list_all(http, emu, "/v1/subscriptions", status="all")) == len(everything)


def test_equality_filters(http: requests.Session, emu: Emulator, account: Account) -> None:
    charge = next(c for c in account.objects("charge") if c["customer"])
    got = list_all(http, emu, "/v1/charges", customer=charge["customer"])
    assert charge["id"] in {c["id"] for c in got}
    assert {c["customer"] for c in got} == {charge["customer"]}
    events = list_all(http, emu, "/v1/events", type="customer.*", limit=100)
    assert events
    assert all(e["type"].startswith("customer.") for e in events)


# ---------------------------------------------------------------------------- children
def _continue_child(
    http: requests.Session, emu: Emulator, embedded: dict[str, Any], path: str, **params: Any
) -> list[Any]:
    assert embedded["object"] == "list"
    assert len(embedded["data"]) == 10
    assert embedded["has_more"] is True
    rest = list_all(http, emu, path, starting_after=embedded["data"][-1]["id"], **params)
    first: list[Any] = embedded["data"]
    return first + rest


def test_invoice_lines_embedded_and_continued(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    invoices = list_all(http, emu, "/v1/invoices", limit=100)
    big = next(i for i in invoices if i["lines"]["has_more"])
    assert big["lines"]["url"] == f"/v1/invoices/{big['id']}/lines"
    lines = _continue_child(http, emu, big["lines"], big["lines"]["url"])
    assert [x["id"] for x in lines] == [x["id"] for x in account.children("line_item", big["id"])]
    assert all(x["id"].startswith("il_") for x in lines)
    resp = get(http, emu, big["lines"]["url"], starting_after="il_missing")
    assert resp.status_code == 404


def test_subscription_items_embedded_and_continued(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    subs = list_all(http, emu, "/v1/subscriptions", limit=100, status="all")
    big = next(s for s in subs if s["items"]["has_more"])
    items = _continue_child(
        http, emu, big["items"], "/v1/subscription_items", subscription=big["id"]
    )
    assert [x["id"] for x in items] == [
        x["id"] for x in account.children("subscription_item", big["id"])
    ]
    full = list_all(http, emu, "/v1/subscription_items", subscription=big["id"], limit=3)
    assert [x["id"] for x in full] == [x["id"] for x in items]


def test_customer_sources_only_when_expanded(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    plain = list_all(http, emu, "/v1/customers", limit=100)
    assert all("sources" not in c for c in plain)
    expanded = list_all(http, emu, "/v1/customers", limit=100, **{"expand[]": "data.sources"})
    big = next(c for c in expanded if c["sources"]["has_more"])
    url = f"/v1/customers/{big['id']}/sources"
    assert big["sources"]["url"] == url
    sources = _continue_child(http, emu, big["sources"], url)
    assert {s["object"] for s in sources} == {"card", "bank_account"}
    banks = list_all(http, emu, url, object="bank_account")
    assert banks == [s for s in sources if s["object"] == "bank_account"]
    assert list_all(http, emu, f"/v1/customers/{big['id']}/bank_accounts", limit=2) == banks
    assert banks == account.children("bank_account", big["id"])


def test_checkout_line_items_only_when_expanded(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    plain = list_all(http, emu, "/v1/checkout/sessions", limit=100)
    assert all("line_items" not in s for s in plain)
    expanded = list_all(
        http, emu, "/v1/checkout/sessions", limit=100, **{"expand[]": "data.line_items"}
    )
    big = next(s for s in expanded if s["line_items"]["has_more"])
    url = f"/v1/checkout/sessions/{big['id']}/line_items"
    items = _continue_child(http, emu, big["line_items"], url)
    assert [i["id"] for i in items] == [i["id"] for i in account.children("item", big["id"])]


def test_customer_balance_transactions(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    txn = account.objects("customer_balance_transaction")[0]
    got = list_all(http, emu, f"/v1/customers/{txn['customer']}/balance_transactions")
    assert txn["id"] in {t["id"] for t in got}
    assert get(http, emu, "/v1/customers/cus_missing/balance_transactions").status_code == 404
