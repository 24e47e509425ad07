"""A capture split over shards: connector processes side by side, each with its ``open.range``,
together capture every object exactly once, and a shard split again resumes from its state."""

from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from flow_adapter.shards import FULL
from stripe_emulator import Account, Emulator
from tests.support.accounts import endpoint_config
from tests.support.flow import Result, binding, open_request, reduce_state, stripe
from tests.support.streams import SEED_STREAMS, TOP_LEVEL, created, expected_ids

STREAMS = sorted(SEED_STREAMS)
#: Three shards of uneven widths, tiling the key range.
SHARDS = [
    {"keyBegin": 0, "keyEnd": 0x2FFF_FFFF, "rClockEnd": FULL},
    {"keyBegin": 0x3000_0000, "keyEnd": 0x9FFF_FFFF, "rClockEnd": FULL},
    {"keyBegin": 0xA000_0000, "keyEnd": FULL, "rClockEnd": FULL},
]


def run_shards(emulator: Emulator, ranges: list[dict[str, int]], state: Any) -> list[Result]:
    """One connector process per range, all at once against one emulator."""
    config = endpoint_config(emulator.url)
    bindings = [binding(s) for s in STREAMS]

    def one(range_: dict[str, int]) -> Result:
        return stripe(open_request(config, bindings, state, range_))

    with ThreadPoolExecutor(len(ranges)) as pool:
        results = list(pool.map(one, ranges))
    for result in results:
        assert result.code == 0, result.stderr.decode()[-2000:]
    return results


def documents(result: Result) -> list[tuple[str, str]]:
    """(stream, id) of each captured document."""
    return [
        (STREAMS[m["captured"]["binding"]], m["captured"]["doc"]["id"])
        for m in result.messages
        if "captured" in m
    ]


def part_log(result: Result) -> dict[str, Any]:
    (line,) = [log for log in result.logs if log["msg"] == "this shard owns a part of the capture"]
    return line["fields"]


@pytest.mark.slow
def test_shards_side_by_side_capture_every_object_once_and_split_again(
    shared_account: Account, shared_emulator: Emulator
) -> None:
    results = run_shards(shared_emulator, SHARDS, {})

    owners: dict[str, set[int]] = defaultdict(set)
    captured: Counter[tuple[str, str]] = Counter()
    for n, result in enumerate(results):
        for stream, oid in documents(result):
            owners[stream].add(n)
            captured[(stream, oid)] += 1
    assert all(len(shards) == 1 for shards in owners.values()), owners  # no stream read twice
    assert len({n for shards in owners.values() for n in shards}) == len(SHARDS)  # all worked
    assert [key for key, n in captured.items() if n > 1] == []
    for stream in STREAMS:
        got = sorted(oid for s, oid in captured if s == stream)
        assert got == sorted(expected_ids(shared_account, stream, since=0)), stream
    parts = [part_log(r) for r in results]
    assert sum(p["bindings"] for p in parts) == len(STREAMS)
    assert sum(p["budget_share"] for p in parts) == pytest.approx(1.0, abs=1e-5)

    # The widest shard is split in two; each child starts from its parent's state.
    parent_state = reduce_state(results[1].messages)
    parent_streams = {stream for stream, _ in documents(results[1])}
    children = [
        {"keyBegin": 0x3000_0000, "keyEnd": 0x5FFF_FFFF, "rClockEnd": FULL},
        {"keyBegin": 0x6000_0000, "keyEnd": 0x9FFF_FFFF, "rClockEnd": FULL},
    ]
    again = run_shards(shared_emulator, children, parent_state)
    resumed = [
        set(
            next(log for log in r.logs if log["msg"] == "starting capture")["fields"][
                "streams_resuming"
            ]
        )
        for r in again
    ]
    assert resumed[0].isdisjoint(resumed[1])
    incremental = {s for s in parent_streams if s in parent_state["bindingStateV1"]}
    assert resumed[0] | resumed[1] == {
        s for s in incremental if "replication_key_value" in parent_state["bindingStateV1"][s]
    }
    # Resumed, not backfilled again: an incremental stream re-reads its bookmark's second only.
    for result in again:
        for stream, oid in documents(result):
            assert stream in parent_streams
            bookmark = parent_state["bindingStateV1"].get(stream, {}).get("replication_key_value")
            if bookmark is not None and stream in TOP_LEVEL:
                obj = next(o for o in shared_account.objects(TOP_LEVEL[stream]) if o["id"] == oid)
                assert created(obj) >= int(bookmark), (stream, oid)
