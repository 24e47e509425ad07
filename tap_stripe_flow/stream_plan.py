"""What a stream reads in this run, and the record of what it wrote: the planning half of
``client.StripeStream``.

``PlannedStream`` turns the stream's declaration (``client.StripeStream``'s class attributes),
its settings and the state the run started with into the run's ``RunPlan`` (``run_plan.py``:
windows, event cursor, resume), decides the modes around it (change events, events alone), and
records after each page written what a resumable run has written (``backfill.py``). It does no
I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import RESTStream
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL, Catalog
from typing_extensions import override

from tap_stripe_flow.backfill import BACKFILL, BackfillProgress
from tap_stripe_flow.changes import EVENTS_SETTLE_SECONDS, ChangeEvents
from tap_stripe_flow.fetch import ChildrenOfEvents
from tap_stripe_flow.pagination import Delivered, ListPage, ParentsPage, StripePage, WalkEnd
from tap_stripe_flow.run_plan import SECONDS_PER_DAY, RunPlan, StreamRun, plan_run

if TYPE_CHECKING:
    from tap_stripe_flow.events_reader import EventInterest


class PlannedStream(RESTStream[Any]):
    """The run's plan of a stream, and its resume progress (module docstring)."""

    # declared by ``client.StripeStream`` (and each stream)
    event_types: ClassVar[ChangeEvents | None]
    filters_created: ClassVar[bool]
    list_variants: ClassVar[tuple[Mapping[str, str], ...]]
    child_lists: ClassVar[bool]

    @cached_property
    def run_started_at(self) -> int:
        """The run's start (Unix seconds): the newest ``created`` asked for and bookmarked."""
        return math.floor(self._initialized_at / 1000)

    # This run's plan ---------------------------------------------------------------------------

    @property
    def change_events(self) -> ChangeEvents | None:
        """This stream's change events, when it captures changes in this run."""
        if self.events_driven:
            return self.event_types
        if not self.config.get("capture_changes", True) or not self.replication_key:
            return None
        if self.replication_method != REPLICATION_INCREMENTAL:
            return None
        return self.event_types

    @cached_property
    def plan(self) -> RunPlan:
        """What this run reads, fixed from the state the run started with (``run_plan.py``)."""
        run = StreamRun(
            name=self.name,
            replication_key=self.replication_key,
            incremental=self.replication_method == REPLICATION_INCREMENTAL,
            reads_events=self.change_events is not None,
            resumable=self.resumable,
            filters_created=self.filters_created,
            start_date=self.config["start_date"],
            lookback_days=int(self.config.get("lookback_window_days", 0)),
            now=self.run_started_at,
            events_only=self.events_driven,
            full_read_every=self.full_read_every,
        )
        plan = plan_run(run, self.get_context_state(None))
        if not self.list_variants:
            return plan
        windows = tuple(
            replace(window, variant=tuple(sorted(variant.items())))
            for window in plan.windows
            for variant in self.list_variants
        )
        return replace(plan, windows=windows)

    @classmethod
    def reads_events_alone(cls) -> bool:
        """Whether the stream's ``incremental`` mode reads, after one whole read, the events
        alone (``events_driven``): a list without a ``created`` filter whose objects Stripe
        sends events for (child streams: their parents' events, ``child_streams.py``).
        Discovery lists both replication methods for such a stream; full refresh stays its
        default."""
        return not cls.filters_created and cls.event_types is not None

    @property
    def events_driven(self) -> bool:
        """Whether this run reads events alone after a whole read: the stream can
        (``reads_events_alone``), its catalog entry asks for ``INCREMENTAL`` and changes are
        captured."""
        return (
            self.reads_events_alone()
            and getattr(self._tap, "chosen_methods", {}).get(self.name) == REPLICATION_INCREMENTAL
            and bool(self.config.get("capture_changes", True))
        )

    @override
    def apply_catalog(self, catalog: Catalog) -> None:
        super().apply_catalog(catalog)
        if self.reads_events_alone() and self.replication_key is None:
            # singer-sdk's own INCREMENTAL needs a bookmark field, which these streams lack:
            # the mode is this stream's own (``events_driven``), singer-sdk keeps FULL_TABLE.
            self.forced_replication_method = None

    @property
    def full_read_every(self) -> int | None:
        """Seconds after which a stream read by events alone reads itself whole again."""
        days = self.config.get("full_read_every_days")
        return int(days) * SECONDS_PER_DAY if days else None

    def children_of_events(self) -> ChildrenOfEvents | None:
        """What a child stream makes of its events (None: events carry the stream's objects)."""
        return None

    @property
    def resumable(self) -> bool:
        """Whether an interrupted run of this stream resumes where it stopped (``backfill.py``):
        an incremental stream, or a child stream (full refresh too: a page of parents counts as
        written once every child list it started has ended).
        """
        if not self.filters_created:
            return False  # read whole every run: there is no window to resume in
        incremental = self.replication_method == REPLICATION_INCREMENTAL
        if self.list_variants:
            # progress counts a window written when one walk ends, which the walk of the
            # other variant may not have: such a stream (a small catalogue) runs again whole
            return False
        return self.child_lists or (incremental and self.replication_key is not None)

    def events_params(self) -> dict[str, Any]:
        """The filter of this run's events: the stream's types, from the cursor."""
        assert self.change_events is not None
        return {
            "types[]": list(self.change_events.types),
            "created[gte]": self.plan.event_cursor,
            "created[lte]": self.run_started_at - EVENTS_SETTLE_SECONDS,
        }

    def event_interest(self) -> EventInterest | None:
        """What this run reads of the shared events walk (None: no events this run)."""
        from tap_stripe_flow.events_reader import EventInterest  # noqa: PLC0415 - a cycle

        if self.plan.event_cursor is None or self.change_events is None:
            return None
        params = self.events_params()
        return EventInterest(
            frozenset(self.change_events.types), params["created[gte]"], params["created[lte]"]
        )

    def new_backfill_progress(self) -> BackfillProgress | None:
        """This run's progress over its windows, when the stream is resumable."""
        if not self.resumable:
            return None
        resumed = self.plan.resumed
        return BackfillProgress(
            ((w.gte, w.lte) for w in self.plan.windows if w.gte is not None and w.lte is not None),
            until=self.run_started_at,
            newest=resumed.newest if resumed is not None else None,
        )

    def page_written(self, backfill: BackfillProgress, token: Delivered, page: StripePage) -> None:
        """Record in the stream state that ``page`` is written.

        The state goes out with the next STATE message, which follows the page's records. A
        page of parents counts once its child lists have ended too (``WalkEnd``).
        """
        if isinstance(token, WalkEnd):
            token.parents.pending -= 1
            self._parents_written(backfill, token.parents)
            return
        if not isinstance(token, ListPage) or token.gte is None or token.lte is None:
            return
        if token.parents is not None:
            token.parents.written = True
            self._parents_written(backfill, token.parents)
            return
        created = [c for h in page.heads if (c := h.created_at) is not None]
        if not page.has_more:  # the walk's last page: its whole range is done
            backfill.written(token.gte, token.lte, max(created, default=None))
        elif created:  # done down to (not including) the oldest second on the page
            backfill.written(min(created) + 1, token.lte, max(created))
        self.stream_state[BACKFILL] = backfill.as_state()
        self.state_manager.is_flushed = False

    def _parents_written(self, backfill: BackfillProgress, parents: ParentsPage) -> None:
        if not parents.written or parents.pending or parents.gte > parents.lte:
            return
        backfill.written(parents.gte, parents.lte, parents.newest)
        self.stream_state[BACKFILL] = backfill.as_state()
        self.state_manager.is_flushed = False
