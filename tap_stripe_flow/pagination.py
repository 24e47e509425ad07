"""Walking Stripe's lists: the tokens of one stream's run and how each list continues.

A run reads, in this order (``fetch.py`` fetches the walks concurrently):

1. ``EventsPage``s: the events since the stream's event cursor (change capture, later runs only);
2. ``ListPage``s: the stream's list (or its parent's list) over the ``created`` window, which may
   be split into narrower windows walked side by side;
3. after any page of parents (from 1 or 2), the ``ChildPage``s those parents need: the part of a
   child list that Stripe did not embed (``has_more``), or the whole list when nothing is
   embedded. A parent whose embedded list is complete costs no request.

Stripe lists newest first; a list continues with ``starting_after`` = the last id of a page while
the page says ``has_more`` (so no empty trailing page is ever requested).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Final

import msgspec
import orjson
import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override


class _ListBody(msgspec.Struct):
    data: list[msgspec.Raw]
    has_more: bool = False


class ObjectHead(msgspec.Struct):
    """The fields of a listed object that paging and bookmarks need."""

    id: Any = None
    created: Any = None
    date: Any = None  # an invoice item's creation time (it has no ``created``)

    @property
    def created_at(self) -> int | None:
        """When the object was created (what ``created[gte]``/``[lte]`` filter on)."""
        for value in (self.created, self.date):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None


class _Heads(msgspec.Struct):
    data: list[ObjectHead]


_LIST_DECODER: Final = msgspec.json.Decoder(_ListBody)
_HEADS_DECODER: Final = msgspec.json.Decoder(_Heads)


class StripePage:
    """One Stripe list body, decoded only as far as its reader needs.

    Paging and bookmarks read ``heads`` (id and ``created`` of each object); a stream whose
    records go out as Stripe sent them writes ``raw`` (each object's compact JSON, no Python
    objects built); anything that looks inside the objects reads ``data`` (parsed on first use).
    """

    __slots__ = ("__dict__", "_body", "has_more", "heads", "raw")

    def __init__(self, body: bytes) -> None:
        """Raises ``msgspec.DecodeError`` when ``body`` is not a whole Stripe list."""
        if b"\n" in body or b"\r" in body:
            # Stripe pretty-prints; a record must fit on one line of output.
            body = msgspec.json.format(body, indent=-1)
        listed = _LIST_DECODER.decode(body)
        self._body = body
        self.raw: list[msgspec.Raw] = listed.data
        self.has_more: bool = listed.has_more
        self.heads: list[ObjectHead] = _HEADS_DECODER.decode(body).data

    @property
    def body(self) -> bytes:
        """The body, compacted (one line)."""
        return self._body

    @cached_property
    def data(self) -> list[dict[str, Any]]:
        """The listed objects, parsed."""
        parsed: list[dict[str, Any]] = orjson.loads(self._body)["data"]
        return parsed

    def forget_data(self) -> None:
        """Drop the parsed objects (``data`` parses them again when read again)."""
        self.__dict__.pop("data", None)

    @property
    def last_id(self) -> str | None:
        """Where the list continues (``starting_after``)."""
        return self.heads[-1].id if self.heads else None

    @property
    def newest_created(self) -> int | None:
        """The newest ``created`` on the page (None when no object has one)."""
        return max((c for h in self.heads if (c := h.created_at) is not None), default=None)


_pages: weakref.WeakKeyDictionary[requests.Response, StripePage] = weakref.WeakKeyDictionary()


def read_page(response: requests.Response) -> StripePage:
    """Decode a Stripe list body once per response (the fetcher and the stream both read it).

    Raises:
        RetriableAPIError: the body is not a whole Stripe list (cut short by the network, say).
    """
    page = _pages.get(response)
    if page is None:
        try:
            page = StripePage(response.content)
        except msgspec.DecodeError as exc:  # also a body of another shape (ValidationError)
            msg = f"Stripe sent a body that is not a whole list for {response.request.path_url}"
            raise RetriableAPIError(msg, response) from exc
        # Keep the body once: a pretty-printed one was compacted, and a buffered page is
        # counted by the size of its ``content``.
        response._content = page.body  # type: ignore[attr-defined]
        _pages[response] = page
    return page


@dataclass(frozen=True, slots=True)
class EventsPage:
    """The next page of the stream's events."""

    starting_after: str | None = None


@dataclass(eq=False)
class ParentsPage:
    """A written page of parents and the child lists it started (child streams): once every
    one of them has ended, every child of the page's ``created`` range [gte, lte] is written."""

    gte: int
    lte: int
    newest: int | None
    #: Child walks not yet ended: set by the fetcher, counted down by the writing thread.
    pending: int
    written: bool = False


