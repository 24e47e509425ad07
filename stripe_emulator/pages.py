"""Reading an account as the server does: list pages (top-level and child lists, with
cursors, ``created`` bounds and filters), retrieves, and the filtered views behind pages.

Guarantees:
* A page is a window of a sorted list: paginating by ``starting_after`` (or back by
  ``ending_before``) visits each object exactly once; a cursor that is not a live, visible
  member of the list raises :class:`~stripe_emulator.query.CursorMissingError`.
* A filtered view is computed once and kept until its list changes.
* Every public method takes the account lock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

import orjson

from stripe_emulator.events import AccountEvents
from stripe_emulator.query import CursorMissingError, Filters, Key, Page, Query, matches, norm
from stripe_emulator.resources import RESOURCES, STUBBED

_BIG = 1 << 62


class AccountPages(AccountEvents):
    """An account's list pages and retrieves."""

    def retrieve_bytes(
        self, object_type: str, oid: str, expand: frozenset[str] = frozenset()
    ) -> bytes | None:
        """Return one object's bytes (a deleted customer's stub), None when unknown, deleted
        or (events) older than the retention."""
        with self._lock:
            if self._types.get(oid) == object_type and self._visible(oid):
                return self._render(oid, expand)
            stub = self._tombstones.get(oid)
            if stub is not None and stub["object"] == object_type and object_type in STUBBED:
                return orjson.dumps(stub)
            return None

    def child_bytes(
        self,
        object_types: tuple[str, ...],
        oid: str,
        parent: str | None,
        expand: frozenset[str] = frozenset(),
    ) -> bytes | None:
        """Return a live child's bytes when it is of one of ``object_types`` and (unless
        ``parent`` is None) a child of ``parent``; None otherwise."""
        with self._lock:
            if self._types.get(oid) not in object_types or RESOURCES[self._types[oid]].top_level:
                return None
            if parent is not None and self._parents.get(oid) != parent:
                return None
            return self._render(oid, expand)

    def _top_view(self, object_type: str, filters: Filters) -> list[Key]:
        if not filters:
            return self._order[object_type]
        views = self._top_views[object_type]
        view = views.get(filters)
        if view is None:
            objs = self._objects
            view = [k for k in self._order[object_type] if matches(objs[k[2]], filters)]
            views[filters] = view
        return view

    def _kid_view(self, collection: str, parent: str, filters: Filters) -> list[str]:
        ids = self._kids.get((collection, parent), [])
        if not filters:
            return ids
        views = self._kid_views.setdefault((collection, parent), {})
        view = views.get(filters)
        if view is None:
            view = views[filters] = [i for i in ids if matches(self._objects[i], filters)]
        return view

    def page(self, object_type: str, query: Query) -> Page:
        """Return one page of a top-level list; raises :class:`CursorMissingError`.

        ``query.created`` bounds the type's time field (``date`` for invoice items); event
        pages end at the retention cutoff."""
        with self._lock:
            keys = self._top_view(object_type, query.filters)
            created = list(query.created)
            cutoff = self._event_cutoff() if object_type == "event" else None
            if cutoff is not None:
                created.append(("gte", cutoff))
            lo, hi = 0, len(keys)
            for op, value in created:
                if op == "gte":
                    hi = min(hi, bisect_right(keys, (-value, _BIG)))
                elif op == "gt":
                    hi = min(hi, bisect_left(keys, (-value, -_BIG)))
                elif op == "lte":
                    lo = max(lo, bisect_left(keys, (-value, -_BIG)))
                elif op == "lt":
                    lo = max(lo, bisect_right(keys, (-value, _BIG)))
            start, end, has_more = self._window(
                lo,
                hi,
                query,
                lambda oid: bisect_right(keys, self._cursor_key(object_type, oid)),
                lambda oid: bisect_left(keys, self._cursor_key(object_type, oid)),
            )
            chunks = [self._render(k[2], query.expand) for k in keys[start:end]]
        return Page(chunks, has_more)

    def children_page(self, object_type: str, collection: str, parent: str, query: Query) -> Page:
        """Return one page of a child list of ``parent``; raises :class:`CursorMissingError`
        for a cursor that is not a live child of this parent."""
        with self._lock:
            ids = self._kid_view(collection, parent, query.filters)

            def position(oid: str) -> int:
                if self._parents.get(oid) != parent or oid not in self._objects:
                    raise CursorMissingError(object_type, oid)
                try:
                    return ids.index(oid)
                except ValueError:
                    raise CursorMissingError(object_type, oid) from None

            start, end, has_more = self._window(
                0, len(ids), query, lambda oid: position(oid) + 1, position
            )
            chunks = [self._render(i, query.expand) for i in ids[start:end]]
        return Page(chunks, has_more)

    @staticmethod
    def _window(
        lo: int,
        hi: int,
        query: Query,
        after: Callable[[str], int],
        before: Callable[[str], int],
    ) -> tuple[int, int, bool]:
        if query.ending_before is not None:
            end = min(hi, before(query.ending_before))
            start = max(lo, end - query.limit)
            return start, max(start, end), start > lo
        start = lo if query.starting_after is None else max(lo, after(query.starting_after))
        end = min(hi, start + query.limit)
        return start, max(start, end), end < hi

    def _cursor_key(self, object_type: str, oid: str) -> Key:
        if self._types.get(oid) != object_type or not self._visible(oid):
            raise CursorMissingError(object_type, oid)
        return self._keys[oid]

    def has_parent(self, parent_type: str, parent_id: str) -> bool:
        """True when ``parent_id`` is a live object of ``parent_type``."""
        with self._lock:
            return self._types.get(parent_id) == parent_type

    def parents_with_child(self, collection: str, name: str, value: str) -> frozenset[str]:
        """Ids of the parents with a child in ``collection`` whose ``name`` is ``value``
        (``/v1/subscriptions?price=``: subscriptions with an item of that price)."""
        with self._lock:
            return frozenset(
                parent
                for (coll, parent), kids in self._kids.items()
                if coll == collection
                and any(norm(self._objects[i].get(name)) == value for i in kids)
            )
