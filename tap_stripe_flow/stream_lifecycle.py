"""One run of a stream from its first page to its end: the lifecycle half of
``client.StripeStream``.

Guarantees:

* a stream Stripe says the account cannot use (a product it lacks) ends with an info line and
  nothing lost; one the key may not read ends with an error line and the others go on, unless
  no selected stream could be read (then the run fails: exiting 0 with no record would read as
  a success); a connected account the platform lost access to ends the account's turn
  (``platform_run.py`` skips the account), the platform's own never;
* a stream that ends part way (those errors, or the account's turn over: a resumable stream
  stops after the page it wrote) keeps the bookmark it started with, and its resume progress;
* only once every page is read does the state move on: the event cursor to where these events
  ended, the time of the last whole read, and the resume progress cleared (null, not removed:
  a Flow merge patch keeps what it omits).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers._state import PROGRESS_MARKER_NOTE, PROGRESS_MARKERS
from singer_sdk.helpers.types import Context

from tap_stripe_flow.account_stream import AccountScoped
from tap_stripe_flow.backfill import BACKFILL
from tap_stripe_flow.changes import EVENTS_SETTLE_SECONDS
from tap_stripe_flow.errors import (
    AccountAccessError,
    StreamUnavailableError,
    StripePermissionError,
)
from tap_stripe_flow.pagination import Delivered, StripePage
from tap_stripe_flow.progress import ProgressReporter, StreamProgress
from tap_stripe_flow.run_plan import EVENT_CURSOR, FULL_READ_AT
from tap_stripe_flow.stream_plan import PlannedStream

if TYPE_CHECKING:
    from tap_stripe_flow.fetch import SharedEvents, StreamFetcher
    from tap_stripe_flow.prefetch import Prefetch


class StreamLifecycle(AccountScoped, PlannedStream):
    """A stream's run, page by page, to its end (module docstring)."""

    # set by ``client.StripeStream``
    _prefetch: Prefetch
    _reporter: ProgressReporter
    progress: StreamProgress
    #: Why this run could not read the stream (None: it was read, or is still to be).
    failure: str | None
    #: Objects already emitted from this run's events -> the second of the event emitted.
    _changed: dict[str, int | None]

    def request_pages(self) -> Iterator[tuple[Delivered, StripePage]]:
        """Each page of this run with the token it answers, in the order fetched."""
        raise NotImplementedError

    def new_fetcher(self, shared_events: SharedEvents | None = None) -> StreamFetcher:
        """A fetcher of this run's pages (``client.StripeStream``)."""
        raise NotImplementedError

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
