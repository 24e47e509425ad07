"""What one run of a stream reads, computed from its saved state alone (no I/O).

Reading window of an incremental stream (both bounds inclusive, Unix seconds)::

    start_date - lookback     bookmark - lookback              run start
    |--- first run ------------------------------------------------|
                              |--- a later run --------------------|
    created[gte]                                                   created[lte]

The bookmark is the newest ``created`` seen, capped at the run start, so a later run re-reads the
bookmark's own second (objects created in the same second are never skipped) plus the lookback
window (objects changed after creation are captured again). Change events are read from the
saved event cursor (``changes.py`` has their window). A run that an interrupted run left
unfinished reads only what that run left (``backfill.py``), plus what was created since it
started. A child stream driven by its parents' events reads its whole window once, then the
events alone (``child_changes.py``), and the whole again when ``full_read_every`` has passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from singer_sdk.exceptions import FatalAPIError

from tap_stripe_flow.backfill import BACKFILL, BackfillProgress
from tap_stripe_flow.changes import EVENT_RETENTION_SECONDS, EVENTS_SETTLE_SECONDS
from tap_stripe_flow.pagination import ListPage
from tap_stripe_flow.settings import parse_utc_timestamp

SECONDS_PER_DAY: Final = 86_400
#: Key of the stream state holding the event cursor, beside singer-sdk's bookmark.
EVENT_CURSOR: Final = "event_cursor"
#: Key of the stream state holding when a stream read by events alone last read itself whole.
FULL_READ_AT: Final = "full_read_at"


@dataclass(frozen=True)
class RunPlan:
    """What one run of a stream reads."""

    #: The ``created`` ranges of the list, as the first tokens of their walks.
    windows: tuple[ListPage, ...]
    #: Where the change events start (None: no events this run).
    event_cursor: int | None
    #: A saved cursor too old for Stripe's event retention (the stream is read again whole).
    expired_cursor: int | None
    #: What an interrupted run left to read (``backfill.py``); None for a run from the bookmark.
    resumed: BackfillProgress | None = None


@dataclass(frozen=True)
class StreamRun:
    """What the plan needs to know of a stream and its run."""

    name: str
    #: The bookmark's field (None: the stream keeps no bookmark).
    replication_key: str | None
    #: Whether the run is incremental (the bookmark applies).
    incremental: bool
    #: Whether the stream reads change events in this run.
    reads_events: bool
    #: Whether an interrupted run resumes where it stopped.
    resumable: bool
    start_date: str
    lookback_days: int
    #: The run's start (Unix seconds).
    now: int
    #: After a whole read, runs read the events alone (children driven by their parents'
    #: events), reading the whole again every ``full_read_every`` seconds (None: never).
    events_only: bool = False
    full_read_every: int | None = None
    #: Whether the list filters by ``created`` (False: every run reads it whole).
    filters_created: bool = True


def plan_run(stream: StreamRun, state: Mapping[str, Any]) -> RunPlan:
    """What this run reads, fixed from the state the run started with.

    The window starts at (bookmark, or start_date) minus the lookback; events are read from the
    saved cursor, unless it is older than Stripe keeps events: then the bookmark is ignored and
    the whole stream is read again, so that no change is lost. A run that an interrupted run's
    progress awaits reads only what that run left, plus what was created since it started, and
    the events since then at least: what that run wrote may have changed since.

    Raises:
        FatalAPIError: the state holds a bookmark of a shape the tap never writes.
    """
    key = stream.replication_key
    same_key = key is not None and state.get("replication_key") == key
    bookmark: Any = state.get("replication_key_value") if stream.incremental and same_key else None
    cursor = state.get(EVENT_CURSOR) if stream.reads_events else None
    now = stream.now
    expired = cursor is not None and cursor < now - EVENT_RETENTION_SECONDS
    if expired or bookmark is None:
        bookmark = stream.start_date
    try:
        base = parse_utc_timestamp(bookmark).timestamp() if isinstance(bookmark, str) else bookmark
        base = int(base)
    except (TypeError, ValueError) as exc:
        msg = (
            f"The state of stream '{stream.name}' holds {key} = {bookmark!r}, which is neither a "
            "Unix time nor a UTC date: fix the state, or re-backfill the stream"
        )
        raise FatalAPIError(msg) from exc
    if stream.events_only and cursor is not None and not expired:
        last_whole = state.get(FULL_READ_AT)
        every = stream.full_read_every
        if isinstance(last_whole, int) and (every is None or now - last_whole < every):
            return RunPlan(windows=(), event_cursor=int(cursor), expired_cursor=None)
    if not stream.filters_created:
        return RunPlan(
            windows=(ListPage(),),
            event_cursor=None if expired or cursor is None else int(cursor),
            expired_cursor=int(cursor) if expired and cursor is not None else None,
        )
    resumed = BackfillProgress.from_state(state.get(BACKFILL)) if stream.resumable else None
    if resumed is not None and resumed.until < now - EVENT_RETENTION_SECONDS:
        resumed = None  # the changes since it stopped are no longer all in Stripe's events
    if resumed is None:
        start = base - stream.lookback_days * SECONDS_PER_DAY
        return RunPlan(
            # none when the bookmark is ahead of this host's clock: nothing to ask for
            windows=(ListPage(None, start, now),) if start <= now else (),
            event_cursor=None if expired or cursor is None else int(cursor),
            expired_cursor=int(cursor) if expired and cursor is not None else None,
        )
    if not stream.reads_events:
        events_from = None
    elif cursor is None or expired:  # the interrupted run read no events, or in vain
        events_from = resumed.until - EVENTS_SETTLE_SECONDS
    else:
        events_from = int(cursor)
    windows = (*resumed.remaining, (resumed.until, now))
    return RunPlan(
        windows=tuple(ListPage(None, lo, hi) for lo, hi in windows if lo <= hi),
        event_cursor=events_from,
        expired_cursor=None,
        resumed=resumed,
    )
