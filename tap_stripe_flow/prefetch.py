"""The tap's fetching for one run: every selected stream fetched from the first read on.

singer-sdk writes the streams one after the other; ``Prefetch`` starts every selected stream's
fetcher (``fetch.py``) when the first stream is read, so they are fetched side by side under the
one rate-limited session (``http.py``), and the streams' change events come from one shared walk
of ``/v1/events`` (``events_reader.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

import requests

from tap_stripe_flow.errors import AccountAccessError
from tap_stripe_flow.events_reader import (
    ChangeEventsReader,
    EventInterest,
    SharedEventsWalk,
    interests_of,
)
from tap_stripe_flow.fetch import SharedEvents, StopSignal, StreamFetcher
from tap_stripe_flow.http import limited_session
from tap_stripe_flow.page_buffer import BufferSpace, Page
from tap_stripe_flow.ratelimit import RateLimiter


class FetchingStream(Protocol):
    """What ``Prefetch`` needs of a stream."""

    name: str
    #: Why the stream could not be read in this run (None: it was, or is still to be).
    failure: str | None

    @property
    def selected(self) -> bool: ...

    def event_interest(self) -> EventInterest | None: ...

    def new_fetcher(self, shared_events: SharedEvents | None) -> StreamFetcher: ...


class Prefetch:
    """One run's fetching: the rate-limited session, the shared events walk, and a fetcher per
    selected stream, started together when the first stream is read."""

    def __init__(
        self,
        streams: Sequence[FetchingStream],
        limiter: RateLimiter,
        session: requests.Session | None = None,
        buffer_space: BufferSpace | None = None,
    ) -> None:
        """Fetching for ``streams`` under ``limiter``, through ``session`` into
        ``buffer_space`` (None: a new rate-limited session, a new space; the accounts of a
        platform share the first one's)."""
        self._streams = streams
        self._fetchers: dict[str, StreamFetcher] = {}
        self._started_fetchers: list[StreamFetcher] = []
        #: ``time.monotonic()`` after which this account's turn is over (None: no end): a
        #: resumable stream then stops after the page it wrote, its progress saved.
        self.turn_ends_at: float | None = None
        #: The streams stopped because the turn was over.
        self._cut: set[str] = set()
        self._started = False
        self.stop_all = StopSignal()
        self.buffer_space = buffer_space or BufferSpace()
        self._lock = threading.Lock()
        self.limiter = limiter
        self.session = session or limited_session(self.limiter)
        #: Why this run can no longer act as its connected account (403 ``account_invalid``:
        #: access revoked); None for the platform, and while the account is readable.
        self.account_lost: AccountAccessError | None = None
        #: Sends the shared events walk's requests (set by the tap once its streams exist).
        self.events_reader: ChangeEventsReader | None = None

    def every_selected_stream_failed(self) -> bool:
        """Whether every selected stream has failed in this run (streams are read in turn,
        so only the last one's failure can make this true)."""
        selected = [s for s in self._streams if s.selected]
        return bool(selected) and all(s.failure for s in selected)

    def start(self, first: FetchingStream) -> None:
        """Start fetching every selected stream (and ``first``), unless started already."""
        with self._lock:
            if not self._started:
                self._started = True
                self._start_all(first=first)

    def pages(self, stream: FetchingStream) -> Iterator[Page]:
        """The pages of ``stream``'s run."""
        self.start(stream)
        with self._lock:
            fetcher = self._fetchers.pop(stream.name, None)
            if fetcher is None:
                fetcher = stream.new_fetcher(None).start()
                self._started_fetchers.append(fetcher)
        yield from fetcher.pages()

    def turn_over(self) -> bool:
        """Whether this account's turn is over (``turn_ends_at``)."""
        return self.turn_ends_at is not None and time.monotonic() >= self.turn_ends_at

    def cut_short(self, stream: FetchingStream) -> None:
        """``stream`` stopped because the turn was over."""
        self._cut.add(stream.name)

    def turn_cut_short(self, stream: FetchingStream | None = None) -> bool:
        """Whether ``stream`` (None: any stream) stopped because the turn was over."""
        return bool(self._cut) if stream is None else stream.name in self._cut

    def close(self, why: BaseException) -> None:
        """The run of these streams is over (an account's turn, or its access lost): fetches
        not read stop before their next request, and none waits on a full buffer."""
        if self.stop_all.error is None:
            self.stop_all.error = why
        with self._lock:
            for fetcher in self._started_fetchers:
                fetcher.close()
            self._fetchers.clear()

    def _start_all(self, first: FetchingStream) -> None:
        selected = [s for s in self._streams if s.selected or s is first]
        interests = interests_of(selected)
        walk = None
        if interests and self.events_reader is not None:
            walk = SharedEventsWalk(self.events_reader, interests).start()
        for stream in selected:
            shared = None
            if walk is not None and stream.name in interests:
                shared = walk.reader_for(stream.name)
            self._fetchers[stream.name] = stream.new_fetcher(shared).start()
            self._started_fetchers.append(self._fetchers[stream.name])
