"""A Connect platform captured by Flow (``capture_connected_accounts``): split over shards that
each read their share of the accounts side by side, split again, and resumed after a kill."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from flow_adapter.shards import FULL
from stripe_emulator import Account, Emulator, build_platform, connected_accounts
from tests.support.accounts import API_KEY, DATA_END, DATA_START, endpoint_config, make_account
from tests.support.flow import (
    STRIPE_CONNECTOR,
    Result,
    binding,
    check_response,
    merge_patch,
    open_request,
    reduce_state,
    start_connector,
    stripe,
)

pytestmark = pytest.mark.slow

STREAMS = ["charges", "coupons", "customers", "invoices", "products"]
OBJECT = {
    "charges": "charge",
    "coupons": "coupon",
    "customers": "customer",
    "invoices": "invoice",
    "products": "product",
}
SHARDS = [
    {"keyBegin": 0, "keyEnd": 0x2FFF_FFFF, "rClockEnd": FULL},
    {"keyBegin": 0x3000_0000, "keyEnd": 0x9FFF_FFFF, "rClockEnd": FULL},
    {"keyBegin": 0xA000_0000, "keyEnd": FULL, "rClockEnd": FULL},
]


def platform_config(url: str) -> dict[str, Any]:
    config = endpoint_config(url)
    config["advanced"]["capture_connected_accounts"] = True
    return config


def bindings() -> list[dict[str, Any]]:
    out = []
    for stream in STREAMS:
        b = binding(stream)
        b["collection"]["key"] = ["/account_id", "/id"]
        out.append(b)
    return out


@pytest.fixture(scope="module")
def platform() -> tuple[Account, dict[str, Account]]:
    platform = make_account(objects=200, seed=23)
    platform.clock = lambda: int(DATA_END.timestamp())
    shops = connected_accounts(
        12,
        21,
        DATA_START,
        DATA_END,
        sizes=(9, 14, 6, 0),
        api_key=API_KEY,
        event_retention_days=None,
    )
    return platform, build_platform(platform, shops)


def expected(emulator: Emulator, platform: Account) -> set[tuple[str, str, str]]:
    """(stream, account_id, id) of every object of every listed account."""
    want: set[tuple[str, str, str]] = set()
    for account_id in [platform.id, *(a["id"] for a in platform.objects("account"))]:
        holder = platform if account_id == platform.id else emulator.connected(account_id)
        for stream, object_type in OBJECT.items():
            want |= {(stream, account_id, o["id"]) for o in holder.objects(object_type)}
    return want


def documents(messages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (
            STREAMS[m["captured"]["binding"]],
            m["captured"]["doc"]["account_id"],
            m["captured"]["doc"]["id"],
        )
        for m in messages
        if "captured" in m
    ]


def run_shards(emulator: Emulator, ranges: list[dict[str, int]], state: Any) -> list[Result]:
    config = platform_config(emulator.url)

    def one(range_: dict[str, int]) -> Result:
        return stripe(open_request(config, bindings(), state, range_))

    with ThreadPoolExecutor(len(ranges)) as pool:
        results = list(pool.map(one, ranges))
    for result in results:
        assert result.code == 0, result.stderr.decode()[-2000:]
    return results


def test_shards_divide_the_accounts_and_a_split_shard_keeps_only_its_own(
    platform: tuple[Account, dict[str, Account]],
) -> None:
    account, shops = platform
    with Emulator(account, connected_accounts=shops) as emulator:
        results = run_shards(emulator, SHARDS, {})
        want = expected(emulator, account)
        by_account = Counter(r.stripe_account for r in emulator.requests if r.path == "/v1/charges")
    readers: dict[str, set[int]] = defaultdict(set)
    captured: Counter[tuple[str, str, str]] = Counter()
    for n, result in enumerate(results):
        for doc in documents(result.messages):
            captured[doc] += 1
            readers[doc[1]].add(n)
    assert set(captured) == want
    assert [doc for doc, times in captured.items() if times > 1] == []
    assert all(len(shards) == 1 for shards in readers.values()), readers
    # each shard listed every account and read its share: together, each account once
    counts = [
        [int(w) for w in log["msg"].replace(",", "").split() if w.isdigit()]
        for r in results
        for log in r.logs
        if log["msg"].startswith("Connect platform")
    ]
    assert len(counts) == len(SHARDS)
    assert {listed for listed, _ in counts} == {len(account.objects("account"))}
    assert sum(mine for _, mine in counts) == len(account.objects("account"))
    assert all(mine for _, mine in counts), counts
    # every account (empty ones too) listed by each shard, its data read by one alone
    assert set(by_account.values()) == {1}
    assert len(by_account) == 1 + len(account.objects("account"))

    # the middle shard is split in two: each child keeps its own accounts' state only
    parent = reduce_state(results[1].messages)
    parent_accounts = set(parent["bindingStateV1"]["charges"].get("accounts", {}))
    children = [
        {"keyBegin": 0x3000_0000, "keyEnd": 0x5FFF_FFFF, "rClockEnd": FULL},
        {"keyBegin": 0x6000_0000, "keyEnd": 0x9FFF_FFFF, "rClockEnd": FULL},
    ]
    with Emulator(account, connected_accounts=shops) as emulator:
        again = run_shards(emulator, children, parent)
    kept = [
        set(reduce_state(r.messages, parent)["bindingStateV1"]["charges"].get("accounts", {}))
        for r in again
    ]
    assert kept[0].isdisjoint(kept[1])
    assert kept[0] | kept[1] == parent_accounts
    # resumed, not read again from start_date: only the bookmark's second and later
    for result in again:
        for stream, account_id, oid in documents(result.messages):
            holder = account if account_id == account.id else shops.get(account_id)
            assert holder is not None
            bookmark = (
                parent["bindingStateV1"][stream]["accounts"][account_id]["replication_key_value"]
                if account_id != account.id
                else parent["bindingStateV1"][stream]["replication_key_value"]
            )
            obj = next(o for o in holder.objects(OBJECT[stream]) if o["id"] == oid)
            assert obj["created"] >= bookmark, (stream, account_id, oid)


def run_until(open_line: bytes, checkpoints: int) -> list[dict[str, Any]]:
    """Run the connector and SIGKILL it once it has written ``checkpoints`` checkpoints
    (or let it finish): the messages written before the kill."""
    messages: list[dict[str, Any]] = []
    seen = 0
    with start_connector(
        STRIPE_CONNECTOR, [open_line], stderr=False, new_session=True
    ) as connector:
        for line in connector.lines():
            messages.append(check_response(line))
            if "checkpoint" in messages[-1]:
                seen += 1
                if seen >= checkpoints:
                    connector.kill_group()
                    break
        connector.finish(timeout=60, drain=False)
    return messages


def test_killed_mid_platform_it_resumes_each_account_where_its_state_says(
    platform: tuple[Account, dict[str, Account]],
) -> None:
    """Killed after its second checkpoint, then run again from the state committed: every
    object of every account arrives, and an account whose stream the first run finished is
    not read again from start_date."""
    account, shops = platform
    with Emulator(account, connected_accounts=shops, latency_ms=30) as emulator:
        config = platform_config(emulator.url)
        first = run_until(open_request(config, bindings(), {}), checkpoints=2)
        state = reduce_state(first)
        committed: set[tuple[str, str, str]] = set()
        pending: list[tuple[str, str, str]] = []
        for m in first:
            if "captured" in m:
                pending += documents([m])
            elif "checkpoint" in m:
                committed |= set(pending)
                pending = []
        time.sleep(0.1)
        second = stripe(open_request(config, bindings(), state))
        assert second.code == 0, second.stderr.decode()[-2000:]
        want = expected(emulator, account)
    assert committed, "the kill came after some documents were committed"
    assert committed | set(documents(second.messages)) == want
    done = state["bindingStateV1"]["charges"].get("accounts", {})
    finished = [a for a, s in done.items() if "replication_key_value" in s and "backfill" not in s]
    for account_id in finished:
        again = [d for d in documents(second.messages) if d[:2] == ("charges", account_id)]
        bookmark = done[account_id]["replication_key_value"]
        created = {o["id"]: o["created"] for o in shops[account_id].objects("charge")}
        assert all(created[oid] >= bookmark for _, _, oid in again), account_id
    assert json.dumps(state).count(API_KEY) == 0
    assert merge_patch({}, state) == state
