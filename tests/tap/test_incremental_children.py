"""Child streams in ``incremental`` mode: after one whole read, only the parents events name."""

from __future__ import annotations

from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow.changes import DELETED_AT
from tests.support.accounts import tap_config
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600
CHILDREN = [
    "bank_accounts",
    "cards",
    "customer_balance_transactions",
    "invoice_line_items",
    "subscription_items",
]
PARENT_LISTS = {"/v1/customers", "/v1/invoices", "/v1/subscriptions"}


@pytest.fixture
def backfilled(account: Account, emulator: Emulator) -> TapRun:
    """A first run of the four children, incremental; later changes are dated half an hour
    after the (rewound) cursor."""
    first = run_tap(tap_config(emulator.url), streams=CHILDREN, incremental=CHILDREN)
    cursor = first.final_state["bookmarks"]["bank_accounts"]["event_cursor"]
    account.clock = lambda: cursor - HOUR + 1800
    emulator.clear_requests()
    return first


def test_the_first_run_reads_every_child_and_marks_the_whole_read(
    account: Account, backfilled: TapRun
) -> None:
    assert set(backfilled.ids("invoice_line_items")) == {
        line["id"] for line in account.objects("line_item")
    }
    assert set(backfilled.ids("customer_balance_transactions")) == {
        t["id"] for t in account.objects("customer_balance_transaction")
    }
    for stream in CHILDREN:
        assert {"event_cursor", "full_read_at"} <= set(backfilled.final_state["bookmarks"][stream])


def test_a_run_with_nothing_changed_reads_no_parent(emulator: Emulator, backfilled: TapRun) -> None:
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=CHILDREN, state=state, incremental=CHILDREN)
    assert not any(run.records.values())
    assert [r.path for r in emulator.requests] == ["/v1/events"]  # one walk, one page


def test_changed_children_arrive_and_removed_ones_as_deletions(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    invoice = account.objects("invoice")[-1]
    added_line = account.create("line_item", invoice=invoice["id"], amount=4200)
    subscription = next(s for s in account.objects("subscription") if s["status"] != "canceled")
    removed_item = account.children("subscription_item", subscription["id"])[0]
    account.delete("subscription_item", removed_item["id"])
    customer = account.objects("customer")[-1]
    txn = account.create("customer_balance_transaction", customer=customer["id"], amount=-300)
    bank = next(b for b in account.objects("bank_account"))
    account.delete("bank_account", bank["id"])
    new_bank = account.create("bank_account", customer=customer["id"])
    card = next(c for c in account.objects("card") if c["customer"] != customer["id"])
    account.delete("card", card["id"])
    new_card = account.create("card", customer=customer["id"], last4="4242")

    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=CHILDREN, state=state, incremental=CHILDREN)

    lines = {r["id"]: r for r in run.records["invoice_line_items"]}
    assert set(lines) == {line["id"] for line in account.children("line_item", invoice["id"])}
    assert lines[added_line["id"]]["invoice"] == invoice["id"]
    items = {r["id"]: r for r in run.records["subscription_items"]}
    assert items[removed_item["id"]][DELETED_AT]
    assert items[removed_item["id"]]["subscription"] == subscription["id"]
    kept = {i["id"] for i in account.children("subscription_item", subscription["id"])}
    assert set(items) == kept | {removed_item["id"]}
    assert not any(items[i].get(DELETED_AT) for i in kept)
    assert txn["id"] in run.ids("customer_balance_transactions")
    banks = {r["id"]: r for r in run.records["bank_accounts"]}
    assert banks[bank["id"]][DELETED_AT]
    assert new_bank["id"] in banks
    assert not banks[new_bank["id"]].get(DELETED_AT)
    cards = {r["id"]: r for r in run.records["cards"]}
    assert cards[card["id"]][DELETED_AT]
    assert cards[card["id"]]["customer"] == card["customer"]
    assert set(cards) == {card["id"]} | {c["id"] for c in account.children("card", customer["id"])}
    assert not cards[new_card["id"]].get(DELETED_AT)
    assert not set(cards) & set(banks)
    # no parent list is read: the events, then the child lists that events do not embed
    paths = [r.path for r in emulator.requests]
    assert not PARENT_LISTS & set(paths)
    assert sorted(paths) == sorted(
        [
            "/v1/events",
            f"/v1/customers/{customer['id']}/balance_transactions",
            f"/v1/customers/{customer['id']}/sources",  # its bank accounts
            f"/v1/customers/{customer['id']}/sources",  # its cards
        ]
    )


