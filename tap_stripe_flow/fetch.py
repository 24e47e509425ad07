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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, Final

import requests

from tap_stripe_flow.errors import CursorMissingError, ObjectMissingError
from tap_stripe_flow.page_buffer import (
    BUFFERED_BYTES_PER_STREAM,
    END,
    BufferSpace,
    End,
    Page,
    PageBuffer,
)
from tap_stripe_flow.pagination import (
    ChildPage,
    EventsPage,
    ListPage,
    ParentsPage,
    StripePage,
    StripePaginator,
    Token,
    WalkEnd,
    children_to_fetch,
    read_page,
    records_page,
    restarted,
)

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


class StopSignal:
    """Shared by all streams' fetchers: the first error that stops them all (a refused key)."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def raise_if_set(self) -> None:
        if self.error is not None:
            raise self.error


Fetch = Callable[[Token], requests.Response]
#: This stream's pages of the run's shared events walk (None: it walks its own events).
SharedEvents = Callable[[], "list[StripePage] | None"]
#: What a page of events asks of a child stream: records ready to write, child lists to read.
ChildrenOfEvents = Callable[[list[dict[str, Any]]], "tuple[list[dict[str, Any]], list[ChildPage]]"]


class StreamFetcher:
    """Fetches one stream's run with up to ``workers`` walks side by side.

    ``fetch`` sends one token's request (with the stream's retries). With ``read_events`` the run
    starts with the stream's events and the list walks (``list_windows``) start once they are
    read: ``shared_events`` gives them from the run's one events walk (``events_reader.py``), or
    None when this stream must walk its own events. ``child_lists`` says whether parents' child
    lists must be walked (child streams), ``embedded_field`` where parents embed them, and
    ``empty_when_null`` the parent field whose null says a parent has no children.
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
        embedded_only: bool = False,
        empty_when_null: str | None = None,
        workers: int = WORKERS_PER_STREAM,
        buffered_bytes: int = BUFFERED_BYTES_PER_STREAM,
        shared_space: BufferSpace | None = None,
        stop_all: StopSignal | None = None,
        shared_events: SharedEvents | None = None,
        children_of_events: ChildrenOfEvents | None = None,
    ) -> None:
        self.name = name
        self._shared_events = shared_events
        self._children_of_events = children_of_events
        self._stop_all = stop_all or StopSignal()
        self._fetch = fetch
        self._child_lists = child_lists
        self._embedded_field = embedded_field
        self._embedded_only = embedded_only
        self._empty_when_null = empty_when_null
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
                self._out.put(END)
            self._spawn_for_waiting_walks()
        return self

    def _spawn(self) -> None:
        """Start one more worker (with the lock held)."""
        self._running += 1
        name = f"fetch-{self.name}-{self._running}"
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def close(self) -> None:
        """Nobody reads on: buffered pages are dropped, and workers blocked on a full buffer
        go on (to stop them, set the run's stop signal first)."""
        self._out.close()

    def pages(self) -> Iterator[Page]:
        """Every page of the run, in the order fetched; raises what a worker raised."""
        while True:
            item = self._out.get()
            if isinstance(item, End):
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
            self._out.put(END)

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

    def _add_walks(self, walks: Sequence[Token]) -> None:
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
        if isinstance(start, EventsPage) and self._take_shared_events(start):
            return
        paginator = StripePaginator(start)
        read_down_to: int | None = None
        restarts = 0
        # a child walk that must tell which children it did not list keeps the ids it read
        listed: set[str] | None = (
            set() if isinstance(start, ChildPage) and start.unless_listed else None
        )
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
                self._walk_ended(token, set())  # its children are gone with it
                return
            restarts = 0  # a page read: the next deleted cursor is a fresh start
            page = read_page(response)
            above, read_down_to = (
                read_down_to,
                (page.heads[-1].created_at if page.heads else read_down_to),
            )
            if listed is not None:
                listed.update(str(h.id) for h in page.heads)
            self._deliver(token, page, above)
            paginator.advance(response)
            if paginator.finished:
                self._walk_ended(token, listed)
                break
            if self._child_lists and len(self._walks) > MAX_WAITING_WALKS:
                self._hand_back(paginator.current_value, read_down_to)
                return
            if isinstance(token, ListPage) and self._has_capacity():
                self._split(paginator, page)

    def _take_shared_events(self, start: EventsPage) -> bool:
        """Deliver the stream's share of the run's events walk; False: it walks its own."""
        if self._shared_events is None:
            return False
        shared = self._shared_events()  # waits for the run's events walk
        if shared is None:
            return False
        for page in shared:
            self._deliver(start, page)
        return True

    def _walk_ended(self, walk: Token, listed: set[str] | None) -> None:
        """At a child walk's end: the children an event said may be gone that it did not list
        (``listed``: the ids it read, None when no event asked), then the walk's end mark."""
        if not isinstance(walk, ChildPage):
            return
        if listed is not None:
            gone = [r for r in walk.unless_listed if r["id"] not in listed]
            if gone:
                self._out.put((EventsPage(), records_page(gone)))
        if walk.parents is not None:
            self._out.put((WalkEnd(walk.parents), records_page([])))

    def _deliver(self, token: Token, page: StripePage, above: int | None = None) -> None:
        """Hand a page to the stream, and queue the child lists its parents need. ``above``:
        the oldest ``created`` of the walk's page before (None: this is its first)."""
        if isinstance(token, EventsPage) and self._children_of_events is not None:
            records, walks = self._children_of_events(page.data)
            self._out.put((token, records_page(records)))
            self._add_walks(list(walks))
            return
        if not self._child_lists or isinstance(token, ChildPage):
            self._out.put((token, page))
            return
        if isinstance(token, EventsPage):
            walks = self._new_children([e["data"]["object"] for e in page.data], True)
        else:
            walks = self._new_children(page.data, False)
            if isinstance(token, ListPage) and token.gte is not None and token.lte is not None:
                token, walks = self._owing(token, page, above, walks)
        self._out.put((token, page))
        self._add_walks(walks)
        page.forget_data()  # while buffered, a page holds little more than its body

    @staticmethod
    def _owing(
        token: ListPage, page: StripePage, above: int | None, walks: list[ChildPage]
    ) -> tuple[ListPage, list[ChildPage]]:
        """The page of parents marked with the ``created`` range it alone covers (down to,
        not including, its oldest second while the walk goes on) and the walks it owes."""
        assert token.gte is not None
        assert token.lte is not None
        created = [c for h in page.heads if (c := h.created_at) is not None]
        lte = token.lte if above is None else above
        gte = min(created) + 1 if page.has_more and created else token.gte
        owed = ParentsPage(gte, lte, max(created, default=None), pending=len(walks))
        return replace(token, parents=owed), [replace(w, parents=owed) for w in walks]

    def _hand_back(self, rest: Token, read_down_to: int | None) -> None:
        """Queue the rest of a walk behind the child lists waiting, bounded by what it read: if
        its cursor is deleted while it waits, it starts again from there, not from the top."""
        if isinstance(rest, ListPage) and read_down_to is not None:
            rest = replace(rest, lte=read_down_to)
        self._add_walks([rest])

    def _new_children(self, parents: list[dict[str, Any]], from_events: bool) -> list[ChildPage]:
        """The child walks of ``parents``, once per parent: a parent named by several events,
        or by events and then listed, is read once. Only parents named by events are
        remembered (a list names each parent once), so memory does not grow with the list."""
        with self._lock:
            fresh = [p for p in parents if p["id"] not in self._parents_seen]
            if from_events:
                self._parents_seen.update(p["id"] for p in fresh)
        return list(
            children_to_fetch(
                fresh,
                self._embedded_field,
                self._empty_when_null,
                embedded_only=self._embedded_only,
            )
        )

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
