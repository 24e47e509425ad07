"""A split capture: each shard owns the bindings its part of ``open.range`` holds."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from flow_adapter.errors import ProtocolError
from flow_adapter.protocol import OpenRequest, parse_request
from flow_adapter.shards import FULL, ShardRange

UNITS = [f"stream_{i}" for i in range(600)] + ["charges", "customers", "invoice_line_items"]


def key_split(cuts: list[int]) -> list[ShardRange]:
    """Shards cutting the key range at ``cuts`` (each shard: [cut, next cut - 1])."""
    bounds = [0, *cuts, FULL + 1]
    return [ShardRange(key_begin=a, key_end=b - 1) for a, b in itertools.pairwise(bounds)]


def even(parts: int) -> list[int]:
    return [(FULL + 1) * k // parts for k in range(1, parts)]


def assert_tiles(shards: list[ShardRange]) -> None:
    """Every unit is owned by exactly one shard, and the shares add up to the whole."""
    for unit in UNITS:
        owners = [s for s in shards if s.owns(unit)]
        assert len(owners) == 1, (unit, owners)
    assert sum(s.share for s in shards) == pytest.approx(1.0)


@pytest.mark.parametrize("parts", [1, 2, 3, 16])
def test_an_even_split_gives_every_binding_to_one_shard(parts: int) -> None:
    shards = key_split(even(parts))
    assert_tiles(shards)
    if parts > 1:  # the work is spread, not left to one shard
        assert all(any(s.owns(u) for u in UNITS) for s in shards)


def test_uneven_and_two_dimensional_splits_tile_too() -> None:
    assert_tiles(key_split([1, 7, 1 << 20, 0x8000_0000, FULL - 5]))
    halves = key_split(even(2))
    quarters = [
        ShardRange(h.key_begin, h.key_end, r_clock_begin=a, r_clock_end=b - 1)
        for h in halves
        for a, b in ((0, 0x4000_0000), (0x4000_0000, FULL + 1))
    ]
    assert_tiles(quarters)


def test_a_shard_split_again_hands_each_binding_to_one_of_its_children() -> None:
    parent = ShardRange(key_begin=0, key_end=0x7FFF_FFFF)
    children = [
        ShardRange(key_begin=0, key_end=0x3FFF_FFFF),
        ShardRange(key_begin=0x4000_0000, key_end=0x7FFF_FFFF),
    ]
    for unit in UNITS:
        assert parent.owns(unit) == any(c.owns(unit) for c in children)
        assert sum(c.owns(unit) for c in children) <= 1
    assert sum(c.share for c in children) == pytest.approx(parent.share)


def test_ownership_is_the_same_in_every_process() -> None:
    """blake2b of the name, not Python's salted ``hash()``: another process, with another hash
    seed, gives each binding to the same shard."""
    half = ShardRange(key_begin=0, key_end=0x7FFF_FFFF)
    code = (
        "import sys; from flow_adapter.shards import ShardRange as S; "
        "h = S(key_begin=0, key_end=0x7FFF_FFFF); "
        "print(''.join('1' if h.owns(u) else '0' for u in sys.argv[1:]))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code, *UNITS],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        assert out == "".join("1" if half.owns(u) else "0" for u in UNITS)
    assert ShardRange().whole
    assert ShardRange().share == 1.0
    assert not half.whole
    assert half.share == pytest.approx(0.5)


def open_line(range_: dict[str, int]) -> bytes:
    body = {
        "capture": {"name": "a/b", "config": {}, "bindings": [], "intervalSeconds": 1},
        "version": "v1",
        "range": range_,
        "state": {},
    }
    return json.dumps({"open": body}).encode()


def test_open_range_is_parsed_with_its_ends() -> None:
    request = parse_request(open_line({"keyBegin": 5, "keyEnd": 9, "rClockEnd": FULL}))
    assert isinstance(request, OpenRequest)
    assert request.range == ShardRange(key_begin=5, key_end=9, r_clock_begin=0, r_clock_end=FULL)
    for bad in ({"keyBegin": 9, "keyEnd": 5}, {"keyEnd": FULL + 1}, {"keyEnd": "x"}):
        with pytest.raises(ProtocolError, match=r"open\.range"):
            parse_request(open_line(bad))
