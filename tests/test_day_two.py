"""Day two: the second run, with the first run's final state, after changes in Stripe.

A first run proves little: the bugs users met lived in the second run (a bookmark on a field the
records do not have, a deleted object met mid-walk). Every test here runs the tap at least twice.
"""

from __future__ import annotations

from typing import Any

from stripe_emulator import Account, Emulator
from tests.conftest import tap_config
from tests.tap_harness import run_tap


def created_gte(emulator: Emulator, path: str) -> list[int]:
    return [int(r.query["created[gte]"][0]) for r in emulator.requests if r.path == path]


def test_invoice_items_second_run_reads_from_the_date_bookmark(
    account: Account, emulator: Emulator
) -> None:
    """Invoice items carry ``date``, not ``created``: the bookmark is on ``date``, and the
    second run starts from it (it used to crash: the key was not in the schema)."""
    config = tap_config(emulator.url)
    first = run_tap(config, streams=["invoice_items"])
    items = account.objects("invoiceitem")
    assert set(first.ids("invoice_items")) == {i["id"] for i in items}
    bookmark = first.final_state["bookmarks"]["invoice_items"]
    assert bookmark["replication_key"] == "date"
    assert bookmark["replication_key_value"] == max(i["date"] for i in items)

    emulator.clear_requests()
    second = run_tap(config, streams=["invoice_items"], state=first.final_state)
    assert created_gte(emulator, "/v1/invoiceitems") == [bookmark["replication_key_value"]]
    newest = {i["id"] for i in items if i["date"] >= bookmark["replication_key_value"]}
    assert set(second.ids("invoice_items")) == newest
    for record in second.records["invoice_items"]:
        assert "created" not in record or record["created"] == record["date"]


def test_a_bookmark_saved_under_created_keeps_working(account: Account, emulator: Emulator) -> None:
    """Earlier versions saved the invoice items' bookmark as ``created``: users have it."""
    items = sorted(account.objects("invoiceitem"), key=lambda i: i["date"])
    middle = items[len(items) // 2]["date"]
    state: dict[str, Any] = {
        "bookmarks": {
            "invoice_items": {"replication_key": "created", "replication_key_value": middle}
        }
    }
    run = run_tap(tap_config(emulator.url), streams=["invoice_items"], state=state)
    assert created_gte(emulator, "/v1/invoiceitems") == [middle]
    assert set(run.ids("invoice_items")) == {i["id"] for i in items if i["date"] >= middle}
    assert run.final_state["bookmarks"]["invoice_items"]["replication_key"] == "date"
