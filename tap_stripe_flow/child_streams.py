"""Streams of objects listed under a parent: invoice lines, subscription items, sources, ..."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from typing_extensions import override

from tap_stripe_flow.changes import ChangeEvents, ParentEvents
from tap_stripe_flow.child_changes import ChildChanges
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.fetch import ChildrenOfEvents
from tap_stripe_flow.pagination import ChildPage, Delivered, EventsPage, StripePage, WalkEnd


class StripeChildStream(StripeStream):
    """Objects listed under a parent (invoice lines, subscription items, ...).

    The stream reads the parent list itself, with the children embedded where Stripe embeds them,
    and requests a child list only for the part an embedded list leaves out. A full-refresh child
    must see every parent, which an incremental parent stream does not list on later runs; reading
    the parent list costs one request per 100 parents either way. Change events name parents: each
    parent an event names has its children read again.

    Guarantees: each child of every parent in the reading window (or named by an event) is
    emitted at least once per run, carrying its parent's id (``parent_fields``).
    """

    #: Stripe's ``object`` of the parents.
    parent_type: ClassVar[str]
    #: Path of the parent list (``self.path`` is the child list, with ``{parent_id}``).
    parent_path: ClassVar[str]
    parent_params: ClassVar[Mapping[str, str]] = {}
    child_lists = True
    #: Field of the parent holding the embedded child list; None when Stripe embeds nothing.
    embedded_field: ClassVar[str | None] = None
    #: Query parameter naming the parent on the child list (``subscription`` for items).
    parent_param: ClassVar[str | None] = None
    #: Child field -> parent field copied into each child record.
    parent_fields: ClassVar[Mapping[str, str]] = {}
    #: Keep only children of this ``object`` type (customer sources mix cards and bank accounts).
    child_object: ClassVar[str | None] = None
    #: The events that drive the stream's ``incremental`` mode (``child_changes.py``); None:
    #: the stream is full refresh only (or follows its own ``event_types``).
    parent_events: ClassVar[ParentEvents | None] = None

    @override
    @classmethod
    def reads_events_alone(cls) -> bool:
        return cls.parent_events is not None

    @property
    @override
    def change_events(self) -> ChangeEvents | None:
        if self.events_driven and self.parent_events is not None:
            return ChangeEvents(self.parent_events.types)
        return super().change_events

    @override
    def children_of_events(self) -> ChildrenOfEvents | None:
        if not self.events_driven or self.parent_events is None:
            return None
        parent_field = next((c for c, p in self.parent_fields.items() if p == "id"), None)
        return ChildChanges(
            self.parent_events,
            embedded_field=self.embedded_field,
            parent_field=parent_field,
            pinned_version=str(self.config["stripe_api_version"]),
            decorate=self._children,
            child_object=self.child_object,
        )

    @override
    def list_request(self) -> tuple[str, dict[str, Any]]:
        return self.parent_path, dict(self.parent_params)

    @override
    def child_request(self, parent: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.parent_param:
            return self.path, {self.parent_param: parent["id"]}
        return self.path.format(parent_id=parent["id"]), {}

    @override
    def page_records(self, token: Delivered, page: StripePage) -> Iterable[dict[str, Any]]:
        if isinstance(token, WalkEnd):
            return
        if isinstance(token, EventsPage) and self.events_driven:
            yield from page.data  # records already (``child_changes.py``)
            return
        if isinstance(token, ChildPage):
            yield from self._children(token.parent, page.data)
            return
        parents = page.data
        if isinstance(token, EventsPage):
            parents = [event["data"]["object"] for event in parents]
        for parent in parents:
            embedded = parent.get(self.embedded_field) if self.embedded_field else None
            if embedded:
                yield from self._children(parent, embedded.get("data") or [])

    def _children(
        self, parent: Mapping[str, Any], children: list[dict[str, Any]]
    ) -> Iterable[dict[str, Any]]:
        for child in children:
            if self.child_object and child.get("object") != self.child_object:
                continue
            for child_field, parent_field in self.parent_fields.items():
                if child.get(child_field) is None:
                    child[child_field] = parent[parent_field]
            yield child
