"""The emulator's events are Stripe's (API 2024-06-20): only the event types the spec has are
recorded, events are kept 30 days (``--event-retention-days``), and events recorded in another
API version render that version's older shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.__main__ import build_parser
from stripe_emulator.templates import api_version, event_types
from tests.support import emulator_fixtures
from tests.support.accounts import DAY
from tests.support.emulator_fixtures import END, END_TS, START
from tests.support.emulator_http import error_of, get, walk
from tests.support.stripe_spec import assert_conforms

account = emulator_fixtures.account  # the module's fixtures: one account and session
http = emulator_fixtures.http

Json = Any


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


def test_cli_event_retention_flag() -> None:
    assert build_parser().parse_args([]).event_retention_days == 30
    assert build_parser().parse_args(["--event-retention-days", "0"]).event_retention_days == 0
