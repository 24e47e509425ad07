"""Fetching at Stripe's rate limit: concurrent list walks under one shared request budget.

singer-sdk requests one page at a time, so a backfill waits a round trip per 100 objects (about
6 requests/s at Stripe's latency, against 100 allowed). This replaces its page loop
(``RESTStream.request_records``): every selected stream is fetched from the start of the run by
worker threads, each walking one list (``pagination.py``); while a stream has spare workers,
what a walk has left of its ``created`` window is cut into parts for them; the child lists of a
page of parents are walked side by side. A shared limiter (``ratelimit.py``) keeps the whole tap
at or under ``max_requests_per_second`` and each Stripe endpoint at or under
``max_requests_per_second_per_endpoint``. Pages wait in a buffer per stream, bounded in bytes
(streams not yet being read may also fill a shared space), so memory stays flat; the stream
writes them, one stream after the other, from the main thread (``client.py``).

Guarantees: each stream gets every page of its run exactly once; change-capture events come
before the stream's list (so a listed, newer version wins); a worker's failure is raised where
the stream's records are read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, Final, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

from tap_stripe_flow.errors import CursorMissingError, ObjectMissingError
from tap_stripe_flow.pagination import (
    ChildPage,
    EventsPage,
    ListPage,
    StripePage,
    StripePaginator,
    Token,
    children_to_fetch,
    read_page,
    restarted,
)
from tap_stripe_flow.ratelimit import RateLimiter, endpoint_of

LOGGER: Final = logging.getLogger("tap-stripe-flow")
#: Times in a row one walk may start again because its cursor object was deleted, with no page
#: read in between: past that, objects are deleted faster than they can be listed.
MAX_RESTARTS: Final = 20
# 100 requests/s at Stripe's ~150 ms per request need ~15 in flight, from one stream alone.
WORKERS_PER_STREAM: Final = 20
#: Walks waiting in a stream's queue above which a walk of parents hands the rest of its list
#: back to the end of the queue: parents never run far ahead of their child lists (a request
#: per customer), so the queue stays short however many parents there are.
MAX_WAITING_WALKS: Final = 1000
#: Connections kept open for reuse: requests in flight are about rate x latency (15 at Stripe's
#: 100/s and 150 ms), since the limiter spaces them.
KEPT_CONNECTIONS: Final = 64
#: A stream's fetched pages wait for their turn up to this many bytes of body (at least one
#: page): many small pages (one customer's balance transactions) or a few full ones (charges).
BUFFERED_BYTES_PER_STREAM: Final = 1 << 19
#: Beyond that, streams share this many bytes: while one slow stream is written (a request per
#: customer), the others are fetched ahead instead of waiting for their turn, which in the
#: all-streams benchmark left the end of the run to a few streams and far below the budget.
SHARED_BUFFERED_BYTES: Final = 32 << 20


class RateLimitedAdapter(HTTPAdapter):
    """An HTTP adapter whose every send first takes a token from the shared limiter, for the
    endpoint the request was labelled with (``ratelimit.label_endpoint``), and tells the limiter
    how Stripe answered."""

    def __init__(self, limiter: RateLimiter, pool_size: int) -> None:
        super().__init__(pool_connections=4, pool_maxsize=pool_size)
        self.limiter = limiter

    def build_response(
        self, req: requests.PreparedRequest, resp: urllib3.BaseHTTPResponse
    ) -> requests.Response:
        """The response with its whole body read in one call.

        requests reads a body in 10 KiB chunks through several Python layers (its ``content``);
        at 225 KB per page of charges that was 40 % of the tap's CPU in the benchmark, against
        about 5 % for one ``read``. Errors are those requests raises for the same failures.
        """
        response = super().build_response(req, resp)
        try:
            response._content = resp.read(decode_content=True)  # what ``content`` would fill
        except ProtocolError as exc:  # cut short: a retried error, as requests reports it
            raise requests.exceptions.ChunkedEncodingError(exc, request=req) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc, request=req) from exc
        except ReadTimeoutError as exc:
            raise requests.exceptions.ConnectionError(exc, request=req) from exc
        except urllib3.exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc, request=req) from exc
        response._content_consumed = True  # type: ignore[attr-defined] # as ``content`` leaves it
        return response

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        endpoint = endpoint_of(request)
        self.limiter.acquire(endpoint)
        sent_at = time.monotonic()
        response = super().send(request, *args, **kwargs)
        self.limiter.answered(endpoint, response, sent_at)
        return response


def limited_session(limiter: RateLimiter, pool_size: int) -> requests.Session:
    """A session whose requests, from any thread, share the budget of ``limiter``."""
    session = requests.Session()
    adapter = RateLimitedAdapter(limiter, pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class StopSignal:
    """Shared by all streams' fetchers: the first error that stops them all (a refused key)."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def raise_if_set(self) -> None:
        if self.error is not None:
            raise self.error


