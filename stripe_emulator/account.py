"""The emulated Stripe account: object storage, list pages, pre-rendered JSON, mutations.

Guarantees:
* Top-level lists are ordered newest first by ``created`` (invoice items: ``date``; a type
  without a creation time, such as a tax code, by arrival, newest first); objects
  of the same second are ordered by a hash of their id (:func:`tiebreak`), not by insertion
  (Stripe's order within a second is its own), and stable across pages, so paginating by
  ``starting_after`` visits each object exactly once.
* Objects are rendered as the 2024-06-20 spec documents them: a field that is not nullable is
  left out rather than sent as null; includable fields (``customer.sources``,
  ``customer.tax``, ``coupon.applies_to``, ``plan.tiers``... see
  :data:`~stripe_emulator.resources.INCLUDABLE`) only when expanded; embedded lists are
  ``{"object", "data", "has_more", "url"}`` with at most 10 items.
* Events are listed and retrieved for :attr:`Account.event_retention_days` (30) counted back
  from :attr:`Account.clock`; older ones are gone, as at Stripe.
* Only deleted customers answer a retrieve (``{"id", "object", "deleted": true}``); any other
  deleted object is unknown (404), and so is it as a list cursor.
* Each object's JSON bytes are rendered once and cached; a mutation drops the cached bytes
  of the changed object and of its parent (whose embedded child list changed).
* Stored object dicts are never mutated in place (updates copy), so events keep snapshots.
* Every public method takes the account lock, so mutations are safe while a server runs.
* Methods returning objects return fresh dicts parsed from the rendered bytes (what the API
  would send), so callers may mutate them.

Layout: :class:`Account` is the top of a stack of layers, one a module, each with one job:
:mod:`~stripe_emulator.store` (objects, order, views, caches, ids),
:mod:`~stripe_emulator.rendering` (JSON as Stripe sends it), :mod:`~stripe_emulator.events`
(the event log and its retention), then side by side :mod:`~stripe_emulator.pages` (list
pages and retrieves, for the server) and :mod:`~stripe_emulator.mutations` (changes, for
tests); this module adds the Python API that reads objects back. They are base classes
rather than collaborators because they share one state under one lock. The values of a list
request (:class:`Query`, :class:`Page`, filters, order) are in :mod:`~stripe_emulator.query`,
the id shapes in :mod:`~stripe_emulator.id_shapes`, the null rules in
:mod:`~stripe_emulator.nulls`; every name this module exported is still importable from it.
"""

from __future__ import annotations

import orjson

from stripe_emulator.id_shapes import ID_SHAPES
from stripe_emulator.mutations import AccountMutations
from stripe_emulator.nulls import strip_nulls
from stripe_emulator.pages import AccountPages
from stripe_emulator.query import (
    CursorMissingError,
    Filters,
    Key,
    Obj,
    Page,
    Query,
    matches,
    tiebreak,
)
from stripe_emulator.rendering import EMBED_LIMIT
from stripe_emulator.resources import POLYMORPHIC, RESOURCES, child_resource

__all__ = [
    "EMBED_LIMIT",
    "ID_SHAPES",
    "Account",
    "CursorMissingError",
    "Filters",
    "Key",
    "Obj",
    "Page",
    "Query",
    "matches",
    "strip_nulls",
    "tiebreak",
]


class Account(AccountPages, AccountMutations):
    """A Stripe account's objects, queried by the server and mutated by tests."""

    def account_bytes(self) -> bytes:
        """Return the rendered ``account`` object (GET /v1/account)."""
        return self._account_bytes

    def objects(self, object_type: str, under: str | None = None) -> list[Obj]:
        """All objects of a type as the API renders them, in list order (newest first).

        Events older than the retention are left out, as the API lists them. For child types:
        all children across parents (by ``created`` when they have one, else by parent order
        then position). ``under``: the children of parents of that type, of a type also listed
        elsewhere (a customer's tax ids, not the account's own).
        """
        with self._lock:
            res = child_resource(object_type, under) if under else RESOURCES[object_type]
            if res.top_level:
                ids = [k[2] for k in self._order[object_type] if self._visible(k[2])]
            else:
                ids = [
                    i
                    for (collection, _), kids in self._kids.items()
                    if collection == res.collection
                    for i in kids
                    if self._types[i] == object_type
                ]
                ids.sort(key=lambda i: -int(self._objects[i].get("created") or 0))
            return [orjson.loads(self._render(i)) for i in ids]

    def children(self, object_type: str, parent_id: str) -> list[Obj]:
        """Children of one parent in list order (only those of ``object_type``)."""
        with self._lock:
            if object_type == "capability":
                return self.capabilities(parent_id) or []
            types = POLYMORPHIC.get(object_type, (object_type,))
            collection = self._collection(types[0], parent_id)
            if collection is None:
                raise ValueError(f"{object_type} is not a child type")
            ids = self._kids.get((collection, parent_id), [])
            return [orjson.loads(self._render(i)) for i in ids if self._types[i] in types]

    def capabilities(self, account_id: str) -> list[Obj] | None:
        """A connected account's capabilities as ``/v1/accounts/{id}/capabilities`` lists
        them; None when it is not a live connected account. A capability's id is its name
        (``card_payments``), the same in every account, so capabilities are kept in their
        account (``_capabilities``, never rendered), not stored as objects of their own."""
        with self._lock:
            if self._types.get(account_id) != "account":
                return None
            return [
                strip_nulls(dict(c)) for c in self._objects[account_id].get("_capabilities", [])
            ]

    def get(self, object_type: str, oid: str) -> Obj:
        """One live object as rendered; KeyError when unknown."""
        with self._lock:
            if self._types.get(oid) != object_type:
                raise KeyError(oid)
            return orjson.loads(self._render(oid))  # type: ignore[no-any-return]

    def count(self, object_type: str) -> int:
        """Number of live objects of a type (children across all parents)."""
        with self._lock:
            return sum(1 for t in self._types.values() if t == object_type)
