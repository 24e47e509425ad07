"""What a list request selects: its page (limit, cursors, ``created``) and its filters.

Guarantees: :func:`list_query` turns checked parameter names into a
:class:`~stripe_emulator.account.Query`, or raises
:class:`~stripe_emulator.params.BadRequestError` with Stripe's 400 (a limit outside 1..100,
both cursors, a value that is not an integer, a boolean or one of the parameter's enum
values, ``types[]`` with more than 20 items or with ``type``). Every documented filter is
applied as Stripe applies it (``customer``, ``status``, ``type``, ``types[]``, ``payout``,
``pending``, ``ids[]``, ``due_date[...]``, ``customer_details[email]``...), and so are the
defaults of a list given none: canceled subscriptions, closed reviews and inactive prices
left out, ``/v1/tax_ids`` the account's own (``owner[type]=self``).
"""

from __future__ import annotations

from stripe_emulator import errors
from stripe_emulator.account import Account, Filters, Query
from stripe_emulator.params import BadRequestError, Params, expansions, integer
from stripe_emulator.resources import HIDDEN_BY_DEFAULT
from stripe_emulator.routes import Route
from stripe_emulator.templates import list_params, param_enums, param_kinds

Filter = tuple[str, str, str]
_PAGING = frozenset(("limit", "starting_after", "ending_before", "expand", "created"))
#: ``/v1/payouts`` ``status`` values (the spec gives the parameter no enum; Stripe's docs do).
_PAYOUT_STATUSES = ["canceled", "failed", "in_transit", "paid", "pending"]
MAX_EVENT_TYPES = 20
#: Array parameters that filter a field other than ``id`` (``ids[]``): parameter -> field.
_ARRAY_FIELDS = {"types": "type", "lookup_keys": "lookup_key"}
#: Filters on a field named otherwise than the parameter: (type, parameter) -> field.
_FIELDS = {
    ("billing.alert", "meter"): "usage_threshold_config.meter",
    ("shipping_rate", "currency"): "fixed_amount.currency",
    ("balance_transaction", "payout"): "source",  # the payout's own transaction
}
#: Filters on a child's field: (type, parameter) -> (the child collection, the child's field);
#: a value list that ``contains`` a value, a subscription with an item of a ``price``.
_BY_CHILD = {
    ("radar.value_list", "contains"): ("list_items", "value"),
    ("subscription", "price"): ("items", "price"),
}


def list_query(account: Account, route: Route, params: Params) -> Query:
    """The page and filters a list request asks for (its parameter names already checked)."""
    # A list without paging parameters (``/v1/reporting/report_types``) is one page.
    limit = 10 if "limit" in list_params(route.spec_path) else 1_000_000
    if "limit" in params:
        limit = integer("limit", params["limit"][-1])
        if not 1 <= limit <= 100:
            raise BadRequestError(errors.limit_out_of_range(limit))
    after = (params.get("starting_after") or [""])[-1] or None
    before = (params.get("ending_before") or [""])[-1] or None
    if after and before:
        raise BadRequestError(errors.exclusive_cursors())
    created: list[tuple[str, int]] = []
    for name, values in params.items():
        if name == "created":
            value = integer(name, values[-1])
            created += [("gte", value), ("lte", value)]
        elif name.startswith("created["):
            created.append((name[8:-1], integer(name, values[-1])))
    return Query(
        limit=limit,
        starting_after=after,
        ending_before=before,
        created=tuple(created),
        filters=tuple(sorted(route.fixed_filters + list_filters(account, route, params))),
        expand=expansions(params, route.object_type, prefix="data."),
    )


