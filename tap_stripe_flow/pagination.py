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
from typing import Any

import orjson
import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

_pages: weakref.WeakKeyDictionary[requests.Response, dict[str, Any]] = weakref.WeakKeyDictionary()


def read_page(response: requests.Response) -> dict[str, Any]:
    """Parse a Stripe list body once per response (the paginator and the parser both read it).

    Raises:
        RetriableAPIError: the body is not a Stripe list (cut short by the network, say).
    """
    page = _pages.get(response)
    if page is None:
        try:
            page = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            msg = f"Stripe sent a body that is not JSON for {response.request.path_url}"
            raise RetriableAPIError(msg, response) from exc
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            msg = f"Stripe sent a body that is not a list for {response.request.path_url}"
            raise RetriableAPIError(msg, response)
        _pages[response] = page
    return page


@dataclass(frozen=True, slots=True)
class EventsPage:
    """The next page of the stream's events."""

    starting_after: str | None = None


@dataclass(frozen=True, slots=True)
class ListPage:
    """The next page of the stream's own list (its parent's list, for a child stream).

    ``gte``/``lte`` narrow the run's ``created`` window (both inclusive) when it is split.
    """

    starting_after: str | None = None
    gte: int | None = None
    lte: int | None = None

    def split(self, newest_read: int) -> tuple[ListPage, ListPage] | None:
        """Cut the rest of this walk in two at the middle of what is left to read.

        The walk has read down to ``newest_read`` (its last record's ``created``) and goes on
        with ``created`` in [gte, newest_read]. Returns (this walk narrowed to the newer half,
        a new walk over the older half), or None when there is no second to split off.
        """
        if self.gte is None:
            return None
        middle = (self.gte + newest_read + 1) // 2
        if middle <= self.gte:
            return None
        return replace(self, gte=middle), ListPage(None, self.gte, middle - 1)


@dataclass(frozen=True, slots=True)
class ChildPage:
    """The next page of one parent's child list, after the entries already read."""

    parent: Mapping[str, Any]
    starting_after: str | None = None


Token = EventsPage | ListPage | ChildPage


class StripePaginator(BaseAPIPaginator[Token]):
    """One walk down one list: the same kind of token, after the last id, while ``has_more``."""

    def __init__(self, start: Token) -> None:
        super().__init__(start)

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return True  # a page of parents without children, or of no events, is normal

    @override
    def has_more(self, response: requests.Response) -> bool:
        page = read_page(response)
        return bool(page.get("has_more")) and bool(page["data"])

    @override
    def get_next(self, response: requests.Response) -> Token | None:
        return replace(self.current_value, starting_after=read_page(response)["data"][-1]["id"])

    def narrow(self, token: Token) -> None:
        """Continue this walk with ``token`` (the same list, a narrower window: ``fetch.py``)."""
        self._value = token  # BaseAPIPaginator keeps its current token here


def children_to_fetch(
    parents: Iterable[Mapping[str, Any]], embedded_field: str | None
) -> Iterable[ChildPage]:
    """The child-list walks ``parents`` need beyond what they embed."""
    for parent in parents:
        if embedded_field is None or embedded_field not in parent:
            yield ChildPage(parent)
            continue
        embedded = parent[embedded_field] or {}
        if embedded.get("has_more"):
            entries = embedded.get("data") or []
            yield ChildPage(parent, entries[-1]["id"] if entries else None)
