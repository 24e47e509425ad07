"""The emulated Stripe account: object storage, list pages, pre-rendered JSON, mutations.

Guarantees:
* Top-level lists are ordered newest first by ``created``; ties break by insertion order
  (later first) and are stable across pages, so paginating visits each object exactly once.
* Each object's JSON bytes are rendered once and cached; a mutation drops the cached bytes
  of the changed object and of its parent (whose embedded child list changed).
* Stored object dicts are never mutated in place (updates copy), so events keep snapshots.
* Every public method takes the account lock, so mutations are safe while a server runs.
* Methods returning objects return fresh dicts parsed from the rendered bytes (what the API
  would send), so callers may mutate them.
"""

from __future__ import annotations

import random
import string
import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from stripe_emulator.resources import (
    DELETABLE,
    EMBEDDED,
    EVENTED,
    OMITTED_FIELDS,
    RESOURCES,
    TOP_LEVEL,
    event_type,
)
from stripe_emulator.templates import api_version, template

Obj = dict[str, Any]
#: Sort key of a top-level object: (-created, -sequence, id); ascending = newest first.
Key = tuple[int, int, str]
Filters = tuple[tuple[str, str], ...]
_BIG = 1 << 62
_ALNUM = string.ascii_letters + string.digits
EMBED_LIMIT = 10

#: Id prefix and random-part length per type (Stripe's shapes).
ID_SHAPES: dict[str, tuple[str, int]] = {
    "balance_transaction": ("txn_", 24),
    "bank_account": ("ba_", 24),
    "card": ("card_", 24),
    "charge": ("ch_", 24),
    "checkout.session": ("cs_test_", 58),
    "coupon": ("", 8),
    "customer": ("cus_", 14),
    "customer_balance_transaction": ("cbtxn_", 24),
    "dispute": ("du_", 24),
    "event": ("evt_", 24),
    "invoice": ("in_", 24),
    "invoiceitem": ("ii_", 24),
    "item": ("li_", 24),
    "line_item": ("il_", 24),
    "payment_intent": ("pi_", 24),
    "payout": ("po_", 24),
    "plan": ("price_", 24),
    "product": ("prod_", 14),
    "promotion_code": ("promo_", 24),
    "refund": ("re_", 24),
    "subscription": ("sub_", 24),
    "subscription_item": ("si_", 14),
    "transfer": ("tr_", 24),
}


class CursorMissingError(LookupError):
    """A ``starting_after``/``ending_before`` id that is not in the list."""

    def __init__(self, object_type: str, object_id: str) -> None:
        super().__init__(object_id)
        self.object_type = object_type
        self.object_id = object_id