@dataclass(frozen=True, slots=True)
class ListPage:
    """The next page of the stream's own list (its parent's list, for a child stream).

    ``gte``/``lte`` narrow the run's ``created`` window (both inclusive) when it is split.
    ``parents``: on a delivered page of parents, what its child lists owe (``ParentsPage``).
    """

    starting_after: str | None = None
    gte: int | None = None
    lte: int | None = None
    parents: ParentsPage | None = None
    #: Query parameters this walk adds to the list's (``active=false`` on ``/v1/prices``,
    #: which lists active prices unless asked for the others): kept by the walks cut from it.
    variant: tuple[tuple[str, str], ...] = ()

    def split(
        self, read_down_to: int, parts: int = 2
    ) -> tuple[ListPage, tuple[ListPage, ...]] | None:
        """Cut the rest of this walk into ``parts`` ranges of equal length.

        The walk has read down to ``read_down_to`` (its last record's ``created``) and goes on
        with ``created`` in [gte, read_down_to]. Returns (this walk narrowed to the newest range,
        new walks over the older ranges, newest first), or None when there are not two seconds
        to cut apart.
        """
        if self.gte is None:
            return None
        seconds = read_down_to - self.gte + 1
        parts = min(parts, seconds)
        if parts < 2:
            return None
        bounds = [self.gte + seconds * k // parts for k in range(parts + 1)]
        older = tuple(
            ListPage(None, bounds[k], bounds[k + 1] - 1, variant=self.variant)
            for k in range(parts - 2, -1, -1)
        )
        return replace(self, gte=bounds[parts - 1]), older


@dataclass(frozen=True, slots=True)
class ChildPage:
    """The next page of one parent's child list, after the entries already read.

    ``unless_listed``: records of children that an event says may have left the list (as
    deletions), emitted once the walk ends for those it did not list.
    """

    parent: Mapping[str, Any]
    starting_after: str | None = None
    unless_listed: tuple[dict[str, Any], ...] = ()
    #: The page of parents that started this walk (resume progress), if any.
    parents: ParentsPage | None = None


@dataclass(frozen=True, slots=True)
class WalkEnd:
    """Delivered after a child walk's last page: its children are all delivered."""

    parents: ParentsPage


Token = EventsPage | ListPage | ChildPage
#: What a stream's fetched pages answer: a token, or the end mark of a child walk.
Delivered = Token | WalkEnd


def records_page(records: list[dict[str, Any]]) -> StripePage:
    """A page holding ready records (those the stream derives from events, say)."""
    return StripePage(orjson.dumps({"data": records}))


def restarted(token: Token, read_down_to: int | None) -> Token:
    """The walk of ``token`` begun again, after the object it continued from was deleted.

    A list walk starts again from the newest ``created`` it still needs (``read_down_to``, the
    last object read, included: objects of that second may be read twice, none is skipped); a
    child list or the events, which have no such bound here, from their first page.
    """
    if isinstance(token, ListPage):
        lte = token.lte if read_down_to is None else read_down_to
        return ListPage(None, token.gte, lte, variant=token.variant)
    return replace(token, starting_after=None)


class StripePaginator(BaseAPIPaginator[Token]):
    """One walk down one list: the same kind of token, after the last id, while ``has_more``."""

    @override
    def has_more(self, response: requests.Response) -> bool:
        page = read_page(response)
        return page.has_more and bool(page.heads)

    @override
    def get_next(self, response: requests.Response) -> Token | None:
        return replace(self.current_value, starting_after=read_page(response).last_id)

    def narrow(self, token: Token) -> None:
        """Continue this walk with ``token`` (the same list, a narrower window: ``fetch.py``)."""
        self._value = token  # BaseAPIPaginator keeps its current token here


#: What a child walk keeps of its parent: all that a child list and its records need (a walk
#: may wait long in the queue, so not the whole parent).
PARENT_KEYS: Final = ("id", "created")


def children_to_fetch(
    parents: Iterable[Mapping[str, Any]],
    embedded_field: str | None,
    empty_when_null: str | None = None,
    *,
    embedded_only: bool = False,
) -> Iterable[ChildPage]:
    """The child-list walks ``parents`` need beyond what they embed: none for a parent whose
    ``empty_when_null`` field is there and null (it says the parent has no children); with
    ``embedded_only``, none for a parent without the embedded list (Stripe sends a connected
    account's ``external_accounts`` only where the platform controls the account)."""
    for parent in parents:
        if empty_when_null is not None and parent.get(empty_when_null, ...) is None:
            continue
        kept = {key: parent[key] for key in PARENT_KEYS if key in parent}
        if embedded_field is None or embedded_field not in parent:
            if not embedded_only:
                yield ChildPage(kept)
            continue
        embedded = parent[embedded_field] or {}
        if embedded.get("has_more"):
            entries = embedded.get("data") or []
            yield ChildPage(kept, entries[-1]["id"] if entries else None)
