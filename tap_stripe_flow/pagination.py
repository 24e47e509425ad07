"""Walking Stripe's lists: the pages one stream reads in one run, in order.

A run reads, in this order:

1. ``EventsPage``s: the events since the stream's event cursor (change capture, later runs only);
2. ``ListPage``s: the stream's list (or its parent's list) over the ``created`` window;
3. after any page of parents (from 1 or 2), the ``ChildPage``s those parents need: the part of
   a child list that Stripe did not embed (``has_more``), or the whole list when nothing is
   embedded. A parent whose embedded list is complete costs no request.

Stripe lists newest first; a list continues with ``starting_after`` = the last id of a page while
the page says ``has_more`` (so no empty trailing page is ever requested).
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    """The next page of the stream's own list (of its parent's list, for a child stream)."""

    starting_after: str | None = None


@dataclass(frozen=True, slots=True)
class ChildPage:
    """The next page of one parent's child list, after the entries already read."""

    parent: Mapping[str, Any]
    starting_after: str | None = None


Token = EventsPage | ListPage | ChildPage


class StripePaginator(BaseAPIPaginator[Token]):
    """Yields the tokens of one run in the order the module docstring gives.

    ``embedded_field`` is set for child streams: the parent field holding the embedded child list
    (``None`` with ``child_lists=True`` when Stripe embeds nothing and every parent needs a
    request).
    """

    def __init__(
        self, *, read_events: bool, child_lists: bool = False, embedded_field: str | None = None
    ) -> None:
        super().__init__(EventsPage() if read_events else ListPage())
        self._child_lists = child_lists
        self._embedded_field = embedded_field
        self._pending: deque[ChildPage] = deque()
        self._parents_seen: set[str] = set()
        self._next_main: Token | None = None
        self._next: Token | None = None

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return True  # a page of parents without children, or with no events, is normal

    @override
    def has_more(self, response: requests.Response) -> bool:
        page = read_page(response)
        data: list[dict[str, Any]] = page["data"]
        more = bool(page.get("has_more")) and bool(data)
        current = self.current_value
        if isinstance(current, ChildPage):
            if more:
                self._pending.appendleft(ChildPage(current.parent, data[-1]["id"]))
        elif isinstance(current, EventsPage):
            self._next_main = EventsPage(data[-1]["id"]) if more else ListPage()
            if self._child_lists:
                self._pending.extend(self._children_to_fetch(e["data"]["object"] for e in data))
        else:
            self._next_main = ListPage(data[-1]["id"]) if more else None
            if self._child_lists:
                self._pending.extend(self._children_to_fetch(data))
        if self._pending:
            self._next = self._pending.popleft()
        else:
            self._next, self._next_main = self._next_main, None
        return self._next is not None

    def _children_to_fetch(self, parents: Iterable[Mapping[str, Any]]) -> Iterable[ChildPage]:
        for parent in parents:
            if parent["id"] in self._parents_seen:
                continue  # a parent met again (in several events) is fetched once
            self._parents_seen.add(parent["id"])
            if self._embedded_field is None or self._embedded_field not in parent:
                yield ChildPage(parent)
                continue
            embedded = parent[self._embedded_field] or {}
            entries = embedded.get("data") or []
            if embedded.get("has_more"):
                yield ChildPage(parent, entries[-1]["id"] if entries else None)

    @override
    def get_next(self, response: requests.Response) -> Token | None:
        return self._next
