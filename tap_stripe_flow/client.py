"""The tap's singer-sdk streams: a Stripe list (or a parent's child lists) read per run.

What a run reads is planned in ``run_plan.py`` (wired to the stream in ``stream_plan.py``, which
also records what a resumable run wrote); a run's pages, the errors that end a stream and the
state at its end are in ``stream_lifecycle.py``; its requests are built and sent by
``stripe_requests.py`` (retries: ``retries.py``), fetched concurrently by ``prefetch.py`` and
``fetch.py`` (walks in ``pagination.py``, rate limits in ``ratelimit.py``), sorted by Stripe's
error answers in ``errors.py``; change events are in ``changes.py`` and ``events_reader.py``,
resumable progress in ``backfill.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_stripe_flow.changes import ChangeEvents, newest_versions
from tap_stripe_flow.connected_accounts import AccountScope
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
from tap_stripe_flow.stream_lifecycle import StreamLifecycle
from tap_stripe_flow.stripe_requests import StripeRequests

if TYPE_CHECKING:
    from tap_stripe_flow.prefetch import Prefetch


class StripeStream(StreamLifecycle, PageAtATime, StripeRequests):
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
        self._changed = {}
        self._reporter = reporter
        self.progress = StreamProgress(self.progress_name)
        self._prefetch = prefetch
        if not self.account.connected:
            self._read_legacy_bookmark()
        self.failure = None

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

    @override
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

    @override
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
