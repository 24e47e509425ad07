"""`flow_adapter.state`, as pure functions: the checkpoints a tap's state lines become (only
what changed), state lines parsed, and the tap state an ``open`` rebuilds from Flow's."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from flow_adapter.errors import StateError, TapError
from flow_adapter.state import (
    STATE_LINE_STARTS,
    CheckpointTracker,
    StateBinding,
    loads_state,
    tap_state_for_open,
)
from tests.support.flow import reduce_state

pytestmark = pytest.mark.slow


def test_checkpoint_tracker_sends_only_changes() -> None:
    bindings = [StateBinding("a", "a.v2", True), StateBinding("b", "b", False)]
    tracker = CheckpointTracker(bindings, {"a": {"v": 1}})
    # a full-refresh binding keeps no bookmark
    assert tracker.update({"bookmarks": {"a": {"v": 1}, "b": {"replication_key_value": 9}}}) == {}
    assert tracker.update({"bookmarks": {"a": {"v": 2}}, "currently_syncing": "a"}) == {
        "bindingStateV1": {"a.v2": {"v": 2}}
    }
    assert tracker.update({"bookmarks": {"a": {"v": 2}}}) == {}
    with pytest.raises(TapError):
        tracker.update({"bookmarks": {"a": 3}})


def test_keys_a_tap_drops_from_a_bookmark_are_nulled_in_the_patch() -> None:
    tracker = CheckpointTracker([StateBinding("a", "a", True)], {})
    running = {"v": 1, "progress": {"note": "x", "v": 5}, "gone": [1]}
    done = {"v": 5, "progress": {"v": 6}}
    assert tracker.update({"bookmarks": {"a": running}}) == {"bindingStateV1": {"a": running}}
    patch = tracker.update({"bookmarks": {"a": done}})
    assert patch == {
        "bindingStateV1": {"a": {"v": 5, "progress": {"note": None, "v": 6}, "gone": None}}
    }
    # Flow's reduced state is then exactly the tap's last bookmark.
    checkpoint = {"checkpoint": {"state": {"updated": patch, "mergePatch": True}}}
    assert reduce_state([checkpoint], {"bindingStateV1": {"a": running}}) == {
        "bindingStateV1": {"a": done}
    }


def test_a_checkpoint_carries_the_accounts_that_changed_not_all_of_them() -> None:
    """A Connect platform's state maps thousands of accounts per stream: a checkpoint after one
    account's turn patches that account only, so no checkpoint grows with the platform."""
    tracker = CheckpointTracker([StateBinding("charges", "charges", True)], {})
    accounts = {f"acct_{n}": {"event_cursor": 100, "replication_key_value": n} for n in range(500)}
    first = {"bookmarks": {"charges": {"replication_key_value": 7, "accounts": accounts}}}
    tracker.update(first)
    later = copy.deepcopy(first)
    later["bookmarks"]["charges"]["accounts"]["acct_42"]["event_cursor"] = 200
    later["bookmarks"]["charges"]["accounts"]["acct_600"] = {"event_cursor": 300}
    del later["bookmarks"]["charges"]["accounts"]["acct_7"]
    patch = tracker.update(later)
    assert patch == {
        "bindingStateV1": {
            "charges": {
                "accounts": {
                    "acct_42": {"event_cursor": 200},
                    "acct_600": {"event_cursor": 300},
                    "acct_7": None,
                }
            }
        }
    }
    checkpoint = {"checkpoint": {"state": {"updated": patch, "mergePatch": True}}}
    before = {"bindingStateV1": {"charges": first["bookmarks"]["charges"]}}
    assert reduce_state([checkpoint], before) == {
        "bindingStateV1": {"charges": later["bookmarks"]["charges"]}
    }


def test_a_state_line_parses_to_the_same_value_with_repeated_objects_held_once() -> None:
    value = {
        "bookmarks": {
            "a": {"accounts": {f"acct_{n}": {"event_cursor": 100 + n % 2} for n in range(50)}},
            "b": {"list": [1, {"x": [2]}], "k": {"nested": {"v": 1}}, "empty": {}},
        }
    }
    line = json.dumps({"type": "STATE", "value": value}).encode()
    assert line.startswith(STATE_LINE_STARTS)
    parsed = loads_state(line)
    assert parsed == {"type": "STATE", "value": value}
    accounts = parsed["value"]["bookmarks"]["a"]["accounts"]
    assert len({id(state) for state in accounts.values()}) == 2


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ([1], "connector state must be a JSON object"),
        ({"bookmarks": {}}, "unexpected top-level keys ['bookmarks']"),
        ({"bindingStateV1": {"a": 5}}, "bindingStateV1['a'] must be a JSON object"),
    ],
)
def test_open_state_of_the_wrong_shape_is_rejected(state: Any, message: str) -> None:
    with pytest.raises(StateError) as info:
        tap_state_for_open(state, [StateBinding("a", "a", True)])
    assert message in str(info.value)


def test_open_state_rebuilds_bookmarks_per_state_key() -> None:
    bindings = [
        StateBinding("a", "a.v1", True),
        StateBinding("b", "b", True),
        StateBinding("c", "c", False),
    ]
    state = {"bindingStateV1": {"a": {"v": 1}, "b": {"v": 2}, "c": {"replication_key_value": 3}}}
    assert tap_state_for_open(state, bindings) == ({"bookmarks": {"b": {"v": 2}}}, ["a", "c"])
    assert tap_state_for_open(None, bindings) == ({"bookmarks": {}}, ["a", "b", "c"])


def test_a_full_refresh_binding_keeps_an_interrupted_runs_progress_but_no_bookmark() -> None:
    binding = StateBinding("c", "c", False)
    tracker = CheckpointTracker([binding], {})
    running = {"replication_key_value": 7, "backfill": {"remaining": [[1, 5]]}}
    assert tracker.update({"bookmarks": {"c": running}}) == {
        "bindingStateV1": {"c": {"backfill": {"remaining": [[1, 5]]}}}
    }
    saved = {"bindingStateV1": {"c": {"replication_key_value": 7, "backfill": {"x": 1}}}}
    assert tap_state_for_open(saved, [binding]) == (
        {"bookmarks": {"c": {"backfill": {"x": 1}}}},
        [],
    )
    # a finished run clears its progress: nothing left to start from
    assert tracker.update({"bookmarks": {"c": {"backfill": None}}}) == {
        "bindingStateV1": {"c": {"backfill": None}}
    }
