"""Query parameter checks, as strict as Stripe (2024-06-20): names, integers, ``expand[]``.

Guarantees: a check that fails raises :class:`BadRequestError` carrying Stripe's 400 answer;
none raises anything else for client input.
* ``Stripe-Version`` must be ``YYYY-MM-DD`` (a real date) optionally followed by ``.name``
  (:func:`valid_version`).
* Query parameters must be the spec's for that path (400 ``parameter_unknown``), a range
  (``created[...]``) takes ``gt``, ``gte``, ``lt``, ``lte``, an object parameter its spec's
  keys (:func:`check_names`); integers must be integers (:func:`integer`).
* ``expand[]`` must name what the endpoint can expand (lists: ``data.<field>``): an
  expandable id field (``x-expansionResources``), an includable field or list, each level
  of a dotted path checked where the emulator knows the target type; otherwise 400 "This
  property cannot be expanded (name).". The first level is honoured; deeper levels are
  accepted and not applied (:func:`expansions`).
"""

from __future__ import annotations

import datetime
import re
from functools import cache

from stripe_emulator import errors
from stripe_emulator.resources import (
    DERIVED_LISTS,
    EMBEDDED,
    INCLUDABLE,
    RESOURCES,
    SHARED_CHILDREN,
)
from stripe_emulator.templates import field_facts, nested_fields, template_names

Params = dict[str, list[str]]
_CREATED_OPS = ("gt", "gte", "lt", "lte")
_VERSION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(\.[a-z]+)?$")


def valid_version(value: str) -> bool:
    """Whether a ``Stripe-Version`` value is well formed: ``YYYY-MM-DD`` (a real date),
    optionally followed by ``.name`` (``2024-09-30.acacia``)."""
    match = _VERSION.match(value)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.groups()[:3])
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


_KNOWN = frozenset(template_names())


def _nested(object_type: str) -> dict[str, str]:
    return nested_fields(object_type) if object_type in _KNOWN else {}


@cache
def expandable(object_type: str) -> dict[str, tuple[str, ...]]:
    """What ``expand[]`` may name on an object of a type: field -> the types one level down
    (``("list:<type>",)`` for an embedded or derived list of that type, ``()`` when nothing
    can be expanded below, ``("*",)`` when the emulator does not know the target type)."""
    out: dict[str, tuple[str, ...]] = {}
    if object_type not in _KNOWN:
        return out
    _, _, expand_ids = field_facts(object_type)
    for name, targets in expand_ids.items():
        known = tuple(t for t in targets if t in _KNOWN)
        out[name] = known if len(known) == len(targets) else ("*",)
    for name in INCLUDABLE.get(object_type, ()):
        out.setdefault(name, ())
    embed = EMBEDDED.get(object_type)
    if embed is not None:
        kids = tuple(
            f"list:{r.object}"
            for r in (*RESOURCES.values(), *SHARED_CHILDREN.values())
            if r.collection == embed[1]
        )
        out[embed[0]] = kids
    for (owner, name), (listed, _, _) in DERIVED_LISTS.items():
        if owner == object_type:
            out[name] = (f"list:{listed}",) if listed else ()
    return out


def _expandable_path(object_type: str, parts: list[str]) -> bool:
    """Whether ``a.b.c`` can be expanded from ``object_type``: each level expandable (or,
    before the last, a field always holding an object, such as ``price`` on a line item)."""
    types: tuple[str, ...] = (object_type,)
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        through = [nested_fields(t)[part] for t in types if part in _nested(t)]
        if through and not last:
            types = tuple(through)
            continue
        if "*" in types:
            return True
        if types and all(t.startswith("list:") for t in types):
            if part != "data":
                return False
            types = tuple(t[5:] for t in types)
            continue
        nexts = [expandable(t).get(part) for t in types]
        found = [n for n in nexts if n is not None]
        if not found:
            return False
        types = tuple(t for n in found for t in n)
    return True


class BadRequestError(Exception):
    """Carries an error response out of parameter validation."""

    def __init__(self, response: errors.ErrorResponse) -> None:
        super().__init__(response[0])
        self.response = response


def check_names(
    params: Params, accepted: frozenset[str], kinds: dict[str, str] | None = None
) -> None:
    for name in params:
        base, bracket, rest = name.partition("[")
        if base not in accepted:
            raise BadRequestError(errors.unknown_parameter(base))
        kind = (kinds or {}).get(base, "range" if base == "created" else "")
        if kind == "range" and bracket and rest[:-1] not in _CREATED_OPS:
            raise BadRequestError(errors.unknown_parameter(name))
        if kind.startswith("object:") and rest[:-1] not in kind[7:].split(","):
            raise BadRequestError(errors.unknown_parameter(name))


def integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequestError(errors.invalid_integer(name, value)) from None


def expansions(params: Params, object_type: str, prefix: str) -> frozenset[str]:
    """The first-level field names to expand; 400 for a name the endpoint cannot expand."""
    names = [v for k, vs in params.items() if k.partition("[")[0] == "expand" for v in vs]
    out: set[str] = set()
    for name in names:
        if prefix and name == prefix[:-1]:
            continue  # expand[]=data on a list: accepted, nothing to do
        if prefix and not name.startswith(prefix):
            hint = prefix + name if _expandable_path(object_type, name.split(".")) else None
            raise BadRequestError(errors.not_expandable(name, hint))
        parts = name.removeprefix(prefix).split(".")
        if not name or not _expandable_path(object_type, parts):
            raise BadRequestError(errors.not_expandable(name))
        out.add(parts[0])
    return frozenset(out)
