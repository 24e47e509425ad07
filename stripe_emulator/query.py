"""What a list request asks for (:class:`Query`, its filters and :func:`matches`), what one
page of it holds (:class:`Page`), and the order lists are in (:func:`tiebreak`, :data:`Key`).

Guarantees:
* Pure values and functions, no account state: the account's pages
  (:mod:`stripe_emulator.pages`) and the API's request parsing share them.
* :func:`tiebreak` is a fixed hash of the id: objects of the same second keep one order
  across pages, runs and processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
#: Sort key of a top-level object: (-created, tiebreak(id), id); ascending = newest first.
Key = tuple[int, int, str]
Filters = tuple[tuple[str, str, str], ...]


class CursorMissingError(LookupError):
    """A ``starting_after``/``ending_before`` id that is not in the list."""

    def __init__(self, object_type: str, object_id: str) -> None:
        super().__init__(object_id)
        self.object_type = object_type
        self.object_id = object_id


def tiebreak(oid: str) -> int:
    """The order of ``oid`` among objects of the same second: a 56-bit hash of the id."""
    return int.from_bytes(hashlib.blake2b(oid.encode(), digest_size=7).digest(), "big")


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


def norm(value: Any) -> str:
    """A field's value as filters compare it: booleans ``true``/``false``, an embedded
    object by its id, null as the empty string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def lookup(obj: Obj, name: str) -> Any:
    """The value of a dotted field name (``a.b``) in ``obj``; None where a part is missing."""
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
        raw = lookup(obj, name)
        actual = norm(raw)
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
