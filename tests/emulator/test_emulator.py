"""Tests for the local Stripe API emulator (stripe_emulator), over real HTTP with requests."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account, mask_key
from stripe_emulator.account import matches
from stripe_emulator.generate_payments import payment_method_details
from stripe_emulator.resources import (
    CHILD_TYPES,
    EVENTED,
    EVENTED_AS_CHILD_ONLY,
    HIDDEN_BY_DEFAULT,
    OMITTED_FIELDS,
    TOP_LEVEL,
    event_type,
    time_field,
)
from stripe_emulator.templates import field_facts, template
from tap_stripe_flow.streams import seed
from tests.support.emulator_http import get, list_all, stripe_session

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 7, 1, tzinfo=UTC)
KEY = "sk_test_emulator"
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


@pytest.fixture(scope="module")
def account() -> Account:
    built = build_account(objects=1500, seed=7, start=START, end=END)
    built.event_retention_days = None  # these tests read every generated event
    return built


@pytest.fixture(scope="module")
def emu(account: Account) -> Iterator[Emulator]:
    with Emulator(account) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with stripe_session(KEY) as session:
        yield session


# ---------------------------------------------------------------------------- data
def test_every_type_has_a_handful_even_when_small() -> None:
    small = build_account(objects=200, seed=1, start=START, end=END)
    for object_type in (*TOP_LEVEL, *CHILD_TYPES):
        assert small.count(object_type) >= 3, object_type


def test_counts_proportions_and_total(account: Account) -> None:
    counts = {t: account.count(t) for t in (*TOP_LEVEL, *CHILD_TYPES)}
    # The seed's types make about 1,500 objects with their events (``generate._counts``); each
    # type added since comes on top, at half its weight and a handful at least.
    assert 1300 <= sum(counts.values()) <= 1500 * 1.5
    seed_types = {t.object_type for t in seed.STREAM_TYPES} | {"card", "event"}
    added = {t: n for t, n in counts.items() if t not in seed_types}
    assert min(added.values()) >= 3, sorted(added.items(), key=lambda item: item[1])[:3]
    top = {t: n for t, n in counts.items() if t != "event"}
    assert max(top, key=top.__getitem__) in {"balance_transaction", "charge"}
    # one event per top-level object Stripe has a creation event for (not balance txns),
    # and per Treasury money movement (listed per financial account; customer sources come
    # with their customer, and Issuing tokens with their card, unevented; so do a customer's
    # payment methods, tax ids and cash balance transactions, whose events come when they change)
    children = {"payment_method", "tax_id", "customer_cash_balance_transaction"}
    generated = EVENTED - {"bank_account", "card", "issuing.token", *children}
    evented = sum(n for t, n in counts.items() if t in generated and _created_event(t))
    assert counts["event"] == evented


def test_deterministic_by_seed() -> None:
    one = build_account(objects=300, seed=3, start=START, end=END)
    two = build_account(objects=300, seed=3, start=START, end=END)
    other = build_account(objects=300, seed=4, start=START, end=END)
    assert one.objects("charge") == two.objects("charge")
    assert one.objects("event") == two.objects("event")
    assert one.objects("charge") != other.objects("charge")


def test_objects_carry_every_spec_property(account: Account) -> None:
    for object_type in (*TOP_LEVEL, *CHILD_TYPES):
        documented = set(template(object_type)) - set(OMITTED_FIELDS.get(object_type, ()))
        required, _, _ = field_facts(object_type)
        for obj in account.objects(object_type)[:5]:
            assert required <= set(obj) <= documented, object_type
            # test mode; and only the types Stripe gives a livemode have one
            assert ("livemode" in obj) == ("livemode" in template(object_type)), object_type
            assert obj.get("livemode", False) is False


@pytest.mark.parametrize(("objects", "seed"), [(300, 11), (1500, 7), (5000, 5)])
def test_the_newest_objects_of_each_type_carry_every_spec_property(objects: int, seed: int) -> None:
    """Optional fields are set on a share of the objects: a stream's newest 150 (what
    singer-sdk's standard tests read) together carry every property Stripe sends."""
    built = build_account(objects=objects, seed=seed, start=START, end=END)
    built.event_retention_days = None
    for object_type in (*TOP_LEVEL, *(t for t in CHILD_TYPES if t != "card")):
        sent = set(template(object_type)) - set(OMITTED_FIELDS.get(object_type, ()))
        newest = built.objects(object_type)[:150]
        assert newest, object_type
        if object_type == "payment_method":  # each carries only its own type's details
            assert {o["type"] for o in newest} == payment_method_details()
        carried = set().union(*newest)
        assert carried == sent, (object_type, sorted(sent - carried))
        _, nullable, _ = field_facts(object_type)
        never_set = {
            name
            for name in sent & nullable
            if all(obj.get(name) is None for obj in newest) and name in _SET_SOMEWHERE
        }
        assert never_set == set(), (object_type, sorted(never_set))