class _Done:
    """Marks the end of a stream's pages."""


_DONE: Final = _Done()


class BufferSpace:
    """The bytes of page bodies that the streams' buffers may hold beyond their own share."""

    def __init__(self, limit: int = SHARED_BUFFERED_BYTES) -> None:
        self.limit = limit
        self.used = 0
        self.changed = threading.Condition()


class PageBuffer:
    """A FIFO of a stream's fetched pages, bounded by the bytes of their bodies.

    ``put`` waits while the buffer holds ``limit`` bytes or more (an item is always accepted
    into a buffer under its limit, so one large page never blocks for ever, and a buffer exceeds
    its bounds by at most a page); errors and the end mark never wait.
    Until its stream is being read, a buffer may also fill the shared space: a stream that
    waits for its turn is fetched ahead, while the stream being written needs no more than its
    own share (it is drained as fast as it fills) and memory stays flat however large it is.
    Bytes beyond ``limit`` count against the shared space.
    """

    def __init__(self, limit: int, shared: BufferSpace | None = None) -> None:
        self._limit = limit
        self._shared = shared or BufferSpace(0)
        self._changed = self._shared.changed  # one condition: any buffer's get may free space
        self._items: deque[Page | BaseException | _Done] = deque()
        self._bytes = 0
        self._reading = False  # the stream's pages are being read (its turn has come)
        self._closed = False  # nobody will read them any more

    def _borrowed(self, size: int) -> int:
        """Shared bytes held while this buffer holds ``size`` bytes."""
        return max(0, size - self._limit)

    def put(self, item: Page | BaseException | _Done) -> None:
        size = len(item[1].content) if isinstance(item, tuple) else 0
        shared = self._shared
        with self._changed:
            while size and self._items and self._bytes >= self._limit and not self._closed:
                extra = self._borrowed(self._bytes + size) - self._borrowed(self._bytes)
                if not self._reading and shared.used + extra <= shared.limit:
                    break
                self._changed.wait()
            if self._closed:
                return
            shared.used += self._borrowed(self._bytes + size) - self._borrowed(self._bytes)
            self._items.append(item)
            self._bytes += size
            self._changed.notify_all()

    def get(self) -> Page | BaseException | _Done:
        with self._changed:
            self._reading = True
            while not self._items:
                self._changed.wait()
            item = self._items.popleft()
            if isinstance(item, tuple):
                size = len(item[1].content)
                self._shared.used -= self._borrowed(self._bytes) - self._borrowed(
                    self._bytes - size
                )
                self._bytes -= size
            self._changed.notify_all()
            return item

    def close(self) -> None:
        """Nobody reads on (the stream failed or was skipped): drop what is buffered, give its
        shared space back, and let every ``put`` return at once."""
        with self._changed:
            self._closed = True
            self._shared.used -= self._borrowed(self._bytes)
            self._items.clear()
            self._bytes = 0
            self._changed.notify_all()


Fetch = Callable[[Token], requests.Response]
Page = tuple[Token, requests.Response]


