"""One walk of ``/v1/events`` per run, shared by every stream that reads change events.

Each stream that reads events in this run says which types it reads over which window (its own
event cursor up to a minute before its start: ``changes.py``). The run walks ``/v1/events`` once
over the union of those windows, split across workers as any list is (``fetch.py``), filtered
with ``types[]`` when the union of types fits Stripe's limit of 20 values and unfiltered
otherwise; each event goes to every stream whose types and window it matches. A stream gets its
events newest first, in pages of 100, exactly the events its own walk would have read, so its
records are those of its own walk (``changes.newest_versions`` decides what to emit).

Memory: the events wait until the streams that read them are written; beyond
``ROUTED_BYTES`` held in all, the stream holding most gives its share up and walks its own
events (``types[]`` of its own, from its own cursor), so memory stays bounded however long ago
the last run was, at the cost of that stream's own walk.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from typing_extensions import override

from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.errors import EVENTS_PATH
from tap_stripe_flow.fetch import SharedEvents, StreamFetcher
from tap_stripe_flow.pagination import ListPage, StripePage

LOGGER: Final = logging.getLogger("tap-stripe-flow")
#: Values Stripe accepts in one ``types[]`` filter.
MAX_FILTERED_TYPES: Final = 20
#: Bytes of events held for the streams waiting their turn, in all.
ROUTED_BYTES: Final = 64 << 20
#: Events per page handed to a stream (Stripe's own page size).
EVENTS_PER_PAGE: Final = 100


@dataclass(frozen=True)
class EventInterest:
    """What one stream reads of the run's events: these types, created in [gte, lte]."""

    types: frozenset[str]
    gte: int
    lte: int


@dataclass
class _Held:
    interest: EventInterest
    events: list[tuple[int, bytes]] = field(default_factory=list)
    size: int = 0
    #: Gave its share up (memory): the stream walks its own events.
    own_walk: bool = False


class _EventHead(msgspec.Struct):
    type: str
    created: int


class _EventHeads(msgspec.Struct):
    data: list[_EventHead]


_HEADS: Final = msgspec.json.Decoder(_EventHeads)


class EventRouter:
    """Sorts the pages of one events walk into each stream's events (from one thread)."""

    def __init__(self, interests: Mapping[str, EventInterest], budget: int | None = None) -> None:
        self._held = {name: _Held(interest) for name, interest in interests.items()}
        self._by_type: dict[str, list[_Held]] = {}
        for held in self._held.values():
            for event_type in held.interest.types:
                self._by_type.setdefault(event_type, []).append(held)
        self._budget = ROUTED_BYTES if budget is None else budget
        self._size = 0

    @property
    def types(self) -> frozenset[str]:
        """Every type a stream reads."""
        return frozenset(self._by_type)

    @property
    def window(self) -> tuple[int, int]:
        """The ``created`` range that covers every stream's window."""
        interests = [held.interest for held in self._held.values()]
        return min(i.gte for i in interests), max(i.lte for i in interests)

    def route(self, page: StripePage) -> None:
        """Keep each event of ``page`` for the streams it concerns."""
        for head, raw in zip(_HEADS.decode(page.body).data, page.raw, strict=True):
            for held in self._by_type.get(head.type, ()):
                interest = held.interest
                if held.own_walk or not interest.gte <= head.created <= interest.lte:
                    continue
                held.events.append((head.created, bytes(raw)))
                held.size += len(raw)
                self._size += len(raw)
        while self._size > self._budget:
            largest = max(self._held.items(), key=lambda item: item[1].size)
            self._give_up(*largest)

    def _give_up(self, name: str, held: _Held) -> None:
        LOGGER.info(
            "Stream %s: its change events (%d so far) are more than the shared events walk "
            "keeps in memory; it reads its own events instead.",
            name,
            len(held.events),
        )
        self._size -= held.size
        held.own_walk, held.events, held.size = True, [], 0

    def pages(self, name: str) -> list[StripePage] | None:
        """The events of stream ``name``, newest first, in pages (None: it walks its own)."""
        held = self._held[name]
        if held.own_walk:
            return None
        held.events.sort(key=lambda event: -event[0])
        raws = [raw for _, raw in held.events]
        self._size -= held.size
        held.events, held.size = [], 0
        return [
            StripePage(b'{"data":[' + b",".join(raws[i : i + EVENTS_PER_PAGE]) + b"]}")
            for i in range(0, len(raws), EVENTS_PER_PAGE)
        ]


class ChangeEventsReader(StripeStream):
    """The request side of the shared walk: ``/v1/events`` over one window, with the
    ``types[]`` filter when it fits. Never a stream of the catalog (``events`` is that)."""

    name = "change_events"
    object_type = "event"
    path = EVENTS_PATH

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, schema={"type": "object", "properties": {}}, **kwargs)
        self.router: EventRouter | None = None
        #: The streams whose events it reads (what error messages name).
        self.readers_label = ""

    @override
    def list_request(self) -> tuple[str, dict[str, Any]]:
        assert self.router is not None
        types = self.router.types
        return EVENTS_PATH, {"types[]": sorted(types)} if len(types) <= MAX_FILTERED_TYPES else {}

    @override
    def stream_label(self) -> str:
        return self.readers_label


class SharedEventsWalk:
    """The run's events walk, in the background: each stream's fetcher waits for it."""

    def __init__(self, reader: ChangeEventsReader, interests: Mapping[str, EventInterest]) -> None:
        self._router = EventRouter(interests)
        reader.router = self._router
        reader.readers_label = ", ".join(interests)
        lo, hi = self._router.window
        self._fetcher: StreamFetcher = reader.fetcher_of([ListPage(None, lo, hi)])
        self._done = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def start(self) -> SharedEventsWalk:
        self._fetcher.start()
        threading.Thread(target=self._read, name="events-walk", daemon=True).start()
        return self

    def _read(self) -> None:
        try:
            for _, page in self._fetcher.pages():
                self._router.route(page)
        except BaseException as exc:  # noqa: BLE001 - raised where each stream reads it
            self._error = exc
        finally:
            self._done.set()

    def reader_for(self, name: str) -> SharedEvents:
        """What stream ``name``'s fetcher calls for its events."""
        return functools.partial(self.pages_of, name)

    def pages_of(self, name: str) -> list[StripePage] | None:
        """Stream ``name``'s events, once the walk is done (None: it walks its own).

        Raises what the walk raised (a key that may not read events, say)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        with self._lock:
            return self._router.pages(name)


def interests_of(streams: Iterable[Any]) -> dict[str, EventInterest]:
    """The event interests of the streams that read events in this run."""
    return {s.name: i for s in streams if (i := s.event_interest()) is not None}