@dataclass(frozen=True)
class Query:
    """A validated list request."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    #: (op, value) with op in gt/gte/lt/lte.
    created: tuple[tuple[str, int], ...] = ()
    #: (field, value) equality filters; value "-x" means "not x", "a|b" means "a or b",
    #: "p.*" means prefix "p.".
    filters: Filters = ()
    #: Expanded field names without the ``data.`` prefix.
    expand: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Page:
    """Rendered objects of one list page."""

    chunks: list[bytes]
    has_more: bool


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def _matches(obj: Obj, filters: Filters) -> bool:
    for name, wanted in filters:
        actual = _norm(obj.get(name))
        if wanted.startswith("-"):
            if actual == wanted[1:]:
                return False
        elif wanted.endswith(".*"):
            if not actual.startswith(wanted[:-1]):
                return False
        elif actual not in wanted.split("|"):
            return False
    return True


class Account:
    """A Stripe account's objects, queried by the server and mutated by tests."""

    def __init__(
        self,
        account_id: str = "acct_emulator",
        api_key: str = "sk_test_emulator",
        seed: int = 0,
        clock: Callable[[], int] | None = None,
        *,
        keep_rendered: bool = True,
    ) -> None:
        self.id = account_id
        #: Keep each object's JSON once rendered (fast pages); off, every page renders its
        #: objects again, for accounts too large to hold twice (a million charges).
        self.keep_rendered = keep_rendered
        self.api_key = api_key
        #: Seconds-since-epoch source for mutation events (tests may replace it).
        self.clock: Callable[[], int] = clock or (lambda: int(time.time()))
        #: Days of events /v1/events lists, counted back from :attr:`clock` (Stripe: 30);
        #: None lists every event, which suits generated accounts dated in the past.
        self.event_retention_days: int | None = None
        self._rng = random.Random(f"{seed}-ids")
        self._lock = threading.RLock()
        self._objects: dict[str, Obj] = {}
        self._types: dict[str, str] = {}
        self._keys: dict[str, Key] = {}
        self._parents: dict[str, str] = {}
        self._tombstones: dict[str, Obj] = {}
        self._seq = 0
        self._order: dict[str, list[Key]] = {t: [] for t in TOP_LEVEL}
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

    # ------------------------------------------------------------------ ids and loading
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
        oid, otype = obj["id"], obj["object"]
        res = RESOURCES[otype]
        self._seq += 1
        self._objects[oid] = obj
        self._types[oid] = otype
        if res.top_level:
            key = (-int(obj["created"]), -self._seq, oid)
            self._keys[oid] = key
            if sort:
                insort(self._order[otype], key)
            else:
                self._order[otype].append(key)
            self._top_views[otype].clear()
        else:
            if parent is None or res.collection is None:
                raise ValueError(f"{otype} needs a parent {res.parent}")
            self._parents[oid] = parent
            self._kids.setdefault((res.collection, parent), []).append(oid)
            self._kid_views.pop((res.collection, parent), None)
            self._drop_bytes(parent)

    def _invalidate_all_views(self) -> None:
        for views in self._top_views.values():
            views.clear()
        self._kid_views.clear()

    def _drop_bytes(self, oid: str) -> None:
        self._bytes.pop(oid, None)
        for name in ("sources", "line_items"):
            self._xbytes.pop((oid, name), None)

    # ------------------------------------------------------------------ rendering
    def _materialize(self, obj: Obj, expand: frozenset[str]) -> Obj:
        otype = obj["object"]
        omitted = OMITTED_FIELDS.get(otype, ())
        out = {k: v for k, v in obj.items() if k not in omitted} if omitted else obj
        embed = EMBEDDED.get(otype)
        if embed is not None:
            name, collection, url, expand_only = embed
            if not expand_only or name in expand:
                ids = self._kids.get((collection, obj["id"]), [])
                out = dict(out)
                out[name] = {
                    "object": "list",
                    "data": [self._objects[i] for i in ids[:EMBED_LIMIT]],
                    "has_more": len(ids) > EMBED_LIMIT,
                    "total_count": len(ids),
                    "url": url.format(id=obj["id"]),
                }
        return out

    def _render(self, oid: str, expand: frozenset[str] = frozenset()) -> bytes:
        obj = self._objects[oid]
        embed = EMBEDDED.get(obj["object"])
        if embed is not None and embed[3] and embed[0] in expand:
            xkey = (oid, embed[0])
            cached = self._xbytes.get(xkey)
            if cached is None:
                cached = orjson.dumps(self._materialize(obj, expand))
                if self.keep_rendered:
                    cached = self._xbytes[xkey] = bytes(memoryview(cached))
            return cached
        cached = self._bytes.get(oid)
        if cached is None:
            if obj["object"] == "event":
                inner = obj["data"]["object"]
                data = {**obj["data"], "object": self._materialize(inner, frozenset())}
                cached = orjson.dumps({**obj, "data": data})
            else:
                cached = orjson.dumps(self._materialize(obj, frozenset()))
            if self.keep_rendered:
                # A copy of exact size: orjson's own buffer keeps its 32 KiB head room.
                cached = self._bytes[oid] = bytes(memoryview(cached))
        return cached

    def account_bytes(self) -> bytes:
        """Return the rendered ``account`` object (GET /v1/account)."""
        return self._account_bytes

    def retrieve_bytes(
        self, object_type: str, oid: str, expand: frozenset[str] = frozenset()
    ) -> bytes | None:
        """Return one object's bytes (or its deleted stub), None when unknown."""
        with self._lock:
            if self._types.get(oid) == object_type:
                return self._render(oid, expand)
            stub = self._tombstones.get(oid)
            if stub is not None and stub["object"] == object_type:
                return orjson.dumps(stub)
            return None

    # ------------------------------------------------------------------ pages
    def _top_view(self, object_type: str, filters: Filters) -> list[Key]:
        if not filters:
            return self._order[object_type]
        views = self._top_views[object_type]
        view = views.get(filters)
        if view is None:
            objs = self._objects
            view = [k for k in self._order[object_type] if _matches(objs[k[2]], filters)]
            views[filters] = view
        return view

    def _kid_view(self, collection: str, parent: str, filters: Filters) -> list[str]:
        ids = self._kids.get((collection, parent), [])
        if not filters:
            return ids
        views = self._kid_views.setdefault((collection, parent), {})
        view = views.get(filters)
        if view is None:
            view = views[filters] = [i for i in ids if _matches(self._objects[i], filters)]
        return view

    def page(self, object_type: str, query: Query) -> Page:
        """Return one page of a top-level list; raises :class:`CursorMissingError`."""
        with self._lock:
            keys = self._top_view(object_type, query.filters)
            lo, hi = 0, len(keys)
            for op, value in query.created:
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
        """Return one page of a child list of ``parent``; raises :class:`CursorMissingError`."""
        with self._lock:
            ids = self._kid_view(collection, parent, query.filters)

            def position(oid: str) -> int:
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
        if self._types.get(oid) != object_type:
            raise CursorMissingError(object_type, oid)
        return self._keys[oid]

    def has_parent(self, parent_type: str, parent_id: str) -> bool:
        """True when ``parent_id`` is a live object of ``parent_type``."""
        with self._lock:
            return self._types.get(parent_id) == parent_type

    # ------------------------------------------------------------------ Python API
    def objects(self, object_type: str) -> list[Obj]:
        """All objects of a type as the API renders them, newest first.

        For child types: all children across parents (by ``created`` when they have one,
        else by parent order then position).
        """
        with self._lock:
            res = RESOURCES[object_type]
            if res.top_level:
                ids = [k[2] for k in self._order[object_type]]
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
            collection = RESOURCES[object_type].collection
            if collection is None:
                raise ValueError(f"{object_type} is not a child type")
            ids = self._kids.get((collection, parent_id), [])
            return [orjson.loads(self._render(i)) for i in ids if self._types[i] == object_type]

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

    def create(self, object_type: str, **fields: Any) -> Obj:
        """Add an object built from the spec template plus ``fields``; record ``*.created``.

        ``id`` and ``created`` default to a fresh id and :attr:`clock`. Child types need
        ``parent=<id>`` or their parent field (``invoice``, ``subscription``, ``customer``).
        """
        res = RESOURCES[object_type]
        with self._lock:
            parent = fields.pop("parent", None)
            obj = template(object_type)
            for name in OMITTED_FIELDS.get(object_type, ()):
                obj.pop(name, None)
            obj.update(
                id=self.new_id(object_type) if "id" not in fields else fields["id"],
                object=object_type,
            )
            if "livemode" in obj:  # not every type has one (balance transactions, refunds...)
                obj["livemode"] = False
            if "created" in obj or res.top_level:
                obj["created"] = self.clock()
            if object_type in EMBEDDED and not EMBEDDED[object_type][3]:
                obj.pop(EMBEDDED[object_type][0], None)
            obj.update(fields)
            if not res.top_level:
                parent = parent or (obj.get(res.parent_field) if res.parent_field else None)
                if res.parent is None or self._types.get(str(parent)) != res.parent:
                    raise ValueError(f"{object_type} needs an existing {res.parent} parent")
                if res.parent_field:
                    obj[res.parent_field] = parent
            self._store(obj, parent)
            if object_type in EVENTED:
                self.record_event(event_type(object_type, "created", obj), obj, obj["created"])
            return orjson.loads(self._render(obj["id"]))  # type: ignore[no-any-return]

    def update(self, object_type: str, oid: str, **changes: Any) -> Obj:
        """Replace fields of an object; record ``*.updated`` with ``previous_attributes``."""
        with self._lock:
            obj, previous = self._replace(object_type, oid, changes)
            if object_type in EVENTED:
                self.record_event(
                    event_type(object_type, "updated"), obj, previous_attributes=previous
                )
            return orjson.loads(self._render(oid))  # type: ignore[no-any-return]

    def _replace(self, object_type: str, oid: str, changes: dict[str, Any]) -> tuple[Obj, Obj]:
        """Copy-on-write update; returns (new object, previous values of changed keys)."""
        if self._types.get(oid) != object_type:
            raise KeyError(oid)
        old = self._objects[oid]
        previous = {k: old.get(k) for k in changes if old.get(k) != changes[k]}
        new = {**old, **changes}
        self._objects[oid] = new
        self._drop_bytes(oid)
        res = RESOURCES[object_type]
        if res.top_level:
            self._top_views[object_type].clear()
            if int(new["created"]) != int(old["created"]):
                keys = self._order[object_type]
                keys.remove(self._keys[oid])
                self._keys[oid] = (-int(new["created"]), self._keys[oid][1], oid)
                insort(keys, self._keys[oid])
        else:
            parent = self._parents[oid]
            self._kid_views.pop((str(res.collection), parent), None)
            self._drop_bytes(parent)
        return new, previous

    def delete(self, object_type: str, oid: str) -> None:
        """Delete as Stripe does: most types leave lists (retrieve gives a deleted stub);
        subscriptions are canceled and stay listable with ``status=all``. Records
        ``*.deleted``. Raises ValueError for types Stripe cannot delete."""
        mode = DELETABLE.get(object_type)
        if mode is None:
            raise ValueError(f"Stripe cannot delete a {object_type}")
        with self._lock:
            if self._types.get(oid) != object_type:
                raise KeyError(oid)
            if mode == "cancel":
                now = self.clock()
                obj, _ = self._replace(
                    object_type, oid, {"status": "canceled", "canceled_at": now, "ended_at": now}
                )
            else:
                obj = self._objects[oid]
                self._remove(object_type, oid)
            if object_type in EVENTED:
                self.record_event(event_type(object_type, "deleted"), obj)

    def _remove(self, object_type: str, oid: str) -> None:
        res = RESOURCES[object_type]
        del self._objects[oid]
        del self._types[oid]
        self._drop_bytes(oid)
        self._tombstones[oid] = {"id": oid, "object": object_type, "deleted": True}
        if res.top_level:
            self._order[object_type].remove(self._keys.pop(oid))
            self._top_views[object_type].clear()
        else:
            parent = self._parents.pop(oid)
            key = (str(res.collection), parent)
            self._kids[key].remove(oid)
            self._kid_views.pop(key, None)
            self._drop_bytes(parent)

    def record_event(
        self,
        type_name: str,
        obj: Obj,
        created: int | None = None,
        previous_attributes: Obj | None = None,
        *,
        store: bool = True,
    ) -> Obj:
        """Build (and unless ``store=False`` add) an event whose ``data.object`` is ``obj``."""
        with self._lock:
            event = template("event")
            for name in OMITTED_FIELDS["event"]:
                event.pop(name, None)
            data: Obj = {"object": obj}
            if previous_attributes is not None:
                data["previous_attributes"] = previous_attributes
            event.update(
                id=self.new_id("event"),
                object="event",
                api_version=api_version(),
                created=self.clock() if created is None else created,
                data=data,
                livemode=False,
                pending_webhooks=0,
                request={"id": None, "idempotency_key": None},
                type=type_name,
            )
            if store:
                self._store(event, None)
            return event
