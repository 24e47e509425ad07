"""Changing an account as tests do: create, update and delete objects, move a customer's
balance, change a connected account's capability, with the events Stripe records for them.

Guarantees:
* Updates copy (stored object dicts are never mutated in place), so events keep snapshots.
* A child's change is told through its parent as Stripe does: an invoice's lines or a
  subscription's items changed (``*.updated`` with the list's old value in
  ``previous_attributes``), a customer's balance moved (``customer.updated``).
* A mutation drops the cached bytes and list views it changes (the object's, its parent's).
* Every public method takes the account lock; objects returned are fresh dicts.
"""

from __future__ import annotations

from bisect import insort
from typing import Any

import orjson

from stripe_emulator.events import AccountEvents
from stripe_emulator.nulls import strip_nulls
from stripe_emulator.query import Obj
from stripe_emulator.resources import (
    DELETABLE,
    EMBEDDED,
    EVENTED,
    NOT_STORED,
    OTHER_PARENTS,
    RESOURCES,
    SHARED_CHILDREN,
    event_type,
    time_field,
)
from stripe_emulator.templates import template


class AccountMutations(AccountEvents):
    """An account's changes and the events they record."""

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
