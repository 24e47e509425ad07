"""The storage layer of an emulated account: the objects, their order, parents and children,
the list views and rendered bytes cached over them, and ids.

:class:`AccountStore` is the base of :class:`~stripe_emulator.account.Account`'s layers (one
class a module, each adding one job on top of the ones below: this storage, then
:mod:`~stripe_emulator.rendering`, :mod:`~stripe_emulator.events`, and side by side
:mod:`~stripe_emulator.pages` and :mod:`~stripe_emulator.mutations`). The layers share one
object's state, so they are base classes, not collaborators: every lock and cache stays one.

Guarantees:
* A top-level object is keyed ``(-created, tiebreak(id), id)`` (a type without a creation
  time: by arrival, newest first) and kept sorted on insertion (:meth:`AccountStore.load`:
  sorted once at the end); a child is kept in its parent's collection in arrival order.
* Storing or removing an object drops the list views of its list and the cached bytes of
  the object and of its parent (whose embedded list changed).
* :meth:`AccountStore.new_id` never returns an id in use or of a deleted object.
"""

from __future__ import annotations

import itertools
import random
import string
import threading
import time
from bisect import insort
from collections.abc import Callable, Iterable

import orjson

from stripe_emulator.id_shapes import ID_SHAPES
from stripe_emulator.nulls import strip_nulls
from stripe_emulator.query import Filters, Key, Obj, tiebreak
from stripe_emulator.resources import (
    EVENTED,
    EVENTED_AS_CHILD_ONLY,
    OTHER_PARENTS,
    TOP_LEVEL,
    Resource,
    child_resource,
    time_field,
)
from stripe_emulator.templates import api_version, template

_ALNUM = string.ascii_letters + string.digits


class AccountStore:
    """A Stripe account's stored objects and the indexes over them."""

    def __init__(
        self,
        account_id: str = "acct_emulator",
        api_key: str = "sk_test_emulator",
        seed: int = 0,
        clock: Callable[[], int] | None = None,
        *,
        keep_rendered: bool = True,
        event_retention_days: int | None = 30,
    ) -> None:
        self.id = account_id
        #: Keep each object's JSON once rendered (fast pages); off, every page renders its
        #: objects again, for accounts too large to hold twice (a million charges).
        self.keep_rendered = keep_rendered
        self.api_key = api_key
        #: Seconds-since-epoch source for mutation events (tests may replace it).
        self.clock: Callable[[], int] = clock or (lambda: int(time.time()))
        #: Days of events /v1/events lists and retrieves, counted back from :attr:`clock`
        #: (Stripe: 30); an event older than that is gone. None keeps every event.
        self.event_retention_days: int | None = event_retention_days
        #: API version of the events recorded from now on (``event.api_version``); the pinned
        #: version by default. See :meth:`record_event` for how another version renders.
        self.event_api_version: str = api_version()
        self._rng = random.Random(f"{seed}-ids")
        self._lock = threading.RLock()
        self._objects: dict[str, Obj] = {}
        self._types: dict[str, str] = {}
        self._keys: dict[str, Key] = {}
        self._parents: dict[str, str] = {}
        self._tombstones: dict[str, Obj] = {}
        self._order: dict[str, list[Key]] = {t: [] for t in TOP_LEVEL}
        self._arrivals = itertools.count(1)
        self._kids: dict[tuple[str, str], list[str]] = {}
        self._top_views: dict[str, dict[Filters, list[Key]]] = {t: {} for t in TOP_LEVEL}
        self._kid_views: dict[tuple[str, str], dict[Filters, list[str]]] = {}
        self._bytes: dict[str, bytes] = {}
        self._xbytes: dict[tuple[str, str], bytes] = {}
        account = template("account")
        account.update(id=account_id, email="emulator@example.com", country="US")
        account.update(
            business_profile={
                **(account.get("business_profile") or {}),
                "name": "Emulated Stripe Account",
            }
        )
        self._account_bytes = orjson.dumps(account)

    def new_id(self, object_type: str) -> str:
        """Return an unused id shaped like Stripe's for ``object_type``."""
        prefix, length = ID_SHAPES[object_type]
        alphabet = string.ascii_uppercase + string.digits if not prefix else _ALNUM
        with self._lock:
            while True:
                oid = prefix + "".join(self._rng.choices(alphabet, k=length))
                if oid not in self._objects and oid not in self._tombstones:
                    return oid

    def load(self, objects: Iterable[tuple[Obj, str | None]]) -> None:
        """Bulk-add ``(object, parent_id)`` pairs (generation); no events are recorded."""
        with self._lock:
            for obj, parent in objects:
                self._store(obj, parent, sort=False)
            for keys in self._order.values():
                keys.sort()
            self._invalidate_all_views()

    def _store(self, obj: Obj, parent: str | None, *, sort: bool = True) -> None:
        obj = strip_nulls(obj)
        oid, otype = obj["id"], obj["object"]
        res = self._resource(otype, parent)
        self._objects[oid] = obj
        self._types[oid] = otype
        if res.top_level:
            when = obj.get(time_field(otype))
            # a type without a creation time (a tax code): newest first by arrival
            order = -int(when) if when is not None else -next(self._arrivals)
            key = (order, tiebreak(oid), oid)
            self._keys[oid] = key
            if sort:
                insort(self._order[otype], key)
            else:
                self._order[otype].append(key)
            self._top_views[otype].clear()
        else:
            collection = self._collection(otype, parent)
            if parent is None or collection is None:
                raise ValueError(f"{otype} needs a parent {res.parent}")
            self._parents[oid] = parent
            self._kids.setdefault((collection, parent), []).append(oid)
            self._kid_views.pop((collection, parent), None)
            self._drop_bytes(parent)

    def _collection(self, otype: str, parent: str | None) -> str | None:
        """The child collection an object of ``otype`` under ``parent`` lives in (a bank
        account under a connected account is an external account, not a source)."""
        other = OTHER_PARENTS.get((otype, self._types.get(str(parent), "")))
        return other or self._resource(otype, parent).collection

    def _evented(self, otype: str, parent: str | None) -> bool:
        """Whether a change of this object records an event in this account's log (not a
        connected account's external account: its events are the connected account's)."""
        if otype in EVENTED_AS_CHILD_ONLY and self._types.get(str(parent)) is None:
            return False  # a top-level one
        return otype in EVENTED and (otype, self._types.get(str(parent), "")) not in OTHER_PARENTS

    def _resource(self, object_type: str, parent: str | None) -> Resource:
        """The resource of an object of ``object_type`` under ``parent`` (a quote's line
        items are ``item`` objects as a Checkout Session's, listed apart)."""
        return child_resource(object_type, self._types.get(parent) if parent else None)

    def _invalidate_all_views(self) -> None:
        for views in self._top_views.values():
            views.clear()
        self._kid_views.clear()

    def _drop_bytes(self, oid: str) -> None:
        self._bytes.pop(oid, None)
        for name in ("sources", "line_items"):
            self._xbytes.pop((oid, name), None)
