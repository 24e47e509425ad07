"""Which share of a split capture this shard owns (``open.range``).

Flow splits a capture task into shards and gives each one a rectangle of a two-dimensional space,
``keyBegin..keyEnd`` by ``rClockBegin..rClockEnd`` (each 0..4294967295, both ends inclusive);
the shards' rectangles tile the whole space, and a split cuts one rectangle in two.

A unit of work (a binding, by its resource path) gets a point in that space from two
independent hashes of its name, so that:

* every unit belongs to exactly one shard of any split (the rectangles tile the space), and the
  same shard on every run and every process (the hash is fixed, not Python's salted ``hash``);
* after a shard is split again, each unit it owned belongs to one of its two children, which
  start from the parent's state and keep only their own units' part of it;
* a shard's share of the capture's request budget is its rectangle's share of the space, so the
  shards of a split together never exceed the budget.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

#: The largest key and r-clock value: the full range is 0..FULL.
FULL: Final = 0xFFFF_FFFF


def _point(unit: str, axis: str) -> int:
    digest = hashlib.blake2b(f"{axis}\0{unit}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class ShardRange:
    """The part of the capture this shard owns (``open.range``)."""

    key_begin: int = 0
    key_end: int = FULL
    r_clock_begin: int = 0
    r_clock_end: int = FULL

    def __post_init__(self) -> None:
        for begin, end, name in (
            (self.key_begin, self.key_end, "key"),
            (self.r_clock_begin, self.r_clock_end, "rClock"),
        ):
            if not 0 <= begin <= end <= FULL:
                msg = f"open.range: {name}Begin..{name}End must lie within 0..{FULL}, in order"
                raise ValueError(msg)

    @property
    def whole(self) -> bool:
        """Whether this shard owns the whole capture (it was not split)."""
        return self == ShardRange()

    @property
    def share(self) -> float:
        """This shard's part of the whole space (1.0 for an unsplit capture)."""
        keys = (self.key_end - self.key_begin + 1) / (FULL + 1)
        clocks = (self.r_clock_end - self.r_clock_begin + 1) / (FULL + 1)
        return keys * clocks

    def owns(self, unit: str) -> bool:
        """Whether ``unit`` (a binding's resource path, joined by ``/``) is this shard's work."""
        key, clock = _point(unit, "key"), _point(unit, "rClock")
        return (
            self.key_begin <= key <= self.key_end
            and self.r_clock_begin <= clock <= self.r_clock_end
        )