class StreamFetcher:
    """Fetches one stream's run with up to ``workers`` walks side by side.

    ``fetch`` sends one token's request (with the stream's retries). With ``read_events`` the run
    starts with the events walk and the list walks (``list_windows``) start once it is done.
    ``child_lists`` says whether parents' child lists must be walked (child streams), and
    ``embedded_field`` where parents embed them.
    """

    def __init__(
        self,
        name: str,
        fetch: Fetch,
        list_windows: Sequence[ListPage],
        *,
        read_events: bool = False,
        child_lists: bool = False,
        embedded_field: str | None = None,
        workers: int = WORKERS_PER_STREAM,
        buffered_bytes: int = BUFFERED_BYTES_PER_STREAM,
        shared_space: BufferSpace | None = None,
        stop_all: StopSignal | None = None,
    ) -> None:
        self.name = name
        self._stop_all = stop_all or StopSignal()
        self._fetch = fetch
        self._child_lists = child_lists
        self._embedded_field = embedded_field
        self._workers = workers
        self._out = PageBuffer(buffered_bytes, shared_space)
        self._walks: deque[Token] = deque([EventsPage()] if read_events else list_windows)
        self._after_events: list[ListPage] = list(list_windows) if read_events else []
        self._lock = threading.Condition()
        self._active = 0  # walks being fetched right now
        self._idle = 0  # workers waiting for a walk
        self._running = 0  # workers not yet exited
        self._failed = False
        self._parents_seen: set[str] = set()

    def start(self) -> StreamFetcher:
        """Start fetching in the background: a worker per waiting walk (up to the limit), more
        as walks are added."""
        with self._lock:
            if not self._walks:  # an empty window (a bookmark ahead of this host's clock)
                self._out.put(_DONE)
            self._spawn_for_waiting_walks()
        return self

    def _spawn(self) -> None:
        """Start one more worker (with the lock held)."""
        self._running += 1
        name = f"fetch-{self.name}-{self._running}"
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def pages(self) -> Iterator[Page]:
        """Every page of the run, in the order fetched; raises what a worker raised."""
        while True:
            item = self._out.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, BaseException):
                self._out.close()  # the other workers' pages would wait for ever
                raise item
            yield item

    # Workers -----------------------------------------------------------------------------------

    def _work(self) -> None:
        while (walk := self._next_walk()) is not None:
            try:
                self._walk(walk)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                if getattr(exc, "stops_all_streams", False):
                    self._stop_all.error = exc  # a refused key: no stream may go on asking
                with self._lock:
                    self._failed = True
                    self._walks.clear()
                self._out.put(exc)
            finally:
                self._walk_done()
        with self._lock:
            self._running -= 1
            last_out = self._running == 0 and not self._failed
        if last_out:
            self._out.put(_DONE)

    def _next_walk(self) -> Token | None:
        with self._lock:
            while not self._walks:
                if self._active == 0 or self._failed:
                    return None
                self._idle += 1
                self._lock.wait()
                self._idle -= 1
            self._active += 1
            return self._walks.popleft()

    def _walk_done(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and not self._walks and self._after_events:
                # The events are all read (and queued first): now the stream's list.
                self._walks.extend(self._after_events)
                self._after_events = []
                self._spawn_for_waiting_walks()
            self._lock.notify_all()

    def _add_walks(self, walks: list[Token]) -> None:
        if walks:
            with self._lock:
                self._walks.extend(walks)
                self._spawn_for_waiting_walks()
                self._lock.notify_all()

    def _spawn_for_waiting_walks(self) -> None:
        """Start a worker for each waiting walk no idle worker will take (with the lock held)."""
        for _ in range(min(len(self._walks) - self._idle, self._workers - self._running)):
            self._spawn()

    def _has_capacity(self) -> bool:
        """Whether another walk would be fetched now (a worker idle, or one may start)."""
        return self._spare_workers() > 0

    def _spare_workers(self) -> int:
        """Workers idle, plus workers that may still start."""
        return self._idle + self._workers - self._running

    def _walk(self, start: Token) -> None:
        """Walk one list to its end (or hand its rest to other walks).

        An object deleted in Stripe while the walk reads never ends the walk early: a deleted
        cursor object starts the walk again from the last ``created`` read
        (``pagination.restarted``), and a deleted parent has no children left to read.
        """
        paginator = StripePaginator(start)
        read_down_to: int | None = None
        restarts = 0
        while not paginator.finished and not self._failed:
            self._stop_all.raise_if_set()
            token = paginator.current_value
            try:
                response = self._fetch(token)
            except CursorMissingError:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise
                paginator = StripePaginator(restarted(token, read_down_to))
                continue
            except ObjectMissingError:
                if not isinstance(token, ChildPage):
                    raise
                LOGGER.debug("Stream %s: parent %s was deleted", self.name, token.parent["id"])
                return
            restarts = 0  # a page read: the next deleted cursor is a fresh start
            page = read_page(response)
            if page.heads:
                read_down_to = page.heads[-1].created_at
            self._out.put((token, response))
            if self._child_lists and not isinstance(token, ChildPage):
                data = page.data
                if isinstance(token, EventsPage):
                    self._add_walks(self._new_children([e["data"]["object"] for e in data], True))
                else:
                    self._add_walks(self._new_children(data, False))
                page.forget_data()  # while buffered, a page holds little more than its body
            paginator.advance(response)
            if paginator.finished:
                break
            if self._child_lists and len(self._walks) > MAX_WAITING_WALKS:
                self._hand_back(paginator.current_value, read_down_to)
                return
            if isinstance(token, ListPage) and self._has_capacity():
                self._split(paginator, page)

    def _hand_back(self, rest: Token, read_down_to: int | None) -> None:
        """Queue the rest of a walk behind the child lists waiting, bounded by what it read: if
        its cursor is deleted while it waits, it starts again from there, not from the top."""
        if isinstance(rest, ListPage) and read_down_to is not None:
            rest = replace(rest, lte=read_down_to)
        self._add_walks([rest])

    def _new_children(self, parents: list[dict[str, Any]], from_events: bool) -> list[Token]:
        """The child walks of ``parents``, once per parent: a parent named by several events,
        or by events and then listed, is read once. Only parents named by events are
        remembered (a list names each parent once), so memory does not grow with the list."""
        with self._lock:
            fresh = [p for p in parents if p["id"] not in self._parents_seen]
            if from_events:
                self._parents_seen.update(p["id"] for p in fresh)
        return list(children_to_fetch(fresh, self._embedded_field))

    def _split(self, paginator: StripePaginator, page: StripePage) -> None:
        """Hand older parts of what this walk has left to spare workers.

        The page just read tells how many seconds a page spans here, hence about how many
        pages are left: the rest is cut into parts of about two pages each, as many as there
        are spare workers (at least two parts: a walk with spare workers always shares).
        """
        current = paginator.current_value
        created = [c for h in page.heads if (c := h.created_at) is not None]
        if not isinstance(current, ListPage) or current.gte is None or not created:
            return
        read_down_to = page.heads[-1].created_at
        if read_down_to is None:
            return
        page_seconds = max(1, max(created) - min(created))
        pages_left = (read_down_to - current.gte + 1) / page_seconds
        parts = min(self._spare_workers() + 1, max(2, round(pages_left / 2)))
        cut = current.split(read_down_to, parts)
        if cut is not None:
            paginator.narrow(cut[0])
            self._add_walks(list(cut[1]))


class FetchingStream(Protocol):
    """What ``Prefetch`` needs of a stream."""

    name: str
    #: Why the stream could not be read in this run (None: it was, or is still to be).
    failure: str | None

    @property
    def selected(self) -> bool: ...

    def new_fetcher(self) -> StreamFetcher: ...


class Prefetch:
    """The tap's fetching: one rate-limited session, and every selected stream's pages fetched
    from the first read on, so that streams are read side by side while singer-sdk writes them
    one after the other."""

    def __init__(self, streams: Sequence[FetchingStream], limiter: RateLimiter) -> None:
        self._streams = streams
        self._fetchers: dict[str, StreamFetcher] = {}
        self._started = False
        self.stop_all = StopSignal()
        self.buffer_space = BufferSpace()
        self._lock = threading.Lock()
        self.limiter = limiter
        self.session = limited_session(self.limiter, KEPT_CONNECTIONS)

    def every_selected_stream_failed(self) -> bool:
        """Whether every selected stream has failed in this run (streams are read in turn,
        so only the last one's failure can make this true)."""
        selected = [s for s in self._streams if s.selected]
        return bool(selected) and all(s.failure for s in selected)

    def pages(self, stream: FetchingStream) -> Iterator[Page]:
        """The pages of ``stream``'s run."""
        with self._lock:
            if not self._started:
                self._started = True
                for other in self._streams:
                    if other.selected and other is not stream:
                        self._fetchers[other.name] = other.new_fetcher().start()
            fetcher = self._fetchers.pop(stream.name, None)
        yield from (fetcher or stream.new_fetcher().start()).pages()
