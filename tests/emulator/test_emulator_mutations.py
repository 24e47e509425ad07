"""Changes made to an emulated account while it is served: each creation, update and
deletion shows up in lists, retrieves and events, and a child's change is told by its parent's
event with the parent's embedded list of that moment."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from stripe_emulator import Emulator, build_account
from tests.support import seeded_emulator
from tests.support.emulator_http import get, list_all
from tests.support.seeded_emulator import END, START

http = seeded_emulator.http  # the module's fixture: a session per test


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
