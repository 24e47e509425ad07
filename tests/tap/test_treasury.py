"""Treasury on day two: financial accounts and their lists read again after changes, money
movements followed by their events, and an account without Treasury skipped saying why."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from stripe_emulator.resources import FEATURES
from tap_stripe_flow.changes import DELETED_AT
from tap_stripe_flow.child_changes import ChildChanges
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.streams import STREAMS
from tests.support.accounts import tap_config
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600
TREASURY = sorted(s for s in STREAMS if s.startswith("treasury_"))
CHILDREN = [s for s in TREASURY if issubclass(STREAMS[s], StripeChildStream)]
#: The child streams driven by their own events in their incremental mode (full refresh by
#: default: their lists filter no ``created``).
MOVEMENTS = [s for s in CHILDREN if getattr(STREAMS[s], "parent_events", None) is not None]
FINANCIAL_ACCOUNTS = "/v1/treasury/financial_accounts"


def stored(account: Account, stream: str) -> list[dict[str, Any]]:
    return account.objects(STREAMS[stream].object_type)


def oldest(account: Account, stream: str, **fields: Any) -> dict[str, Any]:
    return next(
        o for o in reversed(stored(account, stream)) if all(o[k] == v for k, v in fields.items())
    )


def test_the_ten_streams_are_declared_as_the_brief_names_them() -> None:
    """Ten streams; incremental on ``created``: the financial accounts, and the two lists per
    financial account that filter ``created`` (entries, which never change, and outbound
    payments, with their events); the rest are full refresh by default."""
    assert TREASURY == [
        "treasury_credit_reversals",
        "treasury_debit_reversals",
        "treasury_financial_accounts",
        "treasury_inbound_transfers",
        "treasury_outbound_payments",
        "treasury_outbound_transfers",
        "treasury_received_credits",
        "treasury_received_debits",
        "treasury_transaction_entries",
        "treasury_transactions",
    ]
    assert len(MOVEMENTS) == 6  # all but accounts, transactions, entries, outbound payments
    bookmarked = {s for s in TREASURY if STREAMS[s].replication_key is not None}
    assert bookmarked == {
        "treasury_financial_accounts",
        "treasury_outbound_payments",
        "treasury_transaction_entries",
    }


def test_an_account_without_treasury_skips_its_streams_saying_why(
    account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with Emulator(account, unavailable_paths=FEATURES["Treasury"]) as emulator:
        run = run_tap(tap_config(emulator.url), streams=[*TREASURY, "refunds"])
        asked = {r.path for r in emulator.requests}
    assert sorted(run.ids("refunds")) == sorted(r["id"] for r in account.objects("refund"))
    assert asked - {"/v1/refunds"} == {FINANCIAL_ACCOUNTS}  # each stream's first request
    for stream in TREASURY:
        assert run.ids(stream) == [], stream
        lines = [r for r in caplog.records if f"Skipping stream {stream}:" in r.getMessage()]
        (line,) = lines
        assert line.levelname == "INFO"
        assert "not set up to use Treasury" in line.getMessage(), line.getMessage()


def first_run(emulator: Emulator, incremental: list[str] | None = None) -> TapRun:
    return run_tap(tap_config(emulator.url), streams=TREASURY, incremental=incremental or [])


def test_a_second_run_reads_changed_and_new_objects_and_deletes_nothing(
    account: Account, emulator: Emulator
) -> None:
    first = first_run(emulator)
    for stream in TREASURY:
        assert sorted(first.ids(stream)) == sorted(o["id"] for o in stored(account, stream))
    cursor = first.final_state["bookmarks"]["treasury_financial_accounts"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    fa = oldest(account, "treasury_financial_accounts", status="open")
    account.update(
        "treasury.financial_account",
        fa["id"],
        status="closed",
        status_details={"closed": {"reasons": ["other"]}},
    )
    payment = stored(account, "treasury_outbound_payments")[-1]  # the oldest
    account.update("treasury.outbound_payment", payment["id"], status="returned", cancelable=False)
    credit = account.create(
        "treasury.received_credit", financial_account=fa["id"], amount=4200, status="succeeded"
    )
    tx = account.create("treasury.transaction", financial_account=fa["id"], flow=credit["id"])
    entry = account.create(
        "treasury.transaction_entry", financial_account=fa["id"], transaction=tx["id"]
    )
    emulator.clear_requests()

    second = run_tap(
        tap_config(emulator.url), streams=TREASURY, state=rewound(first.final_state, HOUR)
    )
    accounts = {r["id"]: r for r in second.records["treasury_financial_accounts"]}
    assert accounts[fa["id"]]["status"] == "closed"  # from its event: created long before
    payments = {r["id"]: r for r in second.records["treasury_outbound_payments"]}
    assert payments[payment["id"]]["status"] == "returned"
    assert credit["id"] in second.ids("treasury_received_credits")
    full = [s for s in CHILDREN if STREAMS[s].replication_key is None]
    for stream in full:  # read whole again: every financial account's list
        assert sorted(second.ids(stream)) == sorted(o["id"] for o in stored(account, stream))
    # entries never change: only those since the bookmark, asked of every financial account
    bookmark = first.final_state["bookmarks"]["treasury_transaction_entries"]
    since = bookmark["replication_key_value"]
    assert since == max(e["created"] for e in first.records["treasury_transaction_entries"])
    entries = second.ids("treasury_transaction_entries")
    assert entry["id"] in entries
    assert sorted(entries) == sorted(
        e["id"] for e in stored(account, "treasury_transaction_entries") if e["created"] >= since
    )
    asked = [r for r in emulator.requests if r.path == "/v1/treasury/transaction_entries"]
    assert sorted(r.query["financial_account"][0] for r in asked) == sorted(
        f["id"] for f in stored(account, "treasury_financial_accounts")
    )
    assert {r.query["created[gte]"][0] for r in asked} == {str(since)}
    for records in second.records.values():
        assert not any(DELETED_AT in r for r in records)
    # the returned payment, created before the bookmark, came from its event
    assert (
        payment["created"]
        < first.final_state["bookmarks"]["treasury_outbound_payments"]["replication_key_value"]
    )
    types = {t for r in emulator.requests if r.path == "/v1/events" for t in r.query["types[]"]}
    assert {"treasury.financial_account.closed", "treasury.outbound_payment.returned"} <= types
    assert not any(t.startswith("treasury.outbound_transfer") for t in types)  # full refresh


def test_money_movements_run_incrementally_from_the_objects_their_events_carry(
    account: Account, emulator: Emulator
) -> None:
    first = first_run(emulator, MOVEMENTS)
    for stream in MOVEMENTS:
        assert {"event_cursor", "full_read_at"} <= set(first.final_state["bookmarks"][stream])
    cursor = first.final_state["bookmarks"]["treasury_received_credits"]["event_cursor"]
    ticks = iter(range(cursor - HOUR + 1000, cursor))
    account.clock = lambda: next(ticks)  # one change a second
    transfer = oldest(account, "treasury_outbound_transfers", status="processing")
    account.update("treasury.outbound_transfer", transfer["id"], status="returned")
    inbound = oldest(account, "treasury_inbound_transfers", status="processing")
    account.update("treasury.inbound_transfer", inbound["id"], status="failed")
    fa = stored(account, "treasury_financial_accounts")[0]["id"]
    debit = account.create("treasury.received_debit", financial_account=fa, amount=990)
    emulator.clear_requests()

    state = rewound(first.final_state, HOUR)
    second = run_tap(
        tap_config(emulator.url), streams=MOVEMENTS, state=state, incremental=MOVEMENTS
    )
    assert [r.path for r in emulator.requests] == ["/v1/events"]  # nothing listed again
    changed = {
        "treasury_outbound_transfers": (transfer, "returned"),
        "treasury_inbound_transfers": (inbound, "failed"),
        "treasury_received_debits": (debit, debit["status"]),
    }
    for stream, (obj, status) in changed.items():
        (record,) = second.records[stream]
        assert (record["id"], record["status"]) == (obj["id"], status)
        assert record["financial_account"] == obj["financial_account"]
        assert DELETED_AT not in record
    for stream in set(MOVEMENTS) - set(changed):
        assert not second.records.get(stream), stream


def test_a_money_movement_event_in_another_api_version_has_its_list_read(
    account: Account, emulator: Emulator
) -> None:
    first = first_run(emulator, MOVEMENTS)
    cursor = first.final_state["bookmarks"]["treasury_received_credits"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    account.event_api_version = "2023-10-16"  # the event renders an older shape
    credit = oldest(account, "treasury_received_credits", status="succeeded")
    account.update("treasury.received_credit", credit["id"], status="failed")
    emulator.clear_requests()
    state = rewound(first.final_state, HOUR)
    run = run_tap(
        tap_config(emulator.url),
        streams=["treasury_received_credits"],
        state=state,
        incremental=MOVEMENTS,
    )
    records = {r["id"]: r for r in run.records["treasury_received_credits"]}
    assert records[credit["id"]]["status"] == "failed"
    asked = Counter((r.path, r.query.get("financial_account", [""])[0]) for r in emulator.requests)
    assert asked == {
        ("/v1/events", ""): 1,
        ("/v1/treasury/received_credits", credit["financial_account"]): 1,
    }


def test_of_two_events_of_a_movement_in_one_second_the_list_decides() -> None:
    """Stripe's order within a second is not the order of the changes: the financial
    account's list is read; an older event of a movement already emitted is skipped."""
    stream = STREAMS["treasury_outbound_transfers"]
    assert stream.parent_events is not None
    changes = ChildChanges(
        stream.parent_events,
        embedded_field=None,
        parent_field="financial_account",
        pinned_version="2024-06-20",
        decorate=lambda parent, children: children,
    )

    def event(oid: str, second: int, status: str) -> dict[str, Any]:
        movement = {"id": oid, "financial_account": "fa_1", "status": status}
        kind = f"treasury.outbound_transfer.{status}"
        return {
            "type": kind,
            "created": second,
            "api_version": "2024-06-20",
            "data": {"object": movement},
        }

    records, walks = changes([event("obt_a", 20, "posted"), event("obt_a", 10, "created")])
    assert [(r["id"], r["status"]) for r in records] == [("obt_a", "posted")]
    assert walks == []
    records, walks = changes([event("obt_b", 30, "posted"), event("obt_b", 30, "canceled")])
    assert [(r["id"], r["status"]) for r in records] == [("obt_b", "posted")]
    assert [w.parent["id"] for w in walks] == ["fa_1"]
    records, walks = changes([event("obt_c", 5, "failed")])  # its list is read already
    assert (records, walks) == ([], [])


def test_an_outbound_payment_event_in_another_api_version_is_read_again_by_id(
    account: Account, emulator: Emulator
) -> None:
    """Outbound payments follow their events as top-level lists do: an event in another API
    version has its payment read by id, in the pinned shape."""
    stream = ["treasury_outbound_payments"]
    first = run_tap(tap_config(emulator.url), streams=stream)
    cursor = first.final_state["bookmarks"]["treasury_outbound_payments"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    account.event_api_version = "2023-10-16"
    payment = stored(account, "treasury_outbound_payments")[-1]
    account.update("treasury.outbound_payment", payment["id"], status="failed")
    emulator.clear_requests()
    second = run_tap(
        tap_config(emulator.url), streams=stream, state=rewound(first.final_state, HOUR)
    )
    versions = [r for r in second.records["treasury_outbound_payments"] if r["id"] == payment["id"]]
    assert versions
    assert all(v["status"] == "failed" and "metadata" in v for v in versions)
    assert f"/v1/treasury/outbound_payments/{payment['id']}" in {r.path for r in emulator.requests}
