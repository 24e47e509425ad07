"""Day 100: a run costs what changed, not what exists (the seed's 22 streams, for which issue
#16 states its goals; four children incremental)."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tests.support.accounts import make_account, tap_config
from tests.support.streams import SEED_STREAMS
from tests.support.tap import TapRun, rewound, run_tap

HOUR = 3600
INCREMENTAL_CHILDREN = [
    "bank_accounts",
    "customer_balance_transactions",
    "invoice_line_items",
    "subscription_items",
]
STREAMS = sorted(SEED_STREAMS)
#: The issue's goal for 22 streams with nothing changed and no lookback.
GOAL_REQUESTS = 30


@pytest.fixture(scope="module", params=[600, 3000], ids=["small", "5x"])
def day_one(request: pytest.FixtureRequest) -> Iterator[tuple[Account, Emulator, dict[str, Any]]]:
    """An account of each size, backfilled once; later changes are dated after its cursors."""
    account = make_account(objects=request.param)
    with Emulator(account) as emulator:
        first = run_tap(tap_config(emulator.url), streams=STREAMS, incremental=INCREMENTAL_CHILDREN)
        state = rewound(first.final_state, HOUR)
        cursor = min(b["event_cursor"] for b in state["bookmarks"].values() if "event_cursor" in b)
        account.clock = lambda: cursor + 1800
        yield account, emulator, state


def a_later_run(emulator: Emulator, state: dict[str, Any]) -> TapRun:
    """A run of every seed stream from ``state``, the four children incremental."""
    emulator.clear_requests()
    return run_tap(
        tap_config(emulator.url), streams=STREAMS, state=state, incremental=INCREMENTAL_CHILDREN
    )


def test_a_run_with_nothing_changed_costs_a_request_per_stream_and_one_events_walk(
    day_one: tuple[Account, Emulator, dict[str, Any]],
) -> None:
    _, emulator, state = day_one
    a_later_run(emulator, state)
    paths = collections.Counter(r.path for r in emulator.requests)
    assert paths["/v1/events"] == 2  # the events stream's own list, and the one shared walk
    assert max(paths.values()) <= 2
    assert sum(paths.values()) <= GOAL_REQUESTS
    assert not [p for p in paths if p.count("/") > 2 and "checkout" not in p], "no child lists"


def test_k_changes_cost_at_most_a_request_each_beyond_that(
    day_one: tuple[Account, Emulator, dict[str, Any]],
) -> None:
    account, emulator, state = day_one
    a_later_run(emulator, state)
    unchanged = len(emulator.requests)

    customers = account.objects("customer")[:5]
    for customer in customers:  # a balance transaction each: a child list read per customer
        account.create("customer_balance_transaction", customer=customer["id"], amount=100)
    invoices = account.objects("invoice")[:5]
    for invoice in invoices:  # lines embedded in the event: free, past 10 lines: the rest
        account.update("invoice", invoice["id"], description="changed")
    run = a_later_run(emulator, state)
    assert len(emulator.requests) <= unchanged + len(customers) + len(invoices)
    assert {c["id"] for c in customers} <= {
        t["customer"] for t in run.records["customer_balance_transactions"]
    }
