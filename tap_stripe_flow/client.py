"""The tap's singer-sdk streams: a Stripe list (or a parent's child lists) read per run.

What a run reads is planned in ``run_plan.py`` (wired to the stream in ``stream_plan.py``, which
also records what a resumable run wrote); its requests are built and sent by
``stripe_requests.py`` (retries: ``retries.py``), fetched concurrently by ``prefetch.py`` and
``fetch.py`` (walks in ``pagination.py``, rate limits in ``ratelimit.py``), sorted by Stripe's
error answers in ``errors.py``; change events are in ``changes.py`` and ``events_reader.py``,
resumable progress in ``backfill.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers._state import PROGRESS_MARKER_NOTE, PROGRESS_MARKERS
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_stripe_flow.account_stream import AccountScoped
from tap_stripe_flow.backfill import BACKFILL
from tap_stripe_flow.changes import EVENTS_SETTLE_SECONDS, ChangeEvents, newest_versions
from tap_stripe_flow.connected_accounts import AccountScope
from tap_stripe_flow.errors import (
    AccountAccessError,
    StreamUnavailableError,
    StripePermissionError,
)
from tap_stripe_flow.fast_path import PageAtATime
from tap_stripe_flow.fetch import SharedEvents, StreamFetcher
from tap_stripe_flow.pagination import (
    Delivered,
    EventsPage,
    ListPage,
    StripePage,
    Token,
)
from tap_stripe_flow.progress import ProgressReporter, StreamProgress
from tap_stripe_flow.run_plan import (
    EVENT_CURSOR,
    FULL_READ_AT,
)
from tap_stripe_flow.stream_plan import PlannedStream
from tap_stripe_flow.stripe_requests import StripeRequests

if TYPE_CHECKING:
    from tap_stripe_flow.prefetch import Prefetch


class StripeStream(AccountScoped, PlannedStream, PageAtATime, StripeRequests):
    """A Stripe list endpoint read newest first, filtered on ``created``, plus its change events.

    Guarantees, per run: every object with ``created`` in the reading window (see the module
    docstring) is emitted at least once, with every field Stripe sent; with change capture on,
    so is the newest version of every object an event changed or deleted since the last run
    (``changes.py``), and a deleted object is emitted once more carrying ``_sdc_deleted_at``.
    """

    primary_keys: tuple[str, ...] = ("id",)
    #: Stripe's ``object`` of the records (also their component in Stripe's OpenAPI spec).
    object_type: ClassVar[str]
    #: The events that carry a new version of the stream's objects (None: Stripe sends none).
    event_types: ClassVar[ChangeEvents | None] = None
    #: The object's creation time, which the list filters with ``created[gte]``/``[lte]``.
    replication_key: str | None = "created"
    #: Names under which earlier versions saved this stream's bookmark, read as
    #: ``replication_key``.
    legacy_replication_keys: ClassVar[tuple[str, ...]] = ()
    #: Lists Stripe filters unless asked otherwise (``/v1/prices``: active prices only): each
    #: window is walked once with each of these parameter sets, so every object is read.
    list_variants: ClassVar[tuple[Mapping[str, str], ...]] = ()
    is_sorted = False  # Stripe lists newest first: the SDK promotes the bookmark at the end.
    #: Child streams: each parent's child list is read too, beyond what ``embedded_field`` holds.
    child_lists: ClassVar[bool] = False
    #: Whether the list (a child stream's parent list) filters by ``created``. A list whose
    #: spec has no such filter (``/v1/payment_links``, ``/v1/tax_codes``...) is read whole on
    #: every run: it has no bookmark, and its windows are never split or resumed.
    filters_created: ClassVar[bool] = True
    embedded_field: ClassVar[str | None] = None
    #: Child streams: a parent that does not embed ``embedded_field`` has no child to read.
    embedded_only: ClassVar[bool] = False
    #: A parent field whose null (as listed) says the parent has no children: its child list
    #: is not read (a customer without ``cash_balance`` has no cash balance transactions).
    empty_when_null: ClassVar[str | None] = None
    # Stripe's JSON needs no type conversion, and conforming would drop the fields Stripe sends
    # but its 2024-06-20 spec omits (charge.source, subscription_item.plan): a record keeps
    # everything Stripe sent.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        *args: Any,
        reporter: ProgressReporter,
        prefetch: Prefetch,
        account: AccountScope | None = None,
        **kwargs: Any,
    ) -> None:
        """A stream of the tap reading ``account`` (None: ``account_id``), which owns
        ``prefetch`` (one per run and account, for all its streams)."""
        super().__init__(*args, **kwargs)
        self.scope_to(account)
        #: Objects already emitted from this run's events -> the second of the event emitted
        #: (None: read by id, nothing later can be newer).
        self._changed: dict[str, int | None] = {}
        self._reporter = reporter
        self.progress = StreamProgress(self.progress_name)
        self._prefetch = prefetch
        if not self.account.connected:
            self._read_legacy_bookmark()
        #: Why this run could not read the stream (None: it was read, or is still to be).
        self.failure: str | None = None

    def _read_legacy_bookmark(self) -> None:
        """A bookmark saved under one of ``legacy_replication_keys`` becomes this version's:
        users keep the state earlier versions wrote."""
        bookmark = self.tap_state.get("bookmarks", {}).get(self.name)
        if bookmark and bookmark.get("replication_key") in self.legacy_replication_keys:
            bookmark["replication_key"] = self.replication_key

    @override
    def first_token(self) -> Token:
        return self.plan.windows[0]

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> int | None:
        return self.run_started_at if self.replication_key else None

    # Requests and records ---------------------------------------------------------------------

    def new_fetcher(self, shared_events: SharedEvents | None = None) -> StreamFetcher:
        """A fetcher of this run's pages (started by ``Prefetch``), its events from
        ``shared_events`` (None: it walks its own)."""
        return self.fetcher_of(
            self.plan.windows,
            read_events=self.plan.event_cursor is not None,
            shared_events=shared_events,
        )

    def fetcher_of(
        self,
        windows: Sequence[ListPage],
        *,
        read_events: bool = False,
        shared_events: SharedEvents | None = None,
    ) -> StreamFetcher:
        """A fetcher of ``windows`` of this stream's list, under the run's session."""
        self._reporter.track(self.progress)
        return StreamFetcher(
            self.name,
            self.fetch_page,
            windows,
            read_events=read_events,
            child_lists=self.child_lists,
            embedded_field=self.embedded_field,
            embedded_only=self.embedded_only,
            empty_when_null=self.empty_when_null,
            shared_space=self._prefetch.buffer_space,
            stop_all=self._prefetch.stop_all,
            shared_events=shared_events,
            children_of_events=self.children_of_events(),
        )

    def request_pages(self) -> Iterator[tuple[Delivered, StripePage]]:
        """Each page of this run with the token it answers, in the order fetched."""
        # Replaces singer-sdk's one-page-at-a-time loop: see fetch.py for why and how.
        return self._prefetch.pages(self)

    def passes_through(self, token: Delivered) -> bool:
        """Whether the records of ``token``'s page are the listed objects, as Stripe sent them."""
        return (
            isinstance(token, ListPage)
            and not self.child_lists
            and type(self).post_process is StripeStream.post_process  # which only counts
        )

    def page_records(self, token: Delivered, page: StripePage) -> Iterable[dict[str, Any]]:
        """The records of one page."""
        if isinstance(token, EventsPage):
            return self.changed_objects(page.data)
        if isinstance(token, ListPage) and page.heads:
            self.progress.position = page.heads[-1].created_at
        return page.data

    @override
    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        self.progress.records += 1  # the writing thread only: no lock per record
        return row

    def changed_objects(self, events: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """The newest version of each object a page of events carries (``changes.py``)."""
        changes = self.change_events
        assert changes is not None
        return newest_versions(
            events, changes, self.config["stripe_api_version"], self._changed, self.retrieve
        )

    def run_pages(self, context: Context | None) -> Iterator[tuple[Delivered, StripePage]]:
        """This run's pages, each with the token it answers.

        A stream the key may not read, or the account cannot use, ends here with a log line;
        the event cursor is saved, and an interrupted run's progress cleared, only once every
        page has been read.
        """
        self._start_run(context)
        try:
            yield from self._pages_this_turn(context)
            if self._prefetch.turn_cut_short(self):
                return
        except StreamUnavailableError as exc:
            # a product the account does not have: nothing is wrong, nothing is lost
            self.logger.info("Skipping stream %s: %s", self.name, exc)
            self._keep_bookmark(context)
            return
        except AccountAccessError as exc:
            if not self.account.connected:
                raise
            # a connected account the platform lost access to: the run skips the account
            self._keep_bookmark(context)
            self._prefetch.account_lost = exc
            return
        except StripePermissionError as exc:
            # One stream the key may not read does not stop the others.
            self.logger.error("Skipping stream %s: %s", self.name, exc)
            self._keep_bookmark(context)
            self.failure = str(exc)
            if self._prefetch.every_selected_stream_failed():
                # Exiting 0 with no record would read as a success.
                msg = f"No selected stream could be read. The first stream said: {exc}"
                raise FatalAPIError(msg) from exc
            return
        finally:
            self._reporter.finish(self.progress, self.detail_level, self.summary_row)
        state = self.get_context_state(context)
        if self.change_events is not None:
            # Everything up to here is read: the next run's events start where these ended.
            state[EVENT_CURSOR] = self.run_started_at - EVENTS_SETTLE_SECONDS
        if self.events_driven and self.plan.windows:
            state[FULL_READ_AT] = self.run_started_at
        if self.resumable:
            state[BACKFILL] = None  # null, not removed: a Flow merge patch keeps what it omits

    def _start_run(self, context: Context | None) -> None:
        """What the run's state and log need before its first page."""
        self._changed = {}
        if self.replication_key:
            # singer-sdk keeps an unsorted stream's newest value aside until the stream ends,
            # and warns on each run that "progress is not resumable if interrupted", which is
            # not true here (an interrupted run resumes from BACKFILL): the note is ours.
            self.get_context_state(context).setdefault(
                PROGRESS_MARKERS,
                {PROGRESS_MARKER_NOTE: f"Bookmark set when the stream ends; resume: {BACKFILL}."},
            )
        resumed = self.plan.resumed
        if resumed is not None and resumed.newest is not None and self.replication_key:
            # The interrupted run wrote objects up to this: the bookmark must not fall behind it.
            self._increment_stream_state({self.replication_key: resumed.newest}, context=context)
        if self.plan.expired_cursor is not None:
            self.logger.warning(
                "Stream %s: Stripe keeps events for 30 days and the last run read them up to "
                "%s, so changes made since cannot all be read from events. Reading the whole "
                "stream again from start_date instead.",
                self.name,
                datetime.fromtimestamp(self.plan.expired_cursor, UTC).isoformat(),
            )

    def _pages_this_turn(self, context: Context | None) -> Iterator[tuple[Delivered, StripePage]]:
        """The run's pages, until the account's turn is over (``platform_run.py``): then a
        resumable stream stops after the page written, its progress saved, its bookmark kept."""
        pages = iter(self.request_pages())
        for page in pages:
            yield page  # written by the time this resumes
            if self.resumable and self._prefetch.turn_over():
                if next(pages, None) is None:
                    return  # that was the last page: the stream is done
                # the page just fetched is not written: the next run reads it again
                self._prefetch.cut_short(self)
                self._keep_bookmark(context)
                return

    def _keep_bookmark(self, context: Context | None) -> None:
        """A stream that stops part way keeps the bookmark it started with: what was written
        is not all of its window (the resume progress, which says exactly what was, stays)."""
        self.get_context_state(context).pop(PROGRESS_MARKERS, None)

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """singer-sdk's own record loop (stream maps, deselected properties, a record limit:
        ``fast_path.py`` otherwise), with resume progress recorded after each page."""
        backfill = self.new_backfill_progress()
        for token, page in self.run_pages(context):
            yield from self.tagged(self.page_records(token, page))
            # resumed here, singer-sdk has written the page's records
            if backfill is not None:
                self.page_written(backfill, token, page)
