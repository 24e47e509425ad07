"""The ranges an unfinished run has left (``tap_stripe_flow/backfill.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tap_stripe_flow.backfill import BackfillProgress


def test_written_ranges_leave_the_remaining_ones() -> None:
    progress = BackfillProgress([(100, 199), (300, 399)], until=400)
    progress.written(150, 199, newest=190)  # the newer part of the first walk
    assert progress.remaining == [(100, 149), (300, 399)]
    progress.written(320, 350)  # the middle of a range: it splits in two
    assert progress.remaining == [(100, 149), (300, 319), (351, 399)]
    progress.written(0, 1000, newest=120)  # everything
    assert progress.remaining == []
    assert progress.newest == 190  # the newest seen, never lowered


def test_state_round_trip() -> None:
    progress = BackfillProgress([(100, 149), (300, 399)], until=400, newest=390)
    entry = progress.as_state()
    assert entry == {"remaining": [[100, 149], [300, 399]], "until": 400, "newest": 390}
    again = BackfillProgress.from_state(entry)
    assert again is not None
    assert again.as_state() == entry


@pytest.mark.parametrize(
    "entry",
    [
        None,
        "all",
        {"remaining": "all", "until": 5},
        {"remaining": [[1, 2]], "until": True},
        {"remaining": [[1, 2]], "until": "5"},
        {"remaining": [[1]], "until": 5},
        {"remaining": [[1, "2"]], "until": 5},
        {"remaining": [], "until": 5, "newest": 1.5},
    ],
)
def test_an_entry_of_another_shape_is_no_progress(entry: Any) -> None:
    assert BackfillProgress.from_state(entry) is None
