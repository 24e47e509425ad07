"""Every fact about the emulated resources, from one import.

The table itself and the lookups derived from it (``resource_table.py``: :data:`RESOURCES`,
:data:`SHARED_CHILDREN`, :data:`TOP_LEVEL`, :data:`FEATURES`, :data:`PARENT_PARAMS`...), what
their objects hold beyond their templates (``object_fields.py``: embedded and derived lists,
includable and omitted fields, the time field, what lists hide by default) and what creating,
updating and deleting them does (``lifecycle.py``: event types, :data:`EVENTED`,
:data:`DELETABLE`, :data:`STUBBED`). An account that is not a Connect platform lists no
connected account (``/v1/accounts`` is empty).
"""

from __future__ import annotations

from stripe_emulator.lifecycle import (
    DELETABLE,
    EVENTED,
    EVENTED_AS_CHILD_ONLY,
    STUBBED,
    event_type,
)
from stripe_emulator.object_fields import (
    DERIVED_LISTS,
    EMBEDDED,
    EMBEDDED_WHEN,
    HIDDEN_BY_DEFAULT,
    INCLUDABLE,
    NOT_STORED,
    OMITTED_FIELDS,
    OTHER_PARENTS,
    POLYMORPHIC,
    TIME_FIELD,
    time_field,
)
from stripe_emulator.resource_table import (
    CHILD_TYPES,
    FEATURES,
    PARENT_PARAMS,
    RESOURCES,
    SHARED_CHILDREN,
    TOP_LEVEL,
    TREASURY_CHILDREN,
    Resource,
    child_resource,
)

__all__ = [
    "CHILD_TYPES",
    "DELETABLE",
    "DERIVED_LISTS",
    "EMBEDDED",
    "EMBEDDED_WHEN",
    "EVENTED",
    "EVENTED_AS_CHILD_ONLY",
    "FEATURES",
    "HIDDEN_BY_DEFAULT",
    "INCLUDABLE",
    "NOT_STORED",
    "OMITTED_FIELDS",
    "OTHER_PARENTS",
    "PARENT_PARAMS",
    "POLYMORPHIC",
    "RESOURCES",
    "SHARED_CHILDREN",
    "STUBBED",
    "TIME_FIELD",
    "TOP_LEVEL",
    "TREASURY_CHILDREN",
    "Resource",
    "child_resource",
    "event_type",
    "time_field",
]
