"""What Stripe leaves out of a stored object: null values of fields the spec does not let be
null, and the includable fields of nested prices, plans and coupons.

Guarantees: :func:`strip_nulls` never mutates its argument (it returns the object itself when
nothing changes, else a copy); the spec facts it reads are computed once per type.
"""

from __future__ import annotations

from functools import cache

from stripe_emulator.query import Obj
from stripe_emulator.resources import INCLUDABLE
from stripe_emulator.templates import field_facts, nested_fields, template


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