#: Nullable fields the standard tests need a value of (a type test skips a column of nulls).
_SET_SOMEWHERE = frozenset({"default_for_currency", "exchange_rate", "future_requirements"})


def test_links_are_coherent(account: Account) -> None:
    customers = {c["id"] for c in account.objects("customer")}
    charges = {c["id"]: c for c in account.objects("charge")}
    txns = {t["id"] for t in account.objects("balance_transaction")}
    pis = {p["id"] for p in account.objects("payment_intent")}
    for charge in charges.values():
        assert charge["customer"] is None or charge["customer"] in customers
        assert charge["payment_intent"] is None or charge["payment_intent"] in pis
        if charge["status"] == "succeeded":
            assert charge["balance_transaction"] in txns
    for refund in account.objects("refund"):
        assert refund["charge"] in charges
        assert refund["created"] >= charges[refund["charge"]]["created"]
    subs = {s["id"] for s in account.objects("subscription")}
    for invoice in account.objects("invoice"):
        assert invoice["customer"] in customers
        assert invoice["subscription"] is None or invoice["subscription"] in subs
    created = [o["created"] for o in account.objects("charge")]
    assert len(set(created)) < len(created), "expected same-second collisions"
    assert all(START.timestamp() <= c < END.timestamp() for c in created)


def _created_event(object_type: str) -> bool:
    """Whether Stripe has an event for the creation of an object of this type (none for
    balance transactions, shipping rates, file links, report runs, the account's tax ids...)."""
    if object_type in EVENTED_AS_CHILD_ONLY:  # ``customer.tax_id.*``: a customer's tax ids
        return False
    return any(event_type(object_type, "created", {"status": s}) for s in ("succeeded", ""))


def test_one_event_per_top_level_object(account: Account) -> None:
    events = account.objects("event")
    seen = collections.Counter(e["data"]["object"]["id"] for e in events)
    assert not _created_event("balance_transaction")
    for object_type in TOP_LEVEL:
        if not _created_event(object_type):
            assert all(e["data"]["object"]["object"] != object_type for e in events)
            continue
        for obj in account.objects(object_type):
            assert seen[obj["id"]] == 1, object_type
    charge_event = next(e for e in events if e["data"]["object"]["object"] == "charge")
    assert charge_event["type"] in {"charge.succeeded", "charge.failed"}
    assert charge_event["created"] == charge_event["data"]["object"]["created"]
    assert "previous_attributes" not in charge_event["data"]


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


# ---------------------------------------------------------------------------- auth
def test_invalid_key_is_masked(emu: Emulator) -> None:
    bad = "sk_test_abcdefghijklmnopqrst1234"
    resp = requests.get(
        emu.url + "/v1/charges", headers={"Authorization": f"Bearer {bad}"}, timeout=10
    )
    assert resp.status_code == 401
    assert resp.json() == {
        "error": {
            "message": "Invalid API Key provided: sk_test_********************1234",
            "type": "invalid_request_error",
        }
    }
    assert mask_key(bad) == "sk_test_********************1234"
    missing = requests.get(emu.url + "/v1/charges", timeout=10)
    assert missing.status_code == 401
    assert bad not in repr(emu.requests)


def test_stripe_account_header(http: requests.Session, emu: Emulator, account: Account) -> None:
    resp = http.get(emu.url + "/v1/charges", headers={"Stripe-Account": "acct_other"}, timeout=10)
    assert resp.status_code == 403
    assert "acct_other" in resp.json()["error"]["message"]
    ok = http.get(emu.url + "/v1/charges", headers={"Stripe-Account": account.id}, timeout=10)
    assert ok.status_code == 200


