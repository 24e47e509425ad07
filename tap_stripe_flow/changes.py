"""Change capture: which Stripe events carry a new version of each stream's objects.

After its first run, an incremental stream also reads ``/v1/events`` of these types since its
event cursor and emits each event's ``data.object``: updates and deletions made to objects of any
age arrive, not only those inside the lookback window. Each stream declares its event types
(``event_types`` in ``streams/``): every type Stripe's API (2024-06-20) documents for its
objects; ``tests/tap/test_changes.py`` checks them against the OpenAPI spec.

Streams without an entry: ``balance_transactions`` (Stripe sends no event for them; the lookback
window re-reads them), ``events`` (itself the event log), and the full-refresh streams
(``bank_accounts``, ``customer_balance_transactions``, ``invoice_line_items``,
``subscription_items``), which are read whole on every run.

Event reading window, both bounds inclusive::

    event cursor (saved)              run start - 60 s       run start
    |---------- created[gte] .. created[lte] ---|               |
                                                 next cursor

Stripe lists events eventually consistently (up to a minute late), so a run reads no event newer
than a minute before its start, and the next run starts at that same second: an event created in
the cursor's second is never skipped (it may be read twice, which is harmless).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: How far behind its start a run reads events (Stripe's events are eventually consistent).
EVENTS_SETTLE_SECONDS = 60
#: Stripe keeps events for 30 days; a cursor older than this leaves a gap events cannot fill.
EVENT_RETENTION_SECONDS = 30 * 86_400
#: Field a Singer record carries when Stripe deleted the object (the Flow adapter maps it to "d").
DELETED_AT = "_sdc_deleted_at"


@dataclass(frozen=True)
class ChangeEvents:
    """The event types of one stream."""

    #: Events whose ``data.object`` is the stream's object as it now is.
    updates: tuple[str, ...]
    #: Events meaning the object no longer exists.
    deletions: tuple[str, ...] = ()

    @property
    def types(self) -> tuple[str, ...]:
        return self.updates + self.deletions


@dataclass(frozen=True)
class ParentEvents:
    """The events after which a child stream reads a parent's children again (its
    ``incremental`` mode: ``child_streams.py``)."""

    #: Events whose ``data.object`` is the parent.
    parent_types: tuple[str, ...] = ()
    #: Of those, events meaning the parent (and so its children) no longer exists.
    parent_deletions: tuple[str, ...] = ()
    #: Of the ``*.updated`` parent events, only those whose ``previous_attributes`` name one of
    #: these fields (empty: every event of ``parent_types``).
    changed_fields: tuple[str, ...] = ()
    #: Events whose ``data.object`` is a child itself (``customer.source.*``).
    child_types: tuple[str, ...] = ()
    #: Of those, events meaning the child no longer exists.
    child_deletions: tuple[str, ...] = ()
    #: Whether a child event's ``data.object`` is the child as it now is (Treasury's money
    #: movements): it is emitted from the event, and its parent's list is not read.
    child_objects: bool = False

    @property
    def types(self) -> tuple[str, ...]:
        return self.parent_types + self.child_types

    def names_parent_change(self, event: dict[str, Any]) -> bool:
        """Whether a parent event says the parent's children may have changed."""
        kind = event["type"]
        if kind not in self.parent_types:
            return False
        if not self.changed_fields or not kind.endswith(".updated"):
            return True
        previous = event["data"].get("previous_attributes") or {}
        return any(name in previous for name in self.changed_fields)


def deleted_at(event: dict[str, Any]) -> str:
    """``_sdc_deleted_at`` of what a deletion event deleted: the event's time."""
    return datetime.fromtimestamp(event["created"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_record(event: dict[str, Any], changes: ChangeEvents) -> dict[str, Any]:
    """The stream record an event carries: its object, marked deleted for a deletion event."""
    record: dict[str, Any] = event["data"]["object"]
    if event["type"] in changes.deletions:
        record[DELETED_AT] = deleted_at(event)
    return record


#: Reads an object again by id in the pinned API version; None when it no longer exists.
Retrieve = Callable[[str], "dict[str, Any] | None"]


def newest_versions(
    events: list[dict[str, Any]],
    changes: ChangeEvents,
    pinned_version: str,
    seen: dict[str, int | None],
    retrieve: Retrieve,
) -> Iterator[dict[str, Any]]:
    """The newest version of each object a page of events carries (events come newest first).

    ``seen`` holds, across the pages of one run, each object already emitted and the second of
    the event it came from (None: it was read by id, so nothing older can be newer). The object
    is read again by id (``retrieve``) when the events alone cannot give its newest version in
    the shape of its listed twin:

    * Stripe renders an event's object in the API version the event was created with, which may
      not be ``pinned_version`` (the account was upgraded since);
    * two events of one object in the same second: Stripe's order within a second is not the
      order of the changes, so either may be the newer.

    An object that no longer exists keeps the payload of its deletion event (or of its newest
    event: its deletion then arrives with its own event).
    """
    first_second: dict[str, int] = {}
    ties: set[str] = set()
    deletions: dict[str, dict[str, Any]] = {}
    for event in events:
        oid, created = event["data"]["object"]["id"], int(event["created"])
        if oid not in first_second:
            first_second[oid] = created
        elif created == first_second[oid]:
            ties.add(oid)
        if event["type"] in changes.deletions:
            deletions.setdefault(oid, event)
    for event in events:
        oid, created = event["data"]["object"]["id"], int(event["created"])
        first_visit = oid not in seen
        if first_visit:
            seen[oid] = created
            deletion = event["type"] in changes.deletions
            other_version = event.get("api_version") != pinned_version and not deletion
            if oid not in ties and not other_version:
                yield as_record(event, changes)
                continue
        elif seen[oid] != created:
            continue  # an older version, or the object was read by id already
        # else: the second of the version emitted, on a later page: either may be newer
        seen[oid] = None
        current = retrieve(oid)
        if current is not None:
            yield current
        elif oid in deletions or first_visit:
            yield as_record(deletions.get(oid, event), changes)
