"""The payment streams of issue #14 (``streams/payments.py``): prices read active and archived,
and the per-customer and per-setup-intent children, on a first run and on later ones."""

from __future__ import annotations

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow.changes import DELETED_AT
from tests.support.accounts import tap_config
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600
CHILDREN = [
    "customer_cash_balance_transactions",
    "customer_tax_ids",
    "payment_methods",
    "setup_attempts",
]


def test_prices_are_read_active_and_archived(
    shared_account: Account, shared_emulator: Emulator
) -> None:
    prices = shared_account.objects("price")
    assert {p["active"] for p in prices} == {True, False}
    run = run_tap(tap_config(shared_emulator.url), streams=["prices"])
    assert sorted(run.ids("prices")) == sorted(p["id"] for p in prices)


def test_a_later_run_of_prices_reads_archived_and_deleted_ones_from_events(
    account: Account, emulator: Emulator
) -> None:
    first = run_tap(tap_config(emulator.url), streams=["prices"])
    cursor = first.final_state["bookmarks"]["prices"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    archived, deleted = [p for p in account.objects("price") if p["active"]][:2]
    account.update("price", archived["id"], active=False)
    account.delete("price", deleted["id"])
    emulator.clear_requests()
    run = run_tap(
        tap_config(emulator.url), streams=["prices"], state=rewound(first.final_state, HOUR)
    )
    prices = {r["id"]: r for r in run.records["prices"]}
    assert prices[archived["id"]]["active"] is False
    assert not prices[archived["id"]].get(DELETED_AT)
    assert prices[deleted["id"]][DELETED_AT]
    actives = {r.query.get("active", [""])[0] for r in emulator.requests if r.path == "/v1/prices"}
    assert actives == {"true", "false"}


@pytest.fixture
def backfilled(account: Account, emulator: Emulator) -> TapRun:
    """A first run of the three children, incremental; later changes are dated half an hour
    after the (rewound) cursor."""
    first = run_tap(tap_config(emulator.url), streams=CHILDREN, incremental=CHILDREN)
    cursor = first.final_state["bookmarks"]["payment_methods"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    emulator.clear_requests()
    return first


def test_the_first_run_reads_every_child(account: Account, backfilled: TapRun) -> None:
    for stream, kind, under in (
        ("customer_cash_balance_transactions", "customer_cash_balance_transaction", None),
        ("payment_methods", "payment_method", None),
        ("customer_tax_ids", "tax_id", "customer"),  # not the account's own tax ids
        ("setup_attempts", "setup_attempt", None),
    ):
        expected = sorted(o["id"] for o in account.objects(kind, under=under))
        assert sorted(backfilled.ids(stream)) == expected
        assert {"event_cursor", "full_read_at"} <= set(backfilled.final_state["bookmarks"][stream])


def test_a_later_run_reads_only_what_events_name(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    methods = account.objects("payment_method")
    detached = methods[0]
    updated = next(m for m in methods if m["id"] != detached["id"])
    account.delete("payment_method", detached["id"])
    account.update("payment_method", updated["id"], metadata={"nickname": "work card"})
    customer = account.objects("customer")[-1]
    attached = account.create("payment_method", customer=customer["id"], type="card")
    tax_ids = account.objects("tax_id", under="customer")
    removed_tax_id = tax_ids[0]
    account.delete("tax_id", removed_tax_id["id"])
    new_tax_id = account.create("tax_id", customer=customer["id"], value="DE999999999")
    cash = account.objects("customer_cash_balance_transaction")[0]
    funded = account.create(
        "customer_cash_balance_transaction",
        customer=cash["customer"],
        type="return_canceled",
        net_amount=100,
        ending_balance=cash["ending_balance"] + 100,
        currency="eur",
    )
    intent = account.objects("setup_intent")[0]
    attempt = account.create("setup_attempt", setup_intent=intent["id"], status="succeeded")
    account.update("setup_intent", intent["id"], status="succeeded", latest_attempt=attempt["id"])

    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=CHILDREN, state=state, incremental=CHILDREN)

    got = {r["id"]: r for r in run.records["payment_methods"]}
    assert got[detached["id"]][DELETED_AT], "detached: no longer the customer's"
    assert got[detached["id"]]["customer"] == detached["customer"]
    assert got[updated["id"]]["metadata"] == {"nickname": "work card"}
    assert not got[attached["id"]].get(DELETED_AT)
    taxes = {r["id"]: r for r in run.records["customer_tax_ids"]}
    assert taxes[removed_tax_id["id"]][DELETED_AT]
    assert not taxes[new_tax_id["id"]].get(DELETED_AT)
    assert attempt["id"] in run.ids("setup_attempts")
    assert funded["id"] in run.ids("customer_cash_balance_transactions")
    paths = sorted(r.path for r in emulator.requests)
    named = {customer["id"], updated["customer"]}  # each customer's list read once
    assert paths == sorted(
        [
            "/v1/events",
            *(f"/v1/customers/{c}/payment_methods" for c in named),
            f"/v1/customers/{customer['id']}/tax_ids",
            f"/v1/customers/{cash['customer']}/cash_balance_transactions",
            "/v1/setup_attempts",
        ]
    ), "no parent list: the events, then the lists of the parents they name"


def test_a_run_with_nothing_changed_reads_no_parent(emulator: Emulator, backfilled: TapRun) -> None:
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=CHILDREN, state=state, incremental=CHILDREN)
    assert not any(run.records.values())
    assert [r.path for r in emulator.requests] == ["/v1/events"]


def test_full_refresh_stays_the_default_and_reads_every_customer(
    account: Account, emulator: Emulator
) -> None:
    run = run_tap(tap_config(emulator.url), streams=["payment_methods"])
    assert sorted(run.ids("payment_methods")) == sorted(
        m["id"] for m in account.objects("payment_method")
    )
    lists = [r for r in emulator.requests if r.path.endswith("/payment_methods")]
    assert len(lists) == account.count("customer")
    assert "full_read_at" not in run.final_state["bookmarks"].get("payment_methods", {})


def test_only_customers_with_a_cash_balance_cost_a_request(
    shared_account: Account, shared_emulator: Emulator
) -> None:
    shared_emulator.clear_requests()
    stream = "customer_cash_balance_transactions"
    run = run_tap(tap_config(shared_emulator.url), streams=[stream])
    expected = shared_account.objects("customer_cash_balance_transaction")
    assert sorted(run.ids(stream)) == sorted(t["id"] for t in expected)
    lists = {
        r.path for r in shared_emulator.requests if r.path.endswith("/cash_balance_transactions")
    }
    assert lists == {f"/v1/customers/{t['customer']}/cash_balance_transactions" for t in expected}
    assert len(lists) < shared_account.count("customer")


def test_product_features_carry_their_product(
    shared_account: Account, shared_emulator: Emulator
) -> None:
    run = run_tap(tap_config(shared_emulator.url), streams=["product_features"])
    expected = {
        f["id"]: p["id"]
        for p in shared_account.objects("product")
        for f in shared_account.children("product_feature", p["id"])
    }
    assert {r["id"]: r["product"] for r in run.records["product_features"]} == expected
    assert expected


def test_a_detachment_whose_event_names_no_customer_is_still_a_deletion(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    method = account.objects("payment_method")[0]
    account.record_event("payment_method.detached", {**method, "customer": None})
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(
        tap_config(emulator.url), streams=["payment_methods"], state=state, incremental=CHILDREN
    )
    (record,) = run.records["payment_methods"]
    assert (record["id"], record["customer"]) == (method["id"], None)
    assert record[DELETED_AT]