def test_a_parent_change_that_leaves_its_children_alone_costs_nothing(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    customer = account.objects("customer")[-1]
    account.update("customer", customer["id"], name="Renamed, balance untouched")
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=CHILDREN, state=state, incremental=CHILDREN)
    assert not run.records.get("customer_balance_transactions")
    assert [r.path for r in emulator.requests] == ["/v1/events"]


def test_the_whole_is_read_again_after_full_read_every_days(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    state = rewound(backfilled.final_state, 8 * 86_400)  # the last whole read: 8 days ago
    run = run_tap(
        tap_config(emulator.url), streams=["invoice_line_items"], state=state, incremental=CHILDREN
    )
    assert set(run.ids("invoice_line_items")) == {i["id"] for i in account.objects("line_item")}
    assert (
        run.final_state["bookmarks"]["invoice_line_items"]["full_read_at"]
        > (state["bookmarks"]["invoice_line_items"]["full_read_at"])
    )


def test_full_refresh_stays_the_default(emulator: Emulator, backfilled: TapRun) -> None:
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(tap_config(emulator.url), streams=["invoice_line_items"], state=state)
    assert run.ids("invoice_line_items"), "read whole, as the seed defines it"
    assert "/v1/invoices" in {r.path for r in emulator.requests}


def ticking(start: int) -> Any:
    """A clock one second later at each reading: each change in its own second."""
    seconds = iter(range(start, start + 10_000))
    return lambda: next(seconds)


def test_a_child_removed_beyond_the_embedded_ten_arrives_as_a_deletion(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    account.clock = ticking(account.clock())
    subscription = next(s for s in account.objects("subscription") if s["status"] != "canceled")
    for _ in range(11):  # more than the 10 a subscription embeds
        account.create("subscription_item", subscription=subscription["id"])
    removed = account.children("subscription_item", subscription["id"])[0]
    account.delete("subscription_item", removed["id"])
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(
        tap_config(emulator.url), streams=["subscription_items"], state=state, incremental=CHILDREN
    )
    items = {r["id"]: r for r in run.records["subscription_items"]}
    assert items[removed["id"]][DELETED_AT]
    kept = {i["id"] for i in account.children("subscription_item", subscription["id"])}
    assert kept <= set(items)
    assert not any(items[i].get(DELETED_AT) for i in kept)
    assert "/v1/subscription_items" in {r.path for r in emulator.requests}  # the rest, listed


def test_events_in_another_api_version_have_their_children_read_again(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    account.event_api_version = "2023-10-16"  # the account was upgraded since: older shapes
    invoice = account.objects("invoice")[-1]
    line = account.create("line_item", invoice=invoice["id"], amount=77)
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(
        tap_config(emulator.url), streams=["invoice_line_items"], state=state, incremental=CHILDREN
    )
    lines = {r["id"]: r for r in run.records["invoice_line_items"]}
    assert set(lines) == {x["id"] for x in account.children("line_item", invoice["id"])}
    assert "metadata" in lines[line["id"]], "as listed in the pinned version, not the event's"
    assert f"/v1/invoices/{invoice['id']}/lines" in {r.path for r in emulator.requests}


def test_a_deleted_parents_children_arrive_as_deletions(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    invoice = next(
        i
        for i in account.objects("invoice")
        if 0 < len(account.children("line_item", i["id"])) <= 10
    )
    lines = {x["id"] for x in account.children("line_item", invoice["id"])}
    account.delete("invoice", invoice["id"])
    state = rewound(backfilled.final_state, HOUR)
    run = run_tap(
        tap_config(emulator.url), streams=["invoice_line_items"], state=state, incremental=CHILDREN
    )
    deleted = {r["id"] for r in run.records["invoice_line_items"] if r.get(DELETED_AT)}
    assert deleted == lines  # all of them: the deleted invoice's event embedded them all


def test_a_sources_event_of_another_kind_costs_the_other_stream_nothing(
    account: Account, emulator: Emulator, backfilled: TapRun
) -> None:
    customer = account.objects("customer")[-1]
    card = account.create("card", customer=customer["id"])
    state = rewound(backfilled.final_state, HOUR)
    streams = ["bank_accounts", "cards"]
    run = run_tap(tap_config(emulator.url), streams=streams, state=state, incremental=CHILDREN)
    assert not run.records.get("bank_accounts")
    assert card["id"] in run.ids("cards")
    paths = [r.path for r in emulator.requests]
    assert paths.count(f"/v1/customers/{customer['id']}/sources") == 1  # the cards' read
