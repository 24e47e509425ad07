"""The emulator checks headers and query parameters as Stripe does (API 2024-06-20):
``Stripe-Version`` (400 ``api_version_invalid``), ``expand[]`` level by level (400 "This
property cannot be expanded"), ``status`` against the endpoint's enum (``status=all`` only on
subscriptions), ``types[]`` (at most 20, never with ``type``), and every documented filter
applied, an unknown parameter 400."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.templates import event_types
from tests.support import emulator_fixtures
from tests.support.emulator_fixtures import END, END_TS, KEY, START
from tests.support.emulator_http import error_of, get, walk

account = emulator_fixtures.account  # the module's fixtures: one account, emulator and session
emu = emulator_fixtures.emu
http = emulator_fixtures.http


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
