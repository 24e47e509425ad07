"""What part of a run's ``created`` window is written, so that an interrupted run resumes there.

A run reads its window as several walks side by side (``fetch.py``), each newest first. Once a
page of a walk is written, everything in that walk's range newer than the page's oldest object
is written too: earlier pages of the same walk came first. So the part still to write is a set
of ranges of seconds that shrinks page by page, and it goes into the stream's state with every
STATE message::

    "backfill": {"remaining": [[gte, lte], ...], "until": <run start>, "newest": <created>}

A run that finds it reads only ``remaining`` plus what was created since ``until`` (and its
events, from the saved cursor as always). ``newest`` is the newest ``created`` written so far,
so that the bookmark at the end is what it would have been without the interruption. At the end
of a run the entry is set to null (null, not removed: a Flow merge patch keeps what it omits).

Guarantees: every object whose ``created`` lies in a range that left ``remaining`` was written
before the state that says so; objects of the oldest second of a page are read again on resume
(at least once, never a gap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

#: Key of the stream state holding an unfinished run's progress.
BACKFILL: Final = "backfill"

Range = tuple[int, int]  # inclusive, in Unix seconds


class BackfillProgress:
    """The ranges of a run's window still to be written."""

    def __init__(self, ranges: Iterable[Range], until: int, newest: int | None = None) -> None:
        self._ranges = sorted((lo, hi) for lo, hi in ranges if lo <= hi)
        self.until = until
        self.newest = newest

    @property
    def remaining(self) -> list[Range]:
        """The ranges still to be written, oldest first."""
        return list(self._ranges)

    def written(self, gte: int, lte: int, newest: int | None = None) -> None:
        """Everything with ``created`` in [gte, lte] is written (and ``newest`` was seen)."""
        kept: list[Range] = []
        for lo, hi in self._ranges:
            if hi < gte or lo > lte:
                kept.append((lo, hi))
                continue
            if lo < gte:
                kept.append((lo, gte - 1))
            if hi > lte:
                kept.append((lte + 1, hi))
        self._ranges = kept
        if newest is not None and (self.newest is None or newest > self.newest):
            self.newest = newest

    def as_state(self) -> dict[str, Any]:
        """The state entry (``BACKFILL``) of this progress."""
        return {
            "remaining": [[lo, hi] for lo, hi in self._ranges],
            "until": self.until,
            "newest": self.newest,
        }

    @classmethod
    def from_state(cls, entry: Any) -> BackfillProgress | None:
        """The progress an interrupted run saved, or None when there is none (or it is not of
        the shape this module writes: the run then starts from the bookmark, as before)."""
        if not isinstance(entry, Mapping):
            return None
        remaining, until, newest = entry.get("remaining"), entry.get("until"), entry.get("newest")
        if not isinstance(remaining, list) or not isinstance(until, int) or _is_bool(until):
            return None
        if newest is not None and not _is_int(newest):
            return None
        ranges: list[Range] = []
        for pair in remaining:
            if not (isinstance(pair, list) and len(pair) == 2 and all(map(_is_int, pair))):
                return None
            ranges.append((pair[0], pair[1]))
        return cls(ranges, until, newest)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not _is_bool(value)
