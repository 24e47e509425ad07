"""Rendering an account's objects to the JSON Stripe sends: embedded lists, expansions,
includable fields, events' ``data.object``, and the cache of rendered bytes.

Guarantees:
* Fields whose name starts with ``_`` (the emulator's own bookkeeping) are never rendered;
  omitted fields (:data:`~stripe_emulator.resources.OMITTED_FIELDS`) are rendered only when
  expanded and includable.
* Embedded lists are ``{"object", "data", "has_more", "url"}`` with at most
  :data:`EMBED_LIMIT` items; an expanded id of an object the emulator does not store stays
  an id.
* With :attr:`~stripe_emulator.store.AccountStore.keep_rendered`, an object's bytes (and the
  one-field expansions of its expand-only embedded list) are rendered once and kept until the
  object or a child changes.
"""

from __future__ import annotations

from typing import Any

import orjson

from stripe_emulator.nulls import strip_nulls
from stripe_emulator.query import Obj, lookup, norm
from stripe_emulator.resources import (
    DERIVED_LISTS,
    EMBEDDED,
    EMBEDDED_WHEN,
    INCLUDABLE,
    OMITTED_FIELDS,
    child_resource,
)
from stripe_emulator.store import AccountStore
from stripe_emulator.templates import api_version, field_facts

EMBED_LIMIT = 10
#: Key of a stored event holding its object's embedded list as it was at the event.
EVENT_SNAPSHOT = "_embedded_at_event"


class AccountRendering(AccountStore):
    """An account's objects rendered as the API sends them."""

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
                if norm(other.get(owner_field)) != oid:
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
            shown_here = when is None or lookup(obj, when[0]) == when[1]
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
        inner.update(obj.get(EVENT_SNAPSHOT) or {})
        obj = {k: v for k, v in obj.items() if k != EVENT_SNAPSHOT}
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