def test_restricted_keys_and_unavailable_paths(account: Account) -> None:
    keys = {"rk_test_limited0000": {"/v1/customers", "/v1/invoices/{invoice}/lines"}}
    with (
        Emulator(account, restricted_keys=keys, unavailable_paths={"/v1/checkout/sessions"}) as emu,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = "Bearer rk_test_limited0000"
        assert get(http, emu, "/v1/customers").status_code == 200
        assert get(http, emu, "/v1/account").status_code == 200
        resp = get(http, emu, "/v1/charges")
        assert resp.status_code == 403
        assert "rak_charge_read" in resp.json()["error"]["message"]
        assert "rk_test_limited0000" not in resp.text
        http.headers["Authorization"] = f"Bearer {KEY}"
        resp = get(http, emu, "/v1/checkout/sessions")
        assert resp.status_code == 400
        assert "not set up to use Checkout" in resp.json()["error"]["message"]


# ---------------------------------------------------------------------------- log, limits, faults
def test_request_log_and_stats(http: requests.Session, account: Account) -> None:
    with Emulator(account) as emu:
        get(http, emu, "/v1/charges", limit=3, **{"created[gte]": 5})
        get(http, emu, "/v1/invoices/in_missing/lines")
        records = emu.requests
        assert records[0].method == "GET"
        assert records[0].path == "/v1/charges"
        assert records[0].query == {"limit": ["3"], "created[gte]": ["5"]}
        assert records[0].status == 200
        assert records[0].stripe_version == "2024-06-20"
        assert records[1].route == "/v1/invoices/{id}/lines"
        assert records[0].time <= records[1].time
        stats = emu.stats()
        assert stats["total"] == 2
        assert stats["by_route"]["/v1/charges"] == 1
        assert stats["stripe_versions"] == {"2024-06-20": 2}


def test_rate_limit_gives_429(http: requests.Session, account: Account) -> None:
    with Emulator(account, rate_limit=5, retry_after=2) as emu:
        statuses = [get(http, emu, "/v1/coupons") for _ in range(20)]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited
        assert limited[0].json()["error"]["code"] == "rate_limit"
        assert limited[0].headers["Retry-After"] == "2"
        assert emu.stats()["rate_limited"] == len(limited)
        time.sleep(0.5)
        assert get(http, emu, "/v1/coupons").status_code == 200


def test_fault_injection_produces_each_kind(account: Account) -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    with Emulator(account, fault_rate=1.0, seed=11) as emu:
        for _ in range(60):
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {KEY}"
                try:
                    resp = get(http, emu, "/v1/charges")
                except requests.RequestException:
                    outcomes["error"] += 1
                    continue
                if resp.status_code >= 500:
                    assert resp.headers["Stripe-Should-Retry"] == "true"
                    outcomes[str(resp.status_code)] += 1
                else:
                    with pytest.raises(requests.exceptions.JSONDecodeError):
                        resp.json()
                    outcomes["truncated"] += 1
        faults = emu.stats()["faults"]
    assert set(faults) == {"500", "502", "503", "drop", "truncate"}
    assert outcomes["error"] == faults["drop"]
    assert outcomes["truncated"] == faults["truncate"]


def test_faults_deterministic_by_seed(http: requests.Session, account: Account) -> None:
    def kinds(seed: int) -> list[str | None]:
        with Emulator(account, fault_rate=0.5, seed=seed) as emu:
            for _ in range(30):
                try:
                    with get(http, emu, "/v1/coupons"):
                        pass
                except requests.RequestException:
                    pass
            return [r.fault for r in emu.requests]

    assert kinds(5) == kinds(5)
    assert kinds(5) != kinds(6)


def test_latency(http: requests.Session, account: Account) -> None:
    with Emulator(account, latency_ms=50) as emu:
        began = time.monotonic()
        get(http, emu, "/v1/coupons")
        assert time.monotonic() - began >= 0.05


# ---------------------------------------------------------------------------- mutations
def test_mutations_emit_events_and_show_up(http: requests.Session) -> None:
    acct = build_account(objects=300, seed=2, start=START, end=END)
    ticks = iter(range(int(END.timestamp()) + 10, int(END.timestamp()) + 10_000))
    acct.clock = lambda: next(ticks)  # one second per mutation: same-second order is Stripe's
    with Emulator(acct) as emu:
        before = get(http, emu, "/v1/customers", limit=1).json()["data"][0]
        created = acct.create("customer", name="New Person", email="new@example.com")
        assert created["id"].startswith("cus_")
        assert get(http, emu, "/v1/customers", limit=1).json()["data"][0]["id"] == created["id"]
        event = get(http, emu, "/v1/events", limit=1).json()["data"][0]
        assert event["type"] == "customer.created"
        assert event["data"]["object"]["id"] == created["id"]

        updated = acct.update("customer", before["id"], name="Renamed")
        assert updated["name"] == "Renamed"
        assert get(http, emu, f"/v1/customers/{before['id']}").json()["name"] == "Renamed"
        event = get(http, emu, "/v1/events", limit=1).json()["data"][0]
        assert event["type"] == "customer.updated"
        assert event["data"]["previous_attributes"] == {"name": before["name"]}

        acct.delete("customer", created["id"])
        ids = [c["id"] for c in list_all(http, emu, "/v1/customers", limit=100)]
        assert created["id"] not in ids
        assert get(http, emu, f"/v1/customers/{created['id']}").json()["deleted"] is True
        assert get(http, emu, "/v1/events", limit=1).json()["data"][0]["type"] == (
            "customer.deleted"
        )

        sub = next(s for s in acct.objects("subscription") if s["status"] != "canceled")
        acct.delete("subscription", sub["id"])
        visible = {s["id"] for s in list_all(http, emu, "/v1/subscriptions", limit=100)}
        assert sub["id"] not in visible
        every = list_all(http, emu, "/v1/subscriptions", limit=100, status="all")
        assert sub["id"] in {s["id"] for s in every}

        invoice = acct.objects("invoice")[0]
        line = acct.create("line_item", invoice=invoice["id"], amount=123)
        lines = get(http, emu, f"/v1/invoices/{invoice['id']}").json()["lines"]
        assert set(lines) == {"object", "data", "has_more", "url"}  # Stripe sends no total_count
        shown = len(acct.children("line_item", invoice["id"]))
        assert len(lines["data"]) == min(10, shown)
        assert lines["has_more"] == (shown > 10)
        assert line["id"] in {x["id"] for x in acct.children("line_item", invoice["id"])}
        with pytest.raises(ValueError, match="cannot delete"):
            acct.delete("charge", acct.objects("charge")[0]["id"])


def test_a_childs_change_is_told_by_its_parents_event(http: requests.Session) -> None:
    acct = build_account(objects=300, seed=2, start=START, end=END)
    ticks = iter(range(int(END.timestamp()) + 10, int(END.timestamp()) + 10_000))
    acct.clock = lambda: next(ticks)
    with Emulator(acct) as emu:

        def newest_event() -> dict[str, Any]:
            return get(http, emu, "/v1/events", limit=1).json()["data"][0]  # type: ignore[no-any-return]

        sub = next(s for s in acct.objects("subscription") if s["status"] != "canceled")
        old_items = [i["id"] for i in acct.children("subscription_item", sub["id"])]
        acct.delete("subscription_item", old_items[0])
        event = newest_event()
        assert event["type"] == "customer.subscription.updated"
        previous = event["data"]["previous_attributes"]["items"]
        assert [i["id"] for i in previous["data"]] == old_items[:10]
        assert old_items[0] not in {i["id"] for i in event["data"]["object"]["items"]["data"]}

        invoice = acct.objects("invoice")[-1]
        acct.create("line_item", invoice=invoice["id"], amount=1)
        snapshot = newest_event()
        assert snapshot["type"] == "invoice.updated"
        acct.create("line_item", invoice=invoice["id"], amount=2)
        # an event keeps the embedded list of its own moment
        again = get(http, emu, f"/v1/events/{snapshot['id']}").json()
        assert again["data"]["object"]["lines"] == snapshot["data"]["object"]["lines"]
        assert "_embedded_at_event" not in again

        customer = acct.objects("customer")[0]
        balance = customer.get("balance") or 0
        txn = acct.create("customer_balance_transaction", customer=customer["id"], amount=250)
        event = newest_event()
        assert event["type"] == "customer.updated"
        assert event["data"]["previous_attributes"] == {"balance": balance}
        assert event["data"]["object"]["balance"] == txn["ending_balance"] == balance + 250


# ---------------------------------------------------------------------------- throughput, CLI
def test_throughput_report(http: requests.Session, emu: Emulator) -> None:
    get(http, emu, "/v1/charges", limit=100)
    pages, nbytes, began = 0, 0, time.perf_counter()
    while time.perf_counter() - began < 1.0:
        nbytes += len(get(http, emu, "/v1/charges", limit=100).content)
        pages += 1
    seconds = time.perf_counter() - began
    print(
        f"\nemulator throughput: {pages / seconds:.0f} pages/s of 100 charges, "
        f"{nbytes / seconds / 1e6:.0f} MB/s (single keep-alive client)"
    )
    assert pages > 0


@pytest.mark.slow
def test_cli_serves_and_exits_cleanly() -> None:
    with subprocess.Popen(
        [
            *(sys.executable, "-m", "stripe_emulator", "--port", "0", "--objects", "200"),
            *("--event-retention-days", "0"),  # every generated event listed
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        url = line[0]
        assert line[1] == "account=acct_emulator"
        assert line[2] == f"key={KEY}"
        resp = requests.get(
            url + "/v1/account", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        )
        assert resp.status_code == 200
        events = requests.get(
            url + "/v1/events", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        )
        assert events.json()["data"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
