"""The emulator serves Terminal, Issuing designs and bundles, Climate orders, Financial
Connections accounts, report types and Sigma query runs as Stripe does (API 2024-06-20):
shapes exactly as the spec, query parameters as the spec's (no ``created`` filter, no pages
for report types), every status and optional field on some object, deletions without events,
and each product's own answer on an account without it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.resources import FEATURES, RESOURCES
from tests.support import emulator_fixtures
from tests.support.emulator_fixtures import END, END_TS, KEY, START
from tests.support.emulator_http import error_of, get, stripe_session, walk
from tests.support.stripe_spec import assert_conforms

account = emulator_fixtures.account  # the module's fixtures: one account, emulator and session
emu = emulator_fixtures.emu
http = emulator_fixtures.http

Json = Any
TYPES = (
    "terminal.location",
    "terminal.reader",
    "terminal.configuration",
    "issuing.personalization_design",
    "issuing.physical_bundle",
    "climate.order",
    "financial_connections.account",
    "reporting.report_type",
    "scheduled_query_run",
)
NO_CREATED = (
    "terminal.location",
    "terminal.reader",
    "terminal.configuration",
    "issuing.physical_bundle",
    "reporting.report_type",
)


def _path(object_type: str) -> str:
    return RESOURCES[object_type].path


def _values(objs: list[Json], *names: str) -> set[Any]:
    out = set()
    for obj in objs:
        value: Any = obj
        for name in names:
            value = value.get(name) if isinstance(value, dict) else None
        out.add(value)
    return out


@pytest.mark.parametrize("object_type", TYPES)
def test_each_list_serves_spec_shaped_objects_and_retrieves_them(
    http: requests.Session, emu: Emulator, account: Account, object_type: str
) -> None:
    listed = walk(http, emu, _path(object_type))
    assert len(listed) >= 3, object_type
    assert [o["id"] for o in listed] == [o["id"] for o in account.objects(object_type)]
    for obj in listed:
        assert_conforms(obj, where=_path(object_type))
        assert ("created" in obj) == (object_type not in NO_CREATED)
    if object_type not in NO_CREATED:  # newest first
        created = [o["created"] for o in listed]
        assert created == sorted(created, reverse=True)
    for obj in listed[:3]:
        resp = get(http, emu, f"{_path(object_type)}/{obj['id']}")
        assert resp.status_code == 200, resp.text
        assert resp.json() == obj
    resp = get(http, emu, _path(object_type), **{"created[gte]": 0})
    assert error_of(resp, 400)["message"] == "Received unknown parameter: created"


def test_every_status_and_optional_field_is_on_some_object(account: Account) -> None:
    readers = account.objects("terminal.reader")
    assert _values(readers, "status") == {"online", "offline", None}
    assert len(_values(readers, "device_type")) == 8
    assert _values(readers, "action", "type") == {
        None,
        "process_payment_intent",
        "process_setup_intent",
        "refund_payment",
        "set_reader_display",
    }
    assert _values(readers, "action", "status") == {None, "failed", "in_progress", "succeeded"}
    assert None in _values(readers, "location")
    assert len(_values(readers, "location")) > 2
    locations = account.objects("terminal.location")
    assert len(_values(locations, "configuration_overrides")) > 1  # some, and absent
    configs = account.objects("terminal.configuration")
    assert _values(configs, "is_account_default") == {True, False}
    for name in ("tipping", "bbpos_wisepos_e", "stripe_s700", "offline", "reboot_window"):
        assert {name in c for c in configs} == {True, False}, name
    designs = account.objects("issuing.personalization_design")
    assert _values(designs, "status") == {"active", "inactive", "rejected", "review"}
    assert len(_values(designs, "card_logo")) > 1
    bundles = account.objects("issuing.physical_bundle")
    assert _values(bundles, "status") == {"active", "inactive", "review"}
    assert _values(bundles, "type") == {"custom", "standard"}
    orders = account.objects("climate.order")
    assert _values(orders, "status") == {
        "awaiting_funds",
        "canceled",
        "confirmed",
        "delivered",
        "open",
    }
    assert {len(o["delivery_details"]) for o in orders} == {0, 1}
    assert len(_values(orders, "beneficiary", "public_name")) > 1
    accounts = account.objects("financial_connections.account")
    assert _values(accounts, "status") == {"active", "disconnected", "inactive"}
    assert _values(accounts, "category") == {"cash", "credit", "investment", "other"}
    assert _values(accounts, "account_holder", "type") == {None, "account", "customer"}
    assert _values(accounts, "balance", "type") == {None, "cash", "credit"}
    runs = account.objects("scheduled_query_run")
    assert _values(runs, "status") == {"canceled", "completed", "failed", "timed_out"}
    assert {r["status"] for r in runs if r.get("file")} == {"completed"}
    assert {r["status"] for r in runs if "error" in r} == {"failed"}


def test_report_types_are_one_page_without_paging_parameters(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    resp = get(http, emu, "/v1/reporting/report_types")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["has_more"] is False
    assert [r["id"] for r in body["data"]] == [
        r["id"] for r in account.objects("reporting.report_type")
    ]
    for name, value in (("limit", 10), ("starting_after", "balance.summary.1")):
        resp = get(http, emu, "/v1/reporting/report_types", **{name: value})
        assert error_of(resp, 400)["message"] == f"Received unknown parameter: {name}"


def test_documented_filters_are_applied(
    http: requests.Session, emu: Emulator, account: Account
) -> None:
    def ids(path: str, **params: Any) -> list[str]:
        return [o["id"] for o in walk(http, emu, path, **params)]

    readers = account.objects("terminal.reader")
    location = next(r["location"] for r in readers if r.get("location"))
    assert ids("/v1/terminal/readers", location=location) == [
        r["id"] for r in readers if r.get("location") == location
    ]
    assert ids("/v1/terminal/readers", status="offline") == [
        r["id"] for r in readers if r.get("status") == "offline"
    ]
    assert ids("/v1/terminal/readers", device_type="stripe_m2") == [
        r["id"] for r in readers if r["device_type"] == "stripe_m2"
    ]
    resp = get(http, emu, "/v1/terminal/readers", device_type="toaster")
    assert error_of(resp, 400)["param"] == "device_type"
    configs = account.objects("terminal.configuration")
    assert ids("/v1/terminal/configurations", is_account_default="true") == [
        c["id"] for c in configs if c["is_account_default"]
    ]
    designs = account.objects("issuing.personalization_design")
    keyed = [d for d in designs if d.get("lookup_key")]
    assert ids(
        "/v1/issuing/personalization_designs", **{"lookup_keys[]": keyed[0]["lookup_key"]}
    ) == [keyed[0]["id"]]
    assert ids("/v1/issuing/personalization_designs", status="rejected") == [
        d["id"] for d in designs if d["status"] == "rejected"
    ]
    assert ids("/v1/issuing/personalization_designs", **{"preferences[is_default]": "true"}) == [
        d["id"] for d in designs if d["preferences"]["is_default"]
    ]
    bundles = account.objects("issuing.physical_bundle")
    assert ids("/v1/issuing/physical_bundles", type="custom") == [
        b["id"] for b in bundles if b["type"] == "custom"
    ]
    holders = account.objects("financial_connections.account")
    customer = next(
        a["account_holder"]["customer"]
        for a in holders
        if (a.get("account_holder") or {}).get("type") == "customer"
    )
    assert ids("/v1/financial_connections/accounts", **{"account_holder[customer]": customer}) == [
        a["id"] for a in holders if (a.get("account_holder") or {}).get("customer") == customer
    ]


def test_terminal_objects_are_deleted_without_an_event_and_others_cannot_be() -> None:
    acct = build_account(objects=300, seed=6, start=START, end=END)
    acct.clock = lambda: END_TS
    before = acct.count("event")
    for object_type in ("terminal.location", "terminal.reader", "terminal.configuration"):
        gone = acct.objects(object_type)[1]["id"]
        acct.delete(object_type, gone)
        assert gone not in {o["id"] for o in acct.objects(object_type)}
    assert acct.count("event") == before  # Stripe sends no event for it
    with pytest.raises(ValueError, match="cannot delete"):
        acct.delete("climate.order", acct.objects("climate.order")[0]["id"])
    with Emulator(acct) as emu, stripe_session(KEY) as http:
        resp = get(http, emu, f"/v1/terminal/readers/{gone}")
        assert error_of(resp, 404)["code"] == "resource_missing"


def test_changes_record_the_events_stripe_sends() -> None:
    acct = build_account(objects=300, seed=7, start=START, end=END)
    now = [END_TS]
    acct.clock = lambda: now[0]

    def newest_event() -> Json:
        event = acct.objects("event")[0]
        now[0] += 1  # a second per change: the newest event is the last change's
        return event

    order = next(o for o in acct.objects("climate.order") if o["status"] == "open")
    now[0] += 1
    acct.update("climate.order", order["id"], status="canceled", canceled_at=END_TS)
    assert newest_event()["type"] == "climate.order.canceled"
    fca = next(a for a in acct.objects("financial_connections.account") if a["status"] == "active")
    acct.update("financial_connections.account", fca["id"], status="inactive")
    assert newest_event()["type"] == "financial_connections.account.deactivated"
    created = acct.create("scheduled_query_run", status="canceled", file=None)
    assert newest_event()["type"] == "sigma.scheduled_query_run.created"
    assert newest_event()["data"]["object"]["id"] == created["id"]
    count = acct.count("event")
    reader = acct.objects("terminal.reader")[0]
    acct.update("terminal.reader", reader["id"], label="Renamed")
    acct.create("terminal.location", display_name="New store")
    assert acct.count("event") == count  # no event for Terminal's changes


@pytest.mark.parametrize(
    ("product", "message"),
    [
        ("Climate", "Account not eligible for Climate Orders"),
        ("Sigma", "This API surface is not enabled for testmode usage."),
        ("Terminal", "Terminal is currently only available in certain countries."),
        ("Issuing", "Your account is not set up to use Issuing."),
    ],
)
def test_an_account_without_the_product_is_answered_in_stripes_words(
    account: Account, product: str, message: str
) -> None:
    with Emulator(account, unavailable_paths=FEATURES[product]) as emu, stripe_session(KEY) as http:
        for path in FEATURES[product]:
            error = error_of(get(http, emu, path, limit=100), 400)
            assert error["message"].startswith(message), error
        assert get(http, emu, "/v1/financial_connections/accounts").status_code == 200
    assert "Financial Connections" not in FEATURES
