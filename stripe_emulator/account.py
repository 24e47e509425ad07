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
"""

from __future__ import annotations

import hashlib
import itertools
import random
import string
import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson

from stripe_emulator.resources import (
    DELETABLE,
    DERIVED_LISTS,
    EMBEDDED,
    EMBEDDED_WHEN,
    EVENTED,
    EVENTED_AS_CHILD_ONLY,
    INCLUDABLE,
    NOT_STORED,
    OMITTED_FIELDS,
    OTHER_PARENTS,
    POLYMORPHIC,
    RESOURCES,
    SHARED_CHILDREN,
    STUBBED,
    TOP_LEVEL,
    Resource,
    child_resource,
    event_type,
    time_field,
)
from stripe_emulator.templates import (
    api_version,
    event_types,
    field_facts,
    nested_fields,
    template,
)

Obj = dict[str, Any]
#: Sort key of a top-level object: (-created, tiebreak(id), id); ascending = newest first.
Key = tuple[int, int, str]
Filters = tuple[tuple[str, str, str], ...]
_BIG = 1 << 62
_ALNUM = string.ascii_letters + string.digits
EMBED_LIMIT = 10
#: Key of a stored event holding its object's embedded list as it was at the event.
_SNAPSHOT = "_embedded_at_event"

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
    "payment_link": ("plink_", 24),
    "tax_code": ("txcd_", 8),
    "refund": ("re_", 24),
    "subscription": ("sub_", 24),
    "subscription_item": ("si_", 14),
    "transfer": ("tr_", 24),
    "application_fee": ("fee_", 24),
    "credit_note": ("cn_", 24),
    "credit_note_line_item": ("cnli_", 24),
    "fee_refund": ("fr_", 24),
    "file": ("file_", 24),
    "file_link": ("link_", 24),
    "identity.verification_report": ("vr_", 24),
    "identity.verification_session": ("vs_", 24),
    "issuing.authorization": ("iauth_", 24),
    "issuing.card": ("ic_", 24),
    "issuing.cardholder": ("ich_", 24),
    "issuing.dispute": ("idp_", 24),
    "issuing.transaction": ("ipi_", 24),
    "radar.early_fraud_warning": ("issfr_", 24),
    "radar.value_list": ("rsl_", 24),
    "radar.value_list_item": ("rsli_", 24),
    "reporting.report_run": ("frr_", 24),
    "review": ("prv_", 24),
    "setup_intent": ("seti_", 24),
    "shipping_rate": ("shr_", 24),
    "subscription_schedule": ("sub_sched_", 24),
    "tax_rate": ("txr_", 24),
    "topup": ("tu_", 24),
    "transfer_reversal": ("trr_", 24),
    "terminal.location": ("tml_", 24),
    "terminal.reader": ("tmr_", 24),
    "terminal.configuration": ("tmc_", 14),
    "issuing.personalization_design": ("ipcd_", 14),
    "issuing.physical_bundle": ("ics_", 14),
    "climate.order": ("climorder_", 24),
    "financial_connections.account": ("fca_", 24),
    "scheduled_query_run": ("sqr_", 24),
    "account": ("acct_", 16),
    "person": ("person_", 24),
    "issuing.token": ("intok_", 24),
    "treasury.financial_account": ("fa_", 24),
    "treasury.transaction": ("trxn_", 24),
    "treasury.transaction_entry": ("trxne_", 24),
    "treasury.received_credit": ("rc_", 24),
    "treasury.received_debit": ("rd_", 24),
    "treasury.inbound_transfer": ("ibt_", 24),
    "treasury.outbound_transfer": ("obt_", 24),
    "treasury.outbound_payment": ("obp_", 24),
    "treasury.credit_reversal": ("credrev_", 24),
    "treasury.debit_reversal": ("debrev_", 24),
    "quote": ("qt_", 24),
    "webhook_endpoint": ("we_", 24),
    "billing_portal.configuration": ("bpc_", 24),
    "billing.meter": ("mtr_", 24),
    "billing.alert": ("alrt_", 24),
    "tax_id": ("txi_", 24),
    "tax.registration": ("taxreg_", 14),
    "entitlements.feature": ("feat_", 24),
    "payment_method_configuration": ("pmc_", 24),
    "payment_method_domain": ("pmd_", 24),
    "apple_pay_domain": ("apwc_", 24),
    "price": ("price_", 24),
    "setup_attempt": ("setatt_", 24),
    "payment_method": ("pm_", 24),
    "customer_cash_balance_transaction": ("ccsbtxn_", 24),
    "product_feature": ("prodft_", 24),
    "forwarding.request": ("fwdreq_", 24),
}


class CursorMissingError(LookupError):
    """A ``starting_after``/``ending_before`` id that is not in the list."""

    def __init__(self, object_type: str, object_id: str) -> None:
        super().__init__(object_id)
        self.object_type = object_type
        self.object_id = object_id


def tiebreak(oid: str) -> int:
    """The order of ``oid`` among objects of the same second: a 56-bit hash of the id."""
    return int.from_bytes(hashlib.blake2b(oid.encode(), digest_size=7).digest(), "big")


@cache
def _not_nullable(object_type: str) -> tuple[str, ...]:
    """The documented fields of a type that may not be null."""
    _, nullable, _ = field_facts(object_type)
    return tuple(sorted(set(template(object_type)) - nullable))


@cache
def _nested_includable(object_type: str) -> tuple[str, ...]:
    """Fields of a type that hold a nested object with includable fields (a price, a plan,
    a promotion code's coupon)."""
    names: set[str] = {n for n in ("price", "plan") if n in template(object_type)}
    names.update(
        name for name, target in nested_fields(object_type).items() if target in INCLUDABLE
    )
    return tuple(sorted(names))


def strip_nulls(obj: Obj) -> Obj:
    """``obj`` without the null values of fields its spec schema does not mark nullable
    (Stripe leaves such a field out), nor empty-string placeholders of optional fields, and
    with nested prices, plans and coupons without their includable fields (Stripe includes
    them only when expanded, at any depth). Returns ``obj`` itself when nothing changes,
    else a copy."""
    otype = obj["object"]
    required, _, _ = field_facts(otype)
    drop = [
        k
        for k in _not_nullable(otype)
        if k in obj and (obj[k] is None or (obj[k] == "" and k not in required))
    ]
    nested = [
        n
        for n in _nested_includable(otype)
        if isinstance(obj.get(n), dict)
        and not set(INCLUDABLE.get(obj[n].get("object"), ())).isdisjoint(obj[n])
    ]
    if not drop and not nested:
        return obj
    out = {k: v for k, v in obj.items() if k not in drop}
    for name in nested:
        hidden = INCLUDABLE.get(out[name].get("object"), ())
        out[name] = {k: v for k, v in out[name].items() if k not in hidden}
    return out


@dataclass(frozen=True)
class Query:
    """A validated list request."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    #: (op, value) with op in gt/gte/lt/lte.
    created: tuple[tuple[str, int], ...] = ()
    #: (field, op, value) filters, see :func:`matches`; ``field`` may be dotted (``a.b``).
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


def _lookup(obj: Obj, name: str) -> Any:
    value: Any = obj
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(obj: Obj, filters: Filters) -> bool:
    """Whether ``obj`` passes every ``(field, op, value)`` filter.

    Ops: ``eq`` (rendered as a string; booleans ``true``/``false``, an embedded object by its
    id), ``in`` (one of the ``|``-separated values), ``ne``, ``prefix``, ``null`` (value
    ``true``: the field is null; ``false``: it is not) and ``gt``/``gte``/``lt``/``lte``
    (integers)."""
    for name, op, wanted in filters:
        raw = _lookup(obj, name)
        actual = _norm(raw)
        if op == "eq":
            ok = actual == wanted
        elif op == "in":
            ok = actual in wanted.split("|")
        elif op == "ne":
            ok = actual != wanted
        elif op == "prefix":
            ok = actual.startswith(wanted)
        elif op == "null":
            ok = (raw is None) == (wanted == "true")
        else:
            if not isinstance(raw, int) or isinstance(raw, bool):
                return False
            bound = int(wanted)
            ok = {
                "gt": raw > bound,
                "gte": raw >= bound,
                "lt": raw < bound,
                "lte": raw <= bound,
            }[op]
        if not ok:
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

    # ------------------------------------------------------------------ rendering
    def _list(self, items: list[Obj], total: int, url: str) -> Obj:
        return {"object": "list", "data": items, "has_more": total > len(items), "url": url}

    def _derived(self, otype: str, name: str, oid: str) -> Obj:
        listed, owner_field, url = DERIVED_LISTS[(otype, name)]
        found: list[Obj] = []
        kids = child_resource(listed, otype) if listed else None
        if kids is not None and not kids.top_level:
            found = [self._objects[i] for i in self._kids.get((str(kids.collection), oid), [])]
        elif listed:
            for key in self._order[listed]:
                other = self._objects[key[2]]
                if _norm(other.get(owner_field)) != oid:
                    continue
                if listed == "subscription" and other.get("status") == "canceled":
                    continue
                found.append(other)
        shown = [self._materialize(o, frozenset()) for o in found[:EMBED_LIMIT]]
        return self._list(shown, len(found), url.format(id=oid))

    def _expand_id(self, value: Any, targets: list[str]) -> Any:
        if not isinstance(value, str):
            return value
        target = self._types.get(value)
        if target is not None and target in targets:
            return self._materialize(self._objects[value], frozenset())
        stub = self._tombstones.get(value)
        if stub is not None and f"deleted_{stub['object']}" in targets:
            return dict(stub)
        return value  # an object the emulator does not store: left as its id

    def _materialize(self, obj: Obj, expand: frozenset[str]) -> Obj:
        otype = obj["object"]
        omitted = OMITTED_FIELDS.get(otype, ())
        include = INCLUDABLE.get(otype, ())
        out = {
            k: v
            for k, v in obj.items()
            if k[0] != "_" and (k not in omitted or (k in expand and k in include))
        }
        embed = EMBEDDED.get(otype)
        if embed is not None:
            name, collection, url, expand_only = embed
            when = EMBEDDED_WHEN.get((otype, name))
            shown_here = when is None or _lookup(obj, when[0]) == when[1]
            if shown_here and (not expand_only or name in expand):
                ids = self._kids.get((collection, obj["id"]), [])
                shown = [
                    self._materialize(self._objects[i], frozenset()) for i in ids[:EMBED_LIMIT]
                ]
                out[name] = self._list(shown, len(ids), url.format(id=obj["id"]))
        if expand:
            _, _, expandable = field_facts(otype)
            for name in expand:
                if (otype, name) in DERIVED_LISTS:
                    out[name] = self._derived(otype, name, obj["id"])
                elif name in expandable and name in out:
                    out[name] = self._expand_id(out[name], expandable[name])
        return out

    def _render_event(self, obj: Obj) -> bytes:
        inner = self._materialize(strip_nulls(obj["data"]["object"]), frozenset())
        inner.update(obj.get(_SNAPSHOT) or {})
        obj = {k: v for k, v in obj.items() if k != _SNAPSHOT}
        if obj.get("api_version") != api_version():
            inner.pop("metadata", None)  # the documented "older" shape, see record_event
        data = {**obj["data"], "object": inner}
        return orjson.dumps(self._materialize({**obj, "data": data}, frozenset()))

    def _render(self, oid: str, expand: frozenset[str] = frozenset()) -> bytes:
        obj = self._objects[oid]
        otype = obj["object"]
        embed = EMBEDDED.get(otype)
        if expand:
            if embed is not None and embed[3] and expand == {embed[0]}:
                xkey = (oid, embed[0])
                cached = self._xbytes.get(xkey)
                if cached is None:
                    cached = orjson.dumps(self._materialize(obj, expand))
                    if self.keep_rendered:
                        cached = self._xbytes[xkey] = bytes(memoryview(cached))
                return cached
            return orjson.dumps(self._materialize(obj, expand))
        cached = self._bytes.get(oid)
        if cached is None:
            if otype == "event":
                cached = self._render_event(obj)
            else:
                cached = orjson.dumps(self._materialize(obj, frozenset()))
            if self.keep_rendered:
                # A copy of exact size: orjson's own buffer keeps its 32 KiB head room.
                cached = self._bytes[oid] = bytes(memoryview(cached))
        return cached

    def account_bytes(self) -> bytes:
        """Return the rendered ``account`` object (GET /v1/account)."""
        return self._account_bytes

    def _event_cutoff(self) -> int | None:
        if self.event_retention_days is None:
            return None
        return self.clock() - self.event_retention_days * 86_400

    def _visible(self, oid: str) -> bool:
        if self._types.get(oid) != "event":
            return True
        cutoff = self._event_cutoff()
        return cutoff is None or int(self._objects[oid]["created"]) >= cutoff

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

    # ------------------------------------------------------------------ pages
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
                and any(_norm(self._objects[i].get(name)) == value for i in kids)
            )

    # ------------------------------------------------------------------ Python API
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

    def update_capability(self, account_id: str, name: str, **changes: Any) -> Obj:
        """Change one capability of a connected account (and the account's ``capabilities``
        summary); no event in this account's log (Stripe's ``capability.updated`` is the
        connected account's)."""
        with self._lock:
            caps = [dict(c) for c in self._objects[account_id].get("_capabilities", [])]
            (cap,) = [c for c in caps if c["id"] == name]
            cap.update(changes)
            summary = {
                c["id"]: {"disabled": "inactive"}.get(c["status"], c["status"])
                for c in caps
                if c["status"] != "unrequested"
            }
            self._replace("account", account_id, {"_capabilities": caps, "capabilities": summary})
            return strip_nulls(cap)

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
        """Add an object built from the spec template plus ``fields``; record its creation
        event when Stripe has one (``*.created``, ``charge.succeeded``...).

        ``id`` and ``created`` default to a fresh id and :attr:`clock` (invoice items: their
        ``date``, which ``created=`` also sets). Child types need ``parent=<id>`` or their
        parent field (``invoice``, ``subscription``, ``customer``). Fields given as None that
        the spec does not let be null are left out.
        """
        res = RESOURCES[object_type]
        with self._lock:
            parent = fields.pop("parent", None)
            for (shared_type, _), shared in SHARED_CHILDREN.items():
                # a type also listed under a parent (a customer's tax id: ``customer=``)
                if shared_type == object_type and parent is None and shared.parent_field:
                    parent = fields.get(shared.parent_field)
            if parent is not None:
                res = self._resource(object_type, parent)
            when_field = time_field(object_type)
            if when_field != "created" and "created" in fields:
                fields[when_field] = fields.pop("created")
            obj = template(object_type)
            for name in NOT_STORED.get(object_type, ()):
                obj.pop(name, None)
            obj.update(
                id=self.new_id(object_type) if "id" not in fields else fields["id"],
                object=object_type,
            )
            if "livemode" in obj:  # not every type has one (balance transactions, refunds...)
                obj["livemode"] = False
            if when_field in obj:  # not every type has one (tax codes, payment links...)
                obj[when_field] = self.clock()
            obj.update(fields)
            if not res.top_level:
                parent = parent or (obj.get(res.parent_field) if res.parent_field else None)
                res = self._resource(object_type, parent)
                parent_type = self._types.get(str(parent), "")
                other = (object_type, parent_type) in OTHER_PARENTS
                if not other and (res.parent is None or parent_type != res.parent):
                    raise ValueError(f"{object_type} needs an existing {res.parent} parent")
                field_name = "account" if other else res.parent_field
                if field_name:
                    obj[field_name] = parent
            before = self._embedded_before(object_type, parent)
            if object_type == "customer_balance_transaction":
                obj["ending_balance"] = self._move_balance(str(parent), int(obj["amount"]))
            self._store(obj, parent)
            stored = self._objects[obj["id"]]
            kind = event_type(object_type, "created", stored)
            if self._evented(object_type, str(parent)) and kind is not None:
                when = stored.get(when_field)  # a bank account has no creation time: now
                self.record_event(kind, stored, None if when is None else int(when))
            self._parent_changed(object_type, parent, before)
            return orjson.loads(self._render(obj["id"]))  # type: ignore[no-any-return]

    # Stripe tells a child's change through its parent: an invoice's lines or a subscription's
    # items changed (``*.updated`` with the list's old value in ``previous_attributes``), a
    # customer's balance moved (``customer.updated`` with the old ``balance``).

    def _embedded_before(self, object_type: str, parent: str | None) -> Obj | None:
        """The parent's embedded list of ``object_type`` children as it is now (None: the
        parent embeds none, or only when expanded, and records no event for them)."""
        res = self._resource(object_type, parent)
        embed = EMBEDDED.get(str(res.parent))
        if parent is None or embed is None or embed[3] or res.parent not in EVENTED:
            return None
        return self._materialize(self._objects[parent], frozenset())[embed[0]]  # type: ignore[no-any-return]

    def _parent_changed(self, object_type: str, parent: str | None, before: Obj | None) -> None:
        if before is None or parent is None:
            return
        parent_type = str(self._resource(object_type, parent).parent)
        name = event_type(parent_type, "updated", self._objects[parent])
        if name is not None:
            field = EMBEDDED[parent_type][0]
            self.record_event(name, self._objects[parent], previous_attributes={field: before})

    def _move_balance(self, customer: str, amount: int) -> int:
        """Add ``amount`` to a customer's balance (``customer.updated``); the new balance."""
        old = int(self._objects[customer].get("balance") or 0)
        obj, previous = self._replace("customer", customer, {"balance": old + amount})
        self.record_event("customer.updated", obj, previous_attributes=previous)
        return old + amount

    def update(self, object_type: str, oid: str, **changes: Any) -> Obj:
        """Replace fields of an object; record ``*.updated`` with ``previous_attributes``
        (when Stripe has that event type: invoice items and balance transactions have none;
        payment intents and Checkout Sessions get their status's event, see
        :func:`~stripe_emulator.resources.event_type`)."""
        with self._lock:
            parent = self._parents.get(oid)
            before = self._embedded_before(object_type, parent) if oid in self._types else None
            obj, previous = self._replace(object_type, oid, changes)
            name = event_type(object_type, "updated", obj)
            if self._evented(object_type, parent) and name is not None:
                self.record_event(name, obj, previous_attributes=previous)
            self._parent_changed(object_type, parent, before)
            return orjson.loads(self._render(oid))  # type: ignore[no-any-return]

    def _replace(self, object_type: str, oid: str, changes: dict[str, Any]) -> tuple[Obj, Obj]:
        """Copy-on-write update; returns (new object, previous values of changed keys)."""
        if self._types.get(oid) != object_type:
            raise KeyError(oid)
        old = self._objects[oid]
        previous = {k: old.get(k) for k in changes if old.get(k) != changes[k]}
        new = strip_nulls({**old, **changes})
        self._objects[oid] = new
        self._drop_bytes(oid)
        res = self._resource(object_type, self._parents.get(oid))
        if res.top_level:
            self._top_views[object_type].clear()
            when = time_field(object_type)
            if when in new and int(new[when]) != int(old[when]):
                keys = self._order[object_type]
                keys.remove(self._keys[oid])
                self._keys[oid] = (-int(new[when]), self._keys[oid][1], oid)
                insort(keys, self._keys[oid])
        else:
            parent = self._parents[oid]
            self._kid_views.pop((str(self._collection(object_type, parent)), parent), None)
            self._drop_bytes(parent)
        return new, previous

    def delete(self, object_type: str, oid: str) -> None:
        """Delete as Stripe does: most types leave lists and then answer 404 (a customer's
        retrieve gives a deleted stub); subscriptions are canceled and stay listable with
        ``status=all``. Records ``*.deleted``. Raises ValueError for types Stripe cannot
        delete."""
        mode = DELETABLE.get(object_type)
        if mode is None:
            raise ValueError(f"Stripe cannot delete a {object_type}")
        with self._lock:
            if self._types.get(oid) != object_type:
                raise KeyError(oid)
            parent = self._parents.get(oid)
            previous: Obj | None = None
            if mode == "cancel":
                now = self.clock()
                obj, _ = self._replace(
                    object_type, oid, {"status": "canceled", "canceled_at": now, "ended_at": now}
                )
            elif mode == "detach":
                owner = self._parents[oid]
                obj = {**self._objects[oid], "customer": None}
                previous = {"customer": owner}
                self._remove(object_type, oid)
            else:
                obj = self._objects[oid]
                before = self._embedded_before(object_type, parent)
                self._remove(object_type, oid)
                self._parent_changed(object_type, parent, before)
            name = event_type(object_type, "deleted")
            if self._evented(object_type, parent) and name is not None:
                self.record_event(name, obj, previous_attributes=previous)

    def _remove(self, object_type: str, oid: str) -> None:
        res = self._resource(object_type, self._parents.get(oid))
        del self._objects[oid]
        del self._types[oid]
        self._drop_bytes(oid)
        self._tombstones[oid] = {"id": oid, "object": object_type, "deleted": True}
        if res.top_level:
            self._order[object_type].remove(self._keys.pop(oid))
            self._top_views[object_type].clear()
        else:
            parent = self._parents.pop(oid)
            key = (str(self._collection(object_type, parent)), parent)
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
        api_version: str | None = None,
    ) -> Obj:
        """Build (and unless ``store=False`` add) an event whose ``data.object`` is ``obj``.

        ``type_name`` must be an event type of the spec (ValueError otherwise).
        ``event.api_version`` is ``api_version``, else :attr:`event_api_version` (the pinned
        2024-06-20 unless changed). An event in any other version renders ``data.object`` in
        the emulator's one "older" shape: exactly the pinned rendering without its
        ``metadata`` field (every evented type has one), as if that version predated
        ``metadata``. Retrieving the object by id always renders the pinned version.
        ``event.account`` names this account: a client reads it with the ``Stripe-Account``
        header (the tap always sends it), and Stripe names in each event the account that
        originates it.
        """
        if type_name not in event_types():
            raise ValueError(f"Stripe has no event type {type_name!r}")
        with self._lock:
            embed = EMBEDDED.get(str(obj.get("object")))
            snapshot = None
            if embed is not None and not embed[3] and obj.get("id") in self._objects:
                # the embedded list as it is at the event, not when the event is read
                snapshot = {embed[0]: self._materialize(obj, frozenset())[embed[0]]}
            event = template("event")
            data: Obj = {"object": obj}
            if previous_attributes is not None:
                data["previous_attributes"] = previous_attributes
            event.update(
                id=self.new_id("event"),
                object="event",
                account=self.id,
                api_version=api_version or self.event_api_version,
                created=self.clock() if created is None else created,
                data=data,
                livemode=False,
                pending_webhooks=0,
                request={"id": None, "idempotency_key": None},
                type=type_name,
            )
            if snapshot is not None:
                event[_SNAPSHOT] = snapshot
            if store:
                self._store(event, None)
            return event
