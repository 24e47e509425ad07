"""The emulator serves Treasury as Stripe does (API 2024-06-20): every list but the financial
accounts' needs ``financial_account`` (400 without, 404 for an unknown one), every object
validates against its component with no undocumented field, and the generated money
movements are in every status and linked consistently (``generate_treasury.py``)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from stripe_emulator import Account, Emulator
from stripe_emulator.resources import RESOURCES
from tests.support import emulator_fixtures
from tests.support.emulator_http import error_of, get, walk
from tests.support.stripe_spec import assert_conforms

account = emulator_fixtures.account  # the module's fixtures: one account, emulator and session
emu = emulator_fixtures.emu
http = emulator_fixtures.http

Json = Any
FINANCIAL_ACCOUNTS = "/v1/treasury/financial_accounts"
#: Child type -> its list path (each filtered by ``financial_account``).
CHILD_PATHS = {
    r.object: r.path for r in RESOURCES.values() if r.parent == "treasury.financial_account"
}
#: Every status the spec gives each money movement.
STATUSES = {
    "treasury.transaction": {"open", "posted", "void"},
    "treasury.received_credit": {"failed", "succeeded"},
    "treasury.received_debit": {"failed", "succeeded"},
    "treasury.inbound_transfer": {"canceled", "failed", "processing", "succeeded"},
    "treasury.outbound_transfer": {"canceled", "failed", "posted", "processing", "returned"},
    "treasury.outbound_payment": {"canceled", "failed", "posted", "processing", "returned"},
    "treasury.credit_reversal": {"canceled", "posted", "processing"},
    "treasury.debit_reversal": {"failed", "processing", "succeeded"},
}


@pytest.fixture(scope="module")
def served(http: requests.Session, emu: Emulator) -> dict[str, list[Json]]:
    """Every Treasury object as the lists serve it, by type."""
    out: dict[str, list[Json]] = {"treasury.financial_account": walk(http, emu, FINANCIAL_ACCOUNTS)}
    for object_type, path in CHILD_PATHS.items():
        out[object_type] = [
            obj
            for fa in out["treasury.financial_account"]
            for obj in walk(http, emu, path, financial_account=fa["id"])
        ]
    return out


def test_every_treasury_object_conforms_to_the_spec_in_every_status(
    served: dict[str, list[Json]], account: Account
) -> None:
    for object_type, objects in served.items():
        assert objects, object_type
        assert len(objects) == account.count(object_type), object_type
        for obj in objects:
            assert_conforms(obj, where=RESOURCES[object_type].path)
            assert not {"features", "entries", "flow_details"} & set(obj), obj["id"]
    for object_type, statuses in STATUSES.items():
        assert {o["status"] for o in served[object_type]} == statuses, object_type
    assert {f["status"] for f in served["treasury.financial_account"]} == {"open", "closed"}
    entry_types = {e["type"] for e in served["treasury.transaction_entry"]}
    assert {"outbound_payment_return", "inbound_transfer_return", "credit_reversal_posting"} <= (
        entry_types
    )


def test_money_movements_and_transactions_name_each_other(
    served: dict[str, list[Json]],
) -> None:
    """A transaction per money movement that moved money, its entries summing to its balance
    impact, each financial account's balance the sum of its transactions'."""
    by_id = {o["id"]: o for objects in served.values() for o in objects}
    transactions = served["treasury.transaction"]
    for tx in transactions:
        flow = by_id[tx["flow"]]
        assert flow["object"] == f"treasury.{tx['flow_type']}"
        assert tx["financial_account"] == flow["financial_account"]
        returned = (flow.get("returned_details") or {}).get("transaction")
        assert flow.get("transaction") == tx["id"] or returned == tx["id"], tx["id"]
        entries = [e for e in served["treasury.transaction_entry"] if e["transaction"] == tx["id"]]
        assert entries, tx["id"]
        for entry in entries:
            assert (entry["flow"], entry["flow_type"]) == (tx["flow"], tx["flow_type"])
            assert entry["financial_account"] == tx["financial_account"]
        if tx["status"] != "void":
            for part in ("cash", "inbound_pending", "outbound_pending"):
                total = sum(e["balance_impact"][part] for e in entries)
                assert total == tx["balance_impact"][part], (tx["id"], part)
    for kind in CHILD_PATHS:
        for flow in served[kind] if kind not in _LEDGER else []:
            if flow.get("transaction"):
                assert by_id[flow["transaction"]]["flow"] == flow["id"]
    for reversal in served["treasury.credit_reversal"]:
        credit = by_id[reversal["received_credit"]]
        assert credit["linked_flows"]["credit_reversal"] == reversal["id"]
    for reversal in served["treasury.debit_reversal"]:
        debit = by_id[reversal["received_debit"]]
        assert debit["linked_flows"]["debit_reversal"] == reversal["id"]
    for fa in served["treasury.financial_account"]:
        mine = [t for t in transactions if t["financial_account"] == fa["id"]]
        assert fa["balance"]["cash"]["usd"] == sum(t["balance_impact"]["cash"] for t in mine)
        assert fa["balance"]["cash"]["usd"] > 0


_LEDGER = ("treasury.transaction", "treasury.transaction_entry")


def test_money_movements_have_creation_events_and_the_ledger_none(
    http: requests.Session, emu: Emulator, served: dict[str, list[Json]]
) -> None:
    events = walk(http, emu, "/v1/events", type="treasury.*")
    created = {e["data"]["object"]["id"] for e in events if e["type"].endswith(".created")}
    for object_type, objects in served.items():
        ids = {o["id"] for o in objects}
        if object_type in _LEDGER:
            assert not ids & created, object_type
        else:
            assert ids <= created, object_type
    for event in events:
        assert_conforms(event["data"]["object"], where=f"event {event['type']}")


def test_child_lists_need_an_existing_financial_account(
    http: requests.Session, emu: Emulator, served: dict[str, list[Json]]
) -> None:
    for path in CHILD_PATHS.values():
        error = error_of(get(http, emu, path), 400)
        assert error["code"] == "parameter_missing"
        assert error["param"] == "financial_account"
        error = error_of(get(http, emu, path, financial_account="fa_nope"), 404)
        assert error["code"] == "resource_missing"
        assert error["param"] == "financial_account"
        assert "fa_nope" in error["message"]
    fa = served["treasury.financial_account"][0]["id"]
    # a list without ``created`` refuses it, as Stripe does
    resp = get(http, emu, "/v1/treasury/received_credits", financial_account=fa, created=1)
    assert error_of(resp, 400)["code"] == "parameter_unknown"
    resp = get(http, emu, "/v1/treasury/transactions", financial_account=fa, status="all")
    error_of(resp, 400)


def test_treasury_filters_are_applied(
    http: requests.Session, emu: Emulator, served: dict[str, list[Json]]
) -> None:
    transactions = served["treasury.transaction"]
    fa = max(
        served["treasury.financial_account"],
        key=lambda f: sum(t["financial_account"] == f["id"] for t in transactions),
    )["id"]
    mine = [t for t in transactions if t["financial_account"] == fa]
    middle = sorted(t["created"] for t in mine)[len(mine) // 2]

    def ids(path: str, **params: Any) -> list[str]:
        return [o["id"] for o in walk(http, emu, path, financial_account=fa, **params)]

    path = "/v1/treasury/transactions"
    assert ids(path) == [t["id"] for t in mine]  # newest first
    assert [t["created"] for t in mine] == sorted((t["created"] for t in mine), reverse=True)
    newer = ids(path, **{"created[gte]": middle})
    assert newer == [t["id"] for t in mine if t["created"] >= middle]
    assert 0 < len(newer) < len(mine)
    assert ids(path, status="posted") == [t["id"] for t in mine if t["status"] == "posted"]
    assert ids(path, order_by="posted_at")  # accepted (the emulator keeps newest first)
    assert error_of(get(http, emu, path, financial_account=fa, order_by="amount"), 400)
    tx = mine[0]["id"]
    entries = ids("/v1/treasury/transaction_entries", transaction=tx)
    assert entries == [
        e["id"] for e in served["treasury.transaction_entry"] if e["transaction"] == tx
    ]
    payments = [p for p in served["treasury.outbound_payment"] if p["financial_account"] == fa]
    path = "/v1/treasury/outbound_payments"
    for status in {p["status"] for p in payments}:
        assert ids(path, status=status) == [p["id"] for p in payments if p["status"] == status]


def test_treasury_objects_are_retrievable_and_expand_their_includable_fields(
    http: requests.Session, emu: Emulator, served: dict[str, list[Json]]
) -> None:
    for object_type, path in {
        **CHILD_PATHS,
        "treasury.financial_account": FINANCIAL_ACCOUNTS,
    }.items():
        obj = served[object_type][0]
        resp = get(http, emu, f"{path}/{obj['id']}")
        assert resp.status_code == 200, resp.text
        assert resp.json() == obj
    fa = served["treasury.financial_account"][0]
    expanded = get(http, emu, f"{FINANCIAL_ACCOUNTS}/{fa['id']}", **{"expand[]": "features"})
    assert_conforms(expanded.json(), expanded=frozenset({"features"}))
    assert expanded.json()["features"]["object"] == "treasury.financial_account_features"
    tx = served["treasury.transaction"][0]
    resp = get(
        http,
        emu,
        "/v1/treasury/transactions",
        financial_account=tx["financial_account"],
        **{"expand[]": "data.flow_details"},
    )
    (listed,) = [t for t in resp.json()["data"] if t["id"] == tx["id"]]
    assert_conforms(listed, expanded=frozenset({"flow_details"}))
    assert listed["flow_details"]["type"] == tx["flow_type"]
    assert listed["flow_details"][tx["flow_type"]]["id"] == tx["flow"]
