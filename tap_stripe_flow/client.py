"""All HTTP behaviour of the tap: requests, pagination, retries and Stripe's errors.

Reading window of an incremental stream (both bounds inclusive, Unix seconds)::

    start_date - lookback     bookmark - lookback              run start
    |--- first run ------------------------------------------------|
                              |--- a later run --------------------|
    created[gte]                                                   created[lte]

The bookmark is the newest ``created`` seen, capped at the run start, so a later run re-reads the
bookmark's own second (objects created in the same second are never skipped) plus the lookback
window (objects changed after creation are captured again).
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from singer_sdk.singerlib.messages import RecordMessage
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_stripe_flow.account import refused_key_message, stripe_error_message, stripe_headers
from tap_stripe_flow.backfill import BACKFILL, BackfillProgress
from tap_stripe_flow.changes import (
    CHANGE_EVENTS,
    EVENT_RETENTION_SECONDS,
    EVENTS_SETTLE_SECONDS,
    ChangeEvents,
    as_record,
)
from tap_stripe_flow.errors import (
    ACCOUNT_INVALID,
    RESOURCE_MISSING,
    AccountAccessError,
    CursorMissingError,
    ObjectMissingError,
    StreamUnavailableError,
    StripeAuthError,
    StripeError,
    StripePermissionError,
)
from tap_stripe_flow.fetch import Prefetch, StreamFetcher
from tap_stripe_flow.output import BufferedJsonWriter
from tap_stripe_flow.pagination import (
    ChildPage,
    EventsPage,
    ListPage,
    StripePage,
    Token,
    read_page,
)
from tap_stripe_flow.progress import ProgressReporter, StreamProgress
from tap_stripe_flow.ratelimit import RateLimiter, label_endpoint
from tap_stripe_flow.settings import parse_utc_timestamp

if TYPE_CHECKING:
    from backoff.types import Details

PAGE_SIZE = 100  # Stripe's maximum
SECONDS_PER_DAY = 86_400
EVENTS_PATH = "/v1/events"
#: Key of the stream state holding the event cursor, beside singer-sdk's bookmark.
EVENT_CURSOR = "event_cursor"


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


def newest_record(records: Iterable[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The record with the greatest ``key`` (None when there is no record)."""
    return max(records, key=lambda row: row.get(key) or 0, default=None)


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The wait Stripe asks for in ``Retry-After``, when it sends one."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class StripeStream(RESTStream[Any]):
    """A Stripe list endpoint read newest first, filtered on ``created``, plus its change events.

    Guarantees, per run: every object with ``created`` in the reading window (see the module
    docstring) is emitted at least once, with every field Stripe sent; with change capture on,
    so is the newest version of every object an event changed or deleted since the last run
    (``changes.py``), and a deleted object is emitted once more carrying ``_sdc_deleted_at``.
    """

    primary_keys = ("id",)
    #: The object's creation time, which the list filters with ``created[gte]``/``[lte]``.
    replication_key: str | None = "created"
    #: Names under which earlier versions saved this stream's bookmark, read as
    #: ``replication_key``.
    legacy_replication_keys: ClassVar[tuple[str, ...]] = ()
    is_sorted = False  # Stripe lists newest first: the SDK promotes the bookmark at the end.
    #: Extra query parameters this list needs (``{"status": "all"}`` for subscriptions).
    list_params: ClassVar[Mapping[str, str]] = {}
    #: Child streams: each parent's child list is read too, beyond what ``embedded_field`` holds.
    child_lists: ClassVar[bool] = False
    embedded_field: ClassVar[str | None] = None
    # Stripe's JSON needs no type conversion, and conforming would drop the fields Stripe sends
    # but its 2024-06-20 spec omits (charge.source, subscription_item.plan): a record keeps
    # everything Stripe sent.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    RETRY_BASE_SECONDS: ClassVar[float] = 1.0
    RETRY_MAX_WAIT_SECONDS: ClassVar[float] = 60.0
    RETRY_MAX_TRIES: ClassVar[int] = 8
    REQUEST_TIMEOUT_SECONDS: ClassVar[int] = 60

    def __init__(
        self,
        *args: Any,
        reporter: ProgressReporter | None = None,
        prefetch: Prefetch | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: Objects already emitted from this run's events -> the second of the event emitted
        #: (None: read by id, nothing later can be newer).
        self._changed: dict[str, int | None] = {}
        self._reporter = reporter or ProgressReporter(self.logger)
        self._progress = StreamProgress(self.name)
        self._prefetch = prefetch or Prefetch([self], RateLimiter.from_config(self.config))
        self._current: Token | None = None  # the token of the page being parsed
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
    @property
    def url_base(self) -> str:
        return str(self.config["api_base_url"]).rstrip("/")

    @override
    @cached_property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["client_secret"])

    @override
    @property
    def http_headers(self) -> dict[str, str]:
        return {**stripe_headers(self.config), "User-Agent": self.user_agent}

    @override
    @property
    def timeout(self) -> int:
        return self.REQUEST_TIMEOUT_SECONDS

    @override
    @property
    def requests_session(self) -> requests.Session:
        return self._prefetch.session

    @cached_property
    def run_started_at(self) -> int:
        """The run's start (Unix seconds): the newest ``created`` asked for and bookmarked."""
        return math.floor(self._initialized_at / 1000)

    # This run's plan ---------------------------------------------------------------------------

    @property
    def change_events(self) -> ChangeEvents | None:
        """This stream's change events, when it captures changes in this run."""
        if not self.config.get("capture_changes", True) or not self.replication_key:
            return None
        if self.replication_method != REPLICATION_INCREMENTAL:
            return None
        return CHANGE_EVENTS.get(self.name)

    @cached_property
    def plan(self) -> RunPlan:
        """What this run reads, fixed from the state the run started with.

        The window starts at (bookmark, or start_date) minus the lookback; events are read from
        the saved cursor, unless it is older than Stripe keeps events: then the bookmark is
        ignored and the whole stream is read again, so that no change is lost. A run that an
        interrupted run's progress awaits reads only what that run left, plus what was created
        since it started (``backfill.py``), and the events since then at least: what that run
        wrote may have changed since.
        """
        state = self.get_context_state(None)
        incremental = self.replication_method == REPLICATION_INCREMENTAL
        same_key = self.replication_key and state.get("replication_key") == self.replication_key
        bookmark: Any = state.get("replication_key_value") if incremental and same_key else None
        cursor = state.get(EVENT_CURSOR) if self.change_events is not None else None
        expired = cursor is not None and cursor < self.run_started_at - EVENT_RETENTION_SECONDS
        if expired or bookmark is None:
            bookmark = self.config["start_date"]
        try:
            base = (
                parse_utc_timestamp(bookmark).timestamp()
                if isinstance(bookmark, str)
                else int(bookmark)
            )
        except (TypeError, ValueError) as exc:
            msg = (
                f"The state of stream '{self.name}' holds {self.replication_key} = {bookmark!r}, "
                "which is neither a Unix time nor a UTC date: fix the state, or re-backfill the "
                "stream"
            )
            raise FatalAPIError(msg) from exc
        lookback = int(self.config.get("lookback_window_days", 0)) * SECONDS_PER_DAY
        now = self.run_started_at
        resumed = BackfillProgress.from_state(state.get(BACKFILL)) if self.resumable else None
        if resumed is not None and resumed.until < now - EVENT_RETENTION_SECONDS:
            resumed = None  # the changes since it stopped are no longer all in Stripe's events
        if resumed is None:
            start = int(base) - lookback
            return RunPlan(
                # none when the bookmark is ahead of this host's clock: nothing to ask for
                windows=(ListPage(None, start, now),) if start <= now else (),
                event_cursor=None if expired or cursor is None else int(cursor),
                expired_cursor=int(cursor) if expired and cursor is not None else None,
            )
        if self.change_events is None:
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

    @property
    def resumable(self) -> bool:
        """Whether an interrupted run of this stream resumes where it stopped (``backfill.py``).

        Child streams restart from their bookmark instead: a page of parents is written before
        the child lists it needs, so its range says nothing about their children.
        """
        return (
            self.replication_method == REPLICATION_INCREMENTAL
            and self.replication_key is not None
            and not self.child_lists
        )

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> int | None:
        return self.run_started_at if self.replication_key else None

    def events_params(self) -> dict[str, Any]:
        """The filter of this run's events: the stream's types, from the cursor."""
        assert self.change_events is not None
        return {
            "types[]": list(self.change_events.types),
            "created[gte]": self.plan.event_cursor,
            "created[lte]": self.run_started_at - EVENTS_SETTLE_SECONDS,
        }

    # Requests and records ---------------------------------------------------------------------

    def list_request(self) -> tuple[str, dict[str, Any]]:
        """Path and parameters of the stream's list (without window and paging)."""
        return self.path, dict(self.list_params)

    def child_request(self, parent: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Path and parameters of one parent's child list (child streams only)."""
        raise NotImplementedError

    def endpoint(self, token: Token) -> str:
        """The path template of ``token``'s request, ids left as ``{placeholders}``: the
        endpoint it counts against in Stripe's per-endpoint rate limit (``ratelimit.py``)."""
        if isinstance(token, EventsPage):
            return EVENTS_PATH
        if isinstance(token, ChildPage):
            return self.path  # a child list: ``{parent_id}`` unfilled (``child_request``)
        return self.list_request()[0]

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        token: Token = page.next_page_token or self.plan.windows[0]
        if isinstance(token, EventsPage):
            path, params = EVENTS_PATH, self.events_params()
        elif isinstance(token, ChildPage):
            path, params = self.child_request(token.parent)
        else:
            path, params = self.list_request()
            params["created[gte]"] = token.gte
            params["created[lte]"] = token.lte
        params["limit"] = PAGE_SIZE
        if token.starting_after:
            params["starting_after"] = token.starting_after
        return HTTPRequest(
            url=self.url_base + path,
            headers=self.http_headers,
            params=params,
            safe_query_chars="[]",
        )

    def fetch_page(self, token: Token) -> requests.Response:
        """Send the request of one token, with the stream's retries (from any thread)."""
        http_request = self.get_http_request(page=PageContext(None, token))
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        label_endpoint(prepared, self.endpoint(token))
        return self.request_decorator(self._send)(prepared, None)

    def _send(
        self, prepared: requests.PreparedRequest, context: Mapping[str, Any] | None
    ) -> requests.Response:
        response = self.requests_session.send(prepared, timeout=self.timeout)
        self.validate_response(response)
        return response

    def new_fetcher(self) -> StreamFetcher:
        """A fetcher of this run's pages (started by ``Prefetch``)."""
        self._reporter.track(self._progress)
        return StreamFetcher(
            self.name,
            self.fetch_page,
            self.plan.windows,
            read_events=self.plan.event_cursor is not None,
            child_lists=self.child_lists,
            embedded_field=self.embedded_field,
            shared_space=self._prefetch.buffer_space,
            stop_all=self._prefetch.stop_all,
        )

    def request_pages(self) -> Iterator[tuple[Token, StripePage]]:
        """Each page of this run with the token it answers, in the order fetched."""
        # Replaces singer-sdk's one-page-at-a-time loop: see fetch.py for why and how.
        for token, response in self._prefetch.pages(self):
            self._current = token
            yield token, read_page(response)

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for token, page in self.request_pages():
            yield from self.page_records(token, page)

    def passes_through(self, token: Token) -> bool:
        """Whether the records of ``token``'s page are the listed objects, as Stripe sent them."""
        return (
            isinstance(token, ListPage)
            and not self.child_lists
            and type(self).post_process is StripeStream.post_process  # which only counts
        )

    def page_records(self, token: Token, page: StripePage) -> Iterable[dict[str, Any]]:
        """The records of one page."""
        if isinstance(token, EventsPage):
            return self.changed_objects(page.data)
        if isinstance(token, ListPage) and page.heads:
            self._progress.position = page.heads[-1].created_at
        return page.data

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        assert self._current is not None
        return self.page_records(self._current, read_page(response))

    @cached_property
    def _plain_records(self) -> bool:
        """Whether records go out as read: every property selected, no activate-version."""
        return all(self.mask.values()) and not self.emit_activate_version_messages

    @override
    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[RecordMessage, None, None]:
        # singer-sdk walks every record to pop deselected properties even when none is, which
        # the benchmark's profile put at 30 % of the tap's time; conforming is off here anyway
        # (TYPE_CONFORMANCE_LEVEL). So when nothing is deselected, only stream maps remain.
        if not self._plain_records:
            yield from super()._generate_record_messages(record)
            return
        extracted = datetime.now(UTC)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias, record=mapped, time_extracted=extracted
                )

    @override
    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[Context | None]:
        # No singer-sdk child streams here (child streams read their parents' lists themselves):
        # the default would copy every record into a context that nothing reads.
        return ()

    @override
    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        self._progress.records += 1
        return row

    def changed_objects(self, events: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """The newest version of each object the events carry (events come newest first).

        The object is read again by id, in the pinned API version, when the events alone cannot
        give its newest version in the shape of its listed twin:

        * Stripe renders an event's object in the API version the event was created with, which
          may not be ``stripe_api_version`` (the account was upgraded since);
        * two events of one object in the same second: Stripe's order within a second is not
          the order of the changes, so either may be the newer.

        An object that no longer exists keeps the payload of its deletion event (or of its
        newest event: its deletion then arrives with its own event).
        """
        changes = self.change_events
        assert changes is not None
        pinned = self.config["stripe_api_version"]
        first_second: dict[str, int] = {}
        ties: set[str] = set()
        deletions: dict[str, dict[str, Any]] = {}
        for event in events:
            oid, created = event["data"]["object"]["id"], int(event["created"])
            if oid not in first_second:
                first_second[oid] = created
            elif created == first_second[oid]:
                ties.add(oid)
            if event["type"] in changes.deletions:
                deletions.setdefault(oid, event)
        for event in events:
            oid, created = event["data"]["object"]["id"], int(event["created"])
            first_visit = oid not in self._changed
            if first_visit:
                self._changed[oid] = created
                deletion = event["type"] in changes.deletions
                other_version = event.get("api_version") != pinned and not deletion
                if oid not in ties and not other_version:
                    yield as_record(event, changes)
                    continue
            elif self._changed[oid] != created:
                continue  # an older version, or the object was read by id already
            # else: the second of the version emitted, on a later page: either may be newer
            self._changed[oid] = None
            current = self.retrieve(oid)
            if current is not None:
                yield current
            elif oid in deletions or first_visit:
                yield as_record(deletions.get(oid, event), changes)

    def retrieve(self, oid: str) -> dict[str, Any] | None:
        """The object ``oid`` of this stream's list as it now is, in the pinned API version
        (with the stream's retries and under the rate limit); None when it was deleted."""
        path = self.list_request()[0]
        prepared = self.build_prepared_request(
            method="GET", url=f"{self.url_base}{path}/{oid}", headers=self.http_headers
        )
        label_endpoint(prepared, path + "/{id}")
        try:
            response = self.request_decorator(self._send_retrieve)(prepared, None)
        except ObjectMissingError:
            return None
        body: dict[str, Any] = orjson.loads(response.content)
        return None if body.get("deleted") else body

    def _send_retrieve(
        self, prepared: requests.PreparedRequest, context: Mapping[str, Any] | None
    ) -> requests.Response:
        response = self.requests_session.send(prepared, timeout=self.timeout)
        self._progress.requests += 1
        self._progress.retrieved += 1
        if response.status_code >= 400:
            raise self.error_for(response)
        return response

    def run_pages(self, context: Context | None) -> Iterator[tuple[Token, StripePage]]:
        """This run's pages, each with the token it answers.

        A stream the key may not read, or the account cannot use, ends here with a log line;
        the event cursor is saved, and an interrupted run's progress cleared, only once every
        page has been read.
        """
        self._changed = {}
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
        try:
            yield from self.request_pages()
        except StreamUnavailableError as exc:
            self.logger.warning("Skipping stream %s: %s", self.name, exc)
            return
        except StripePermissionError as exc:
            # One stream the key may not read does not stop the others.
            self.logger.error("Skipping stream %s: %s", self.name, exc)
            self.failure = str(exc)
            if self._prefetch.every_selected_stream_failed():
                # Exiting 0 with no record would read as a success.
                msg = f"No selected stream could be read. The first stream said: {exc}"
                raise FatalAPIError(msg) from exc
            return
        finally:
            self._reporter.finish(self._progress)
        state = self.get_context_state(context)
        if self.change_events is not None:
            # Everything up to here is read: the next run's events start where these ended.
            state[EVENT_CURSOR] = self.run_started_at - EVENTS_SETTLE_SECONDS
        if self.resumable:
            state[BACKFILL] = None  # null, not removed: a Flow merge patch keeps what it omits

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for token, page in self.run_pages(context):
            yield from self.page_records(token, page)

    @cached_property
    def _pages_at_once(self) -> bool:
        """Whether ``_sync_records`` may write whole pages: records go out exactly as read."""
        maps = self.stream_maps
        return (
            self._plain_records
            and self.ABORT_AT_RECORD_COUNT is None
            and isinstance(self._tap.message_writer, BufferedJsonWriter)
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == self.name
            and not maps[0].flattening_enabled
        )

    @override
    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> Generator[dict[str, Any], Any, Any]:
        # singer-sdk's loop spends about 60 µs per record on bookkeeping (a message object, a
        # state update, counters and checks for each record): the benchmark's profile put it at
        # two thirds of the tap's time. When records go out exactly as read (everything
        # selected, no stream maps, no record limit, no partitions) this loop does the same
        # per page: the bookmark becomes the page's newest value (for an unsorted stream
        # singer-sdk keeps the maximum anyway), counters and STATE messages advance per page.
        if context is not None or self.partitions or not write_messages or not self._pages_at_once:
            yield from super()._sync_records(context, write_messages=write_messages)
            return
        writer = self._tap.message_writer
        assert isinstance(writer, BufferedJsonWriter)
        key = self.replication_key if self.replication_method == REPLICATION_INCREMENTAL else None
        backfill = self.new_backfill_progress()
        written = 0
        with self.get_record_counter() as counter, self.get_sync_timer():
            self._write_starting_replication_value(None)
            for token, page in self.run_pages(None):
                if self.passes_through(token):
                    # Stripe's own bytes of each object: nothing to parse, nothing to encode.
                    count = len(page.raw)
                    writer.write_raw_records(self.name, page.raw, datetime.now(UTC))
                    self._progress.records += count
                    if page.heads:
                        self._progress.position = page.heads[-1].created_at
                    # a listed object's replication key is its creation time
                    newest = page.newest_created if key else None
                    latest = {key: newest} if key and newest is not None else None
                else:
                    records = [
                        row
                        for record in self.page_records(token, page)
                        if (row := self.post_process(record, None)) is not None
                    ]
                    count = len(records)
                    writer.write_records(self.name, records, datetime.now(UTC))
                    latest = newest_record(records, key) if key else None
                if backfill is not None and isinstance(token, ListPage):
                    self._page_written(backfill, token, page)
                if not count:
                    continue
                self.state_manager.is_flushed = False
                if latest:
                    self._increment_stream_state(latest, context=None)
                counter.increment(count)
                before, written = written, written + count
                if written // self.STATE_MSG_FREQUENCY > before // self.STATE_MSG_FREQUENCY:
                    self._write_state_message()
        self._finalize_state(self.stream_state)
        self._write_state_message()
        yield from ()  # a generator, as singer-sdk's caller expects; records are written above

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

    def _page_written(self, backfill: BackfillProgress, token: ListPage, page: StripePage) -> None:
        """Record in the stream state that ``page`` is written.

        The state goes out with the next STATE message, which follows the page's records.
        """
        if token.gte is None or token.lte is None:
            return
        created = [c for h in page.heads if (c := h.created_at) is not None]
        if not page.has_more:  # the walk's last page: its whole range is done
            backfill.written(token.gte, token.lte, max(created, default=None))
        elif created:  # done down to (not including) the oldest second on the page
            backfill.written(min(created) + 1, token.lte, max(created))
        self.stream_state[BACKFILL] = backfill.as_state()
        self.state_manager.is_flushed = False

    # Errors and retries ---------------------------------------------------------------------

    @override
    def validate_response(self, response: requests.Response) -> None:
        self._progress.requests += 1
        if response.status_code >= 400:
            raise self.error_for(response)
        page = read_page(response)  # a truncated body raises here, inside the retried call
        if page.has_more and not page.heads:
            # Nothing to continue from: ending here would skip the rest of the list.
            msg = f"Stripe sent an empty page that says has_more for stream '{self.name}'"
            raise RetriableAPIError(msg, response)

    def error_for(self, response: requests.Response) -> Exception:  # noqa: PLR0911 - a table
        """What an error answer means for this stream (``errors.py``)."""
        status = response.status_code
        should_retry = response.headers.get("Stripe-Should-Retry")
        if should_retry == "true" or (should_retry != "false" and (status == 429 or status >= 500)):
            return RetriableAPIError(self.response_error_message(response), response)
        error = StripeError.of(response)
        message = self.scrub(error.message)
        path, _, query = response.request.path_url.partition("?")
        account = f"account {self.config['account_id']} (setting account_id)"
        if status == 401:
            return StripeAuthError(refused_key_message(message))
        if status == 403 and error.code == ACCOUNT_INVALID:
            return AccountAccessError(
                f"The secret key (setting client_secret) may not act on {account}: check that "
                f"account_id is this key's account or one of its connected accounts. "
                f"Stripe said: {message}"
            )
        if status == 403 and path == EVENTS_PATH:
            return StripePermissionError(
                f"The secret key (setting client_secret) may not read events, which stream "
                f"'{self.name}' reads to capture updates and deletions. Grant it read access to "
                f"Events, or set capture_changes to false. Stripe said: {message}"
            )
        if status == 403:
            return StripePermissionError(
                f"The secret key (setting client_secret) may not read stream '{self.name}' "
                f"({path}) on {account}. Grant it read access or deselect the stream. "
                f"Stripe said: {message}"
            )
        if error.cursor_missing:
            return CursorMissingError(message)
        list_path = self.list_request()[0]
        if error.code == RESOURCE_MISSING and path not in (list_path, EVENTS_PATH):
            return ObjectMissingError(message)  # a child list's parent, or a retrieved object
        first_page = "starting_after=" not in query and "ending_before=" not in query
        if path == list_path and first_page and (status == 404 or error.not_set_up):
            return StreamUnavailableError(message)
        return FatalAPIError(
            f"Stripe answered {status} for stream '{self.name}' ({path}): {message}"
        )

    @override
    def response_error_message(self, response: requests.Response) -> str:
        return self.scrub(
            f"Stripe answered {response.status_code} for stream '{self.name}' "
            f"({response.request.path_url}): {stripe_error_message(response)}"
        )

    def scrub(self, text: str) -> str:
        """Remove the secret key from a text that is about to be logged or raised."""
        secret = str(self.config.get("client_secret") or "")
        return text.replace(secret, "<client_secret>") if secret else text

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        """Exponential waits, or what Stripe asks for in a non-zero ``Retry-After``."""
        return self._waits()

    def _waits(self) -> Generator[float, Any, None]:
        exception = yield 0.0  # primed by the backoff library with an empty send
        attempt = 0
        while True:
            response = getattr(exception, "response", None)
            backoff = min(self.RETRY_BASE_SECONDS * 2**attempt, self.RETRY_MAX_WAIT_SECONDS)
            attempt += 1
            # What Stripe asks for when it asks; an immediate retry (Retry-After: 0) never.
            exception = yield retry_after_seconds(response) or backoff

    @override
    def backoff_handler(self, details: Details) -> None:
        wait = float(details.get("wait") or 0.0)
        self._progress.retries += 1
        self._progress.waited_seconds += wait
        exception = details.get("exception")
        response = getattr(exception, "response", None)
        if response is not None and response.status_code == 429:
            self._progress.rate_limited += 1
            self.logger.warning(
                "Stripe rate-limited stream %s (429): waiting %.1f s before retrying",
                self.name,
                wait,
            )
            return
        self.logger.warning(
            "Stream %s: %s; retry %d in %.1f s",
            self.name,
            self.scrub(str(exception) or type(exception).__name__),
            details.get("tries", 0),
            wait,
        )

    @override
    def backoff_max_tries(self) -> int:
        return self.RETRY_MAX_TRIES

    @override
    def backoff_jitter(self, value: float) -> float:
        # Never wait less than Stripe asked; add up to 25 % so parallel readers spread out.
        return value * random.uniform(1.0, 1.25)


class StripeChildStream(StripeStream):
    """Objects listed under a parent (invoice lines, subscription items, ...).

    The stream reads the parent list itself, with the children embedded where Stripe embeds them,
    and requests a child list only for the part an embedded list leaves out. A full-refresh child
    must see every parent, which an incremental parent stream does not list on later runs; reading
    the parent list costs one request per 100 parents either way. Change events name parents: each
    parent an event names has its children read again.

    Guarantees: each child of every parent in the reading window (or named by an event) is
    emitted at least once per run, carrying its parent's id (``parent_fields``).
    """

    #: Path of the parent list (``self.path`` is the child list, with ``{parent_id}``).
    parent_path: ClassVar[str]
    parent_params: ClassVar[Mapping[str, str]] = {}
    child_lists = True
    #: Field of the parent holding the embedded child list; None when Stripe embeds nothing.
    embedded_field: ClassVar[str | None] = None
    #: Query parameter naming the parent on the child list (``subscription`` for items).
    parent_param: ClassVar[str | None] = None
    #: Child field -> parent field copied into each child record.
    parent_fields: ClassVar[Mapping[str, str]] = {}
    #: Keep only children of this ``object`` type (customer sources mix cards and bank accounts).
    child_object: ClassVar[str | None] = None

    @override
    def list_request(self) -> tuple[str, dict[str, Any]]:
        return self.parent_path, dict(self.parent_params)

    @override
    def child_request(self, parent: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.parent_param:
            return self.path, {self.parent_param: parent["id"]}
        return self.path.format(parent_id=parent["id"]), {}

    @override
    def page_records(self, token: Token, page: StripePage) -> Iterable[dict[str, Any]]:
        if isinstance(token, ChildPage):
            yield from self._children(token.parent, page.data)
            return
        parents = page.data
        if isinstance(token, EventsPage):
            parents = [event["data"]["object"] for event in parents]
        for parent in parents:
            embedded = parent.get(self.embedded_field) if self.embedded_field else None
            if embedded:
                yield from self._children(parent, embedded.get("data") or [])

    def _children(
        self, parent: Mapping[str, Any], children: list[dict[str, Any]]
    ) -> Iterable[dict[str, Any]]:
        for child in children:
            if self.child_object and child.get("object") != self.child_object:
                continue
            for child_field, parent_field in self.parent_fields.items():
                if child.get(child_field) is None:
                    child[child_field] = parent[parent_field]
            yield child
