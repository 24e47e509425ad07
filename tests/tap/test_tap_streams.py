"""Every stream against the emulator: exactly the objects Stripe holds for the window."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow.streams import STREAMS
from tap_stripe_flow.tap import TapStripeFlow
from tests.support.accounts import ACCOUNT_ID, tap_config
from tests.support.streams import CHILDREN, SEED_STREAMS, TOP_LEVEL, expected_ids
from tests.support.tap import TapRun, run_tap

FEB_1 = int(datetime(2024, 2, 1, tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def full_run(shared_emulator: Emulator) -> TapRun:
    return run_tap(tap_config(shared_emulator.url))


@pytest.fixture(scope="module")
def february_run(shared_emulator: Emulator) -> TapRun:
    return run_tap(tap_config(shared_emulator.url, start_date="2024-02-01T00:00:00Z"))


def test_the_tap_has_every_stream_and_keeps_the_seeds_22(shared_emulator: Emulator) -> None:
    tap = TapStripeFlow(config=tap_config(shared_emulator.url), parse_env_config=False)
    assert sorted(tap.streams) == sorted([*TOP_LEVEL, *CHILDREN])
    assert len(SEED_STREAMS) == 22
    assert set(tap.streams) > SEED_STREAMS


@pytest.mark.parametrize("stream", sorted([*TOP_LEVEL, *CHILDREN]))
def test_stream_emits_every_object_once(
    stream: str, full_run: TapRun, shared_account: Account
) -> None:
    emitted = full_run.ids(stream)
    expected = expected_ids(shared_account, stream, since=0)
    assert expected, f"the emulator holds no {stream}: the test would prove nothing"
    key = STREAMS[stream].primary_keys  # capabilities: [account, id]
    keys = [tuple(r[k] for k in key) for r in full_run.records.get(stream, [])]
    duplicates = [i for i, n in Counter(keys).items() if n > 1]
    assert duplicates == []
    assert sorted(emitted) == sorted(expected)


@pytest.mark.parametrize("stream", sorted([*TOP_LEVEL, *CHILDREN]))
def test_stream_respects_start_date(
    stream: str, february_run: TapRun, shared_account: Account
) -> None:
    assert sorted(february_run.ids(stream)) == sorted(expected_ids(shared_account, stream, FEB_1))


@pytest.mark.parametrize("stream", sorted(CHILDREN))
def test_child_records_carry_their_parent_id(
    stream: str, full_run: TapRun, shared_account: Account
) -> None:
    parent_type, child_type, field = CHILDREN[stream]
    pairs = {  # (parent, child): a capability's id is only unique within its account
        (parent["id"], child["id"])
        for parent in shared_account.objects(parent_type)
        for child in shared_account.children(child_type, parent["id"])
    }
    assert full_run.records[stream]
    for record in full_run.records[stream]:
        assert (record[field], record["id"]) in pairs


def test_records_keep_every_field_stripe_sent(full_run: TapRun, shared_account: Account) -> None:
    stripe_charges = {c["id"]: c for c in shared_account.objects("charge")}
    for record in full_run.records["charges"]:
        assert record == stripe_charges[record["id"]]


def test_canceled_subscriptions_are_captured(full_run: TapRun, shared_account: Account) -> None:
    subscriptions = shared_account.objects("subscription")
    canceled = {s["id"] for s in subscriptions if s["status"] == "canceled"}
    assert canceled, "the emulator holds no canceled subscription"
    assert canceled <= set(full_run.ids("subscriptions"))


def test_child_streams_cost_one_request_per_parent_page_plus_overflow(
    account: Account, emulator: Emulator
) -> None:
    """Embedded children are free; a request is made only for lists Stripe cut short."""
    run = run_tap(tap_config(emulator.url), streams=["invoice_line_items"])
    invoices = account.objects("invoice")
    overflowing = [i for i in invoices if len(account.children("line_item", i["id"])) > 10]
    assert overflowing, "no invoice has more than 10 lines: has_more is not exercised"
    requests = [r for r in emulator.requests if r.path.startswith("/v1/invoices")]
    child_requests = [r for r in requests if r.path.endswith("/lines")]
    parent_pages = math.ceil(len(invoices) / 100)
    assert len(requests) - len(child_requests) == parent_pages
    expected_child_pages = sum(
        math.ceil((len(account.children("line_item", i["id"])) - 10) / 100) for i in overflowing
    )
    assert len(child_requests) == expected_child_pages
    assert len(run.ids("invoice_line_items")) == sum(
        len(account.children("line_item", i["id"])) for i in invoices
    )


def test_no_empty_trailing_page(account: Account, emulator: Emulator) -> None:
    run_tap(tap_config(emulator.url), streams=["charges"])
    pages = [r for r in emulator.requests if r.path == "/v1/charges"]
    assert len(pages) == max(1, math.ceil(len(account.objects("charge")) / 100))


def test_every_request_pins_the_api_version_and_account(
    account: Account, emulator: Emulator
) -> None:
    run_tap(tap_config(emulator.url), streams=["customers", "bank_accounts"])
    assert emulator.requests
    for request in emulator.requests:
        assert request.stripe_version == "2024-06-20"
        assert request.stripe_account == ACCOUNT_ID
