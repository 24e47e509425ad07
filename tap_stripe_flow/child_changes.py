"""A child stream's ``incremental`` mode: its parents' events say which children to read again.

After one full read, a run of a child stream in ``incremental`` mode reads no parent list: the
run's events (``events_reader.py``) name the parents whose children may have changed, and only
their children are read again. Per parent, the newest of its events decides:

* a parent event carries the parent with its embedded child list (an invoice's ``lines``, a
  subscription's ``items``): its children are taken from it when the event is in the pinned API
  version and no other event of that parent shares its second (Stripe's order within a second
  is not the order of the changes); what the list leaves out (``has_more``) is read from the
  parent's child list, and so is the whole list otherwise;
* ``previous_attributes`` of the embedded list hold the children it held before: those no longer
  listed are emitted as deletions (``_sdc_deleted_at`` = the event's time), and so are the
  children a deleted parent embedded;
* ``changed_fields`` keeps only the parent updates that change its children (a customer's
  ``balance`` for its balance transactions); a parent with no embedded list has its child list
  read;
* a child event (``customer.source.*``): the parent's child list is read again, and a deleted
  child is emitted as a deletion; where child events carry the child as it now is
  (``child_objects``: Treasury's money movements), the newest event's child is emitted, and
  the parent's list is read only when that event cannot be trusted to be the newest version
  in the pinned shape (another API version, or two events of the child in one second). An
  event of a child of another ``object`` (a card's, for bank accounts: customer sources mix
  them) is left alone. A child that left its parent (``payment_method.detached``: ``customer``
  null) names it in ``previous_attributes``; a deletion whose parent no field names is still
  emitted (its parent field null).

Guarantees: each child of a parent named by an event is emitted at least once, as its newest
event or its child list shows it; each parent's children are read at most once per run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tap_stripe_flow.changes import DELETED_AT, ParentEvents, deleted_at
from tap_stripe_flow.pagination import PARENT_KEYS, ChildPage

#: The records of children of one parent (parent fields copied in, other object types left out).
Decorate = Callable[[Mapping[str, Any], list[dict[str, Any]]], Iterable[dict[str, Any]]]
Event = dict[str, Any]


class ChildChanges:
    """Turns pages of events (newest first) into child records and child lists to read.

    Called from the thread that walks the stream's events, page after page, in order.
    """

    def __init__(
        self,
        events: ParentEvents,
        *,
        embedded_field: str | None,
        parent_field: str | None,
        pinned_version: str,
        decorate: Decorate,
        child_object: str | None = None,
    ) -> None:
        self._events = events
        self._field = embedded_field
        #: The child's field naming its parent (for child events).
        self._parent_field = parent_field
        self._pinned = pinned_version
        self._decorate = decorate
        #: Child events of other objects are not this stream's (None: every child event).
        self._only_object = child_object
        #: Parents already handled -> (their newest event's second, their children's ids when
        #: the event listed them all, else None).
        self._named: dict[str, tuple[int, frozenset[str] | None]] = {}
        #: Children emitted from their own events -> the second of that event.
        self._emitted: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, events: list[Event]) -> tuple[list[dict[str, Any]], list[ChildPage]]:
        with self._lock:
            records: list[dict[str, Any]] = []
            walks: list[ChildPage] = []
            by_parent: dict[str, list[Event]] = {}
            for event in events:
                obj = event["data"]["object"]
                if event["type"] in self._events.child_types:
                    self._child_event(event, records, walks)
                elif self._events.names_parent_change(event):
                    by_parent.setdefault(str(obj["id"]), []).append(event)
            for parent_id, parent_events in by_parent.items():
                self._parent(parent_id, parent_events, records, walks)
            return records, walks

    def _child_event(
        self, event: Event, records: list[dict[str, Any]], walks: list[ChildPage]
    ) -> None:
        child = event["data"]["object"]
        if self._only_object is not None and child.get("object") != self._only_object:
            return
        parent_id = child.get(self._parent_field) if self._parent_field else None
        if parent_id is None and self._parent_field:  # a detached payment method: no longer
            previous = event["data"].get("previous_attributes") or {}  # its customer's
            parent_id = previous.get(self._parent_field)
        if event["type"] in self._events.child_deletions:
            # a deletion is the child's own, by id, even with its parent unknown
            parent_ref = {"id": parent_id if isinstance(parent_id, str) else None}
            records.extend(self._deletions(parent_ref, [child], event))
        elif not isinstance(parent_id, str):
            return
        elif self._events.child_objects:
            self._child_object(event, {"id": parent_id}, records, walks)
        elif parent_id not in self._named:
            parent = {"id": parent_id}
            self._named[parent_id] = (int(event["created"]), None)
            walks.append(ChildPage(parent))

    def _child_object(
        self,
        event: Event,
        parent: dict[str, Any],
        records: list[dict[str, Any]],
        walks: list[ChildPage],
    ) -> None:
        """The child of a child event that carries it, unless an event already gave a newer
        version, or its parent's list is read (which gives the newest)."""
        oid, created = str(event["data"]["object"]["id"]), int(event["created"])
        if parent["id"] in self._named:
            return
        second = self._emitted.get(oid)
        if second is not None and second != created:
            return  # a newer event of it came first
        if second is None and event.get("api_version") == self._pinned:
            self._emitted[oid] = created
            records.extend(self._decorate(parent, [event["data"]["object"]]))
            return
        # another API version, or a second event of it in that second: the list tells
        self._named[parent["id"]] = (created, None)
        walks.append(ChildPage(parent))

    def _parent(
        self,
        parent_id: str,
        events: list[Event],
        records: list[dict[str, Any]],
        walks: list[ChildPage],
    ) -> None:
        newest = events[0]
        created = int(newest["created"])
        parent = newest["data"]["object"]
        kept = {key: parent[key] for key in PARENT_KEYS if key in parent}
        before = self._children_before(parent, events)
        known = self._named.get(parent_id)
        if known is not None:  # a newer event of it came on an earlier page
            second, listed = known
            if listed is None:
                return
            if second == created:  # a tie across pages: which is newer, only a read tells
                self._named[parent_id] = (created, None)
                walks.append(ChildPage(kept, unless_listed=tuple(before)))
                return
            records.extend(r for r in before if r["id"] not in listed)
            return
        if newest["type"] in self._events.parent_deletions:
            embedded = (parent.get(self._field) or {}).get("data") or [] if self._field else []
            records.extend(self._deletions(parent, embedded, newest))
            records.extend(before)
            self._named[parent_id] = (created, frozenset())
            return
        embedded = parent.get(self._field) if self._field else None
        exact = (
            isinstance(embedded, dict)
            and newest.get("api_version") == self._pinned
            and all(int(e["created"]) != created for e in events[1:])
        )
        if exact and isinstance(embedded, dict):
            current = list(self._decorate(parent, list(embedded.get("data") or [])))
            if not embedded.get("has_more"):
                ids = frozenset(str(c["id"]) for c in current)
                records.extend(current)
                records.extend(r for r in before if r["id"] not in ids)
                self._named[parent_id] = (created, ids)
                return
            if not before:  # nothing may have left: the rest of the list is what is missing
                records.extend(current)
                entries = embedded.get("data") or []
                walks.append(ChildPage(kept, entries[-1]["id"] if entries else None))
                self._named[parent_id] = (created, None)
                return
        self._named[parent_id] = (created, None)
        walks.append(ChildPage(kept, unless_listed=tuple(before)))

    def _children_before(
        self, parent: Mapping[str, Any], events: list[Event]
    ) -> list[dict[str, Any]]:
        """Deletion records of the children the events' ``previous_attributes`` held, each
        dated by the event after which it may be gone (the newest that held it)."""
        found: dict[str, dict[str, Any]] = {}
        if self._field is None:
            return []
        for event in events:
            previous = (event["data"].get("previous_attributes") or {}).get(self._field)
            if not isinstance(previous, dict):
                continue
            for record in self._deletions(parent, list(previous.get("data") or []), event):
                found.setdefault(str(record["id"]), record)
        return list(found.values())

    def _deletions(
        self, parent: Mapping[str, Any], children: list[dict[str, Any]], event: Event
    ) -> list[dict[str, Any]]:
        when = deleted_at(event)
        return [{**child, DELETED_AT: when} for child in self._decorate(parent, children)]