def list_filters(account: Account, route: Route, params: Params) -> Filters:
    """The documented filters of this list path as ``(field, op, value)`` triples."""
    kinds = param_kinds(route.spec_path)
    enums = param_enums(route.spec_path)
    if route.spec_path == "/v1/payouts":
        enums["status"] = _PAYOUT_STATUSES
    otype = route.object_type
    grouped: dict[str, list[tuple[str, str]]] = {}
    for name, values in params.items():
        base, _, rest = name.partition("[")
        if base in _PAGING or base not in kinds:
            continue
        grouped.setdefault(base, []).extend((rest.rstrip("]"), v) for v in values)
    found = _defaults(route, grouped)
    if otype == "event" and "type" in grouped and "types" in grouped:
        raise BadRequestError(errors.exclusive(("type", "types")))
    for base, pairs in sorted(grouped.items()):
        value = pairs[-1][1]
        if base in enums and value not in enums[base]:
            raise BadRequestError(errors.invalid_enum(base, enums[base]))
        found += _filter(account, otype, base, kinds[base], pairs)
    return tuple(found)


def _defaults(route: Route, grouped: dict[str, list[tuple[str, str]]]) -> list[Filter]:
    """What a list leaves out unless its parameters ask for it."""
    otype = route.object_type
    found: list[Filter] = []
    if otype == "subscription" and "status" not in grouped:
        found.append(("status", "ne", "canceled"))  # Stripe hides canceled by default
    if otype in HIDDEN_BY_DEFAULT:  # open reviews, active prices, unless asked otherwise
        found += [
            (name, "ne", value)
            for name, op, value in HIDDEN_BY_DEFAULT[otype]
            if op == "eq" and name not in grouped
        ]
    if route.spec_path == "/v1/tax_ids" and "owner" not in grouped:
        found.append(("owner.type", "eq", "self"))  # "Defaults to owner[type]=self"
    return found


def _filter(
    account: Account, otype: str, base: str, kind: str, pairs: list[tuple[str, str]]
) -> list[Filter]:
    """The filters of one parameter (``pairs``: its ``[key]`` and value, as given)."""
    value = pairs[-1][1]
    if base == "order_by":  # Treasury lists: emulated as newest ``created`` first
        return []
    if kind == "range":
        found: list[Filter] = []
        for op, raw in pairs:
            if op == "":
                number = str(integer(base, raw))
                found += [(base, "gte", number), (base, "lte", number)]
            else:
                found.append((base, op, str(integer(f"{base}[{op}]", raw))))
        return found
    if kind == "boolean":
        return [_boolean(otype, base, value)]
    if kind == "array":
        items = [v for _, v in pairs]
        if base == "types" and len(items) > MAX_EVENT_TYPES:
            raise BadRequestError(errors.too_many_items("types", len(items), MAX_EVENT_TYPES))
        return [(_ARRAY_FIELDS.get(base, "id"), "in", "|".join(items))]
    if kind.startswith("object:"):
        return [(f"{base}.{key}", "eq", raw) for key, raw in pairs]
    return _string(account, otype, base, value)


def _boolean(otype: str, base: str, value: str) -> Filter:
    """The filter of a boolean parameter; 400 for a value other than true or false."""
    if value not in ("true", "false"):
        raise BadRequestError(errors.invalid_boolean(base, value))
    yes = value == "true"
    if base == "pending":  # invoice items not yet on an invoice
        return ("invoice", "null", value)
    if base == "scheduled":  # subscription schedules not started yet
        return ("status", "eq" if yes else "ne", "not_started")
    if otype == "entitlements.feature" and base == "archived":
        return ("active", "eq", "false" if yes else "true")
    if base == "delivery_success":  # every emulated webhook was delivered
        return ("pending_webhooks", "eq" if yes else "ne", "0")
    return (base, "eq", value)


def _string(account: Account, otype: str, base: str, value: str) -> list[Filter]:
    """The filter of a string parameter: mostly its field equal to the value."""
    if otype == "subscription" and base == "status":
        if value == "ended":
            return [("status", "in", "canceled|incomplete_expired")]
        return [] if value == "all" else [("status", "eq", value)]
    if (otype, base) in _BY_CHILD:
        collection, field = _BY_CHILD[otype, base]
        owners = account.parents_with_child(collection, field, value)
        return [("id", "in", "|".join(sorted(owners)))]
    if otype == "tax.registration" and base == "status" and value == "all":
        return []  # every registration: active, scheduled and expired
    if otype == "event" and base == "type" and value.endswith("*"):
        return [("type", "prefix", value[:-1])]
    return [(_FIELDS.get((otype, base), base), "eq", value)]
