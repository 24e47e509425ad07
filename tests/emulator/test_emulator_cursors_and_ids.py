"""The emulator resolves cursors, parents and ids as Stripe does (API 2024-06-20): an unknown
or deleted ``starting_after``/``ending_before`` or parent is 404 ``resource_missing``, only a
deleted customer leaves a stub, a child is retrieved under its own parent only, every
top-level type is retrieved by id, and pages visit each object once in Stripe's same-second
order (not insertion order)."""

from __future__ import annotations

import requests

from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.account import tiebreak
from tests.support import emulator_fixtures
from tests.support.emulator_fixtures import END, END_TS, START
from tests.support.emulator_http import TOP_PATHS, error_of, get, walk

account = emulator_fixtures.account  # the module's fixtures: one account, emulator and session
emu = emulator_fixtures.emu
http = emulator_fixtures.http


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
