"""Stripe API semantics independent of HTTP: routing, auth, parameter checks, list bodies.

Guarantees: :meth:`Api.handle` never raises for client input; it returns a status, JSON
bytes and the route key (the list path with ``{id}`` placeholders, used for logs and
restricted-key checks). API keys appear in bodies only masked.

Strict as Stripe (2024-06-20), in this order after authentication:
* ``Stripe-Version`` must be ``YYYY-MM-DD`` (a real date) optionally followed by ``.name``;
  otherwise 400 ``api_version_invalid``.
* Query parameters must be the spec's for that path (400 ``parameter_unknown``); required
  ones present (400 ``parameter_missing``); integers, booleans and enum values valid (400;
  ``status=all`` exists on ``/v1/subscriptions`` only); ``types[]`` at most 20 and never
  with ``type`` (400 ``parameters_exclusive``).
* ``expand[]`` must name what the endpoint can expand (lists: ``data.<field>``): an
  expandable id field (``x-expansionResources``), an includable field or list, each level
  of a dotted path checked where the emulator knows the target type; otherwise 400 "This
  property cannot be expanded (name).". The first level is honoured; deeper levels are
  accepted and not applied.
* Every documented filter is applied (``customer``, ``status``, ``type``, ``types[]``,
  ``payout``, ``pending``, ``ids[]``, ``due_date[...]``, ``customer_details[email]``...).
* Every top-level object is retrievable at ``<list path>/<id>``, and so are customers'
  sources, cards, bank accounts and balance transactions
  (``/v1/customers/{customer}/sources/{id}``...) and subscription items
  (``/v1/subscription_items/{id}``); a deleted customer answers its stub, anything else
  unknown or deleted 404 ``resource_missing`` with ``param`` ``id``.
* An unknown or deleted cursor, and a child list whose parent is unknown or deleted, answer
  404 ``resource_missing`` ("No such customer: 'cus_x'", ``param`` ``starting_after``,
  ``ending_before`` or, for ``/v1/subscription_items``, ``subscription``).
* Connect: ``/v1/accounts`` lists the platform's connected accounts (given as an unavailable
  path: empty, as Stripe lists none for an account that is not a platform); each account's
  ``persons`` and ``external_accounts`` are paged lists, its ``capabilities`` one list that
  takes only ``expand[]``; ``/v1/issuing/tokens`` needs ``card`` and filters by ``created``.
  A connected account's :class:`Api` (``platform=``) takes its platform's keys and is no
  platform: its ``/v1/accounts`` is empty, an account's retrieve or children 404.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Iterable, Mapping

import orjson

from stripe_emulator import errors
from stripe_emulator.account import Account, CursorMissingError, Filters, Page, Query
from stripe_emulator.params import (
    BadRequestError,
    Params,
    check_names,
    expandable,
    expansions,
    integer,
    valid_version,
)
from stripe_emulator.resources import HIDDEN_BY_DEFAULT, PARENT_PARAMS
from stripe_emulator.routes import Route, resolve, route_key, route_resource
from stripe_emulator.templates import list_params, param_enums, param_kinds, required_params

__all__ = [
    "MAX_EVENT_TYPES",
    "Api",
    "BadRequestError",
    "Params",
    "Route",
    "expandable",
    "list_body",
    "resolve",
    "route_key",
    "valid_version",
]

_PAGING = frozenset(("limit", "starting_after", "ending_before", "expand", "created"))
#: ``/v1/payouts`` ``status`` values (the spec gives the parameter no enum; Stripe's docs do).
_PAYOUT_STATUSES = ["canceled", "failed", "in_transit", "paid", "pending"]
MAX_EVENT_TYPES = 20
_FEATURES = {
    "checkout": "Checkout",
    "transfers": "Connect",
    "disputes": "Disputes",
    "issuing": "Issuing",
    "identity": "Identity",
    "terminal": "Terminal",
    "climate": "Climate",
    "sigma": "Sigma",
}
#: The list a non-platform account answers empty (Stripe: "If you're not a platform, the
#: list is empty"), when given as an unavailable path.
_EMPTY_WHEN_UNAVAILABLE = frozenset(("/v1/accounts",))


class Api:
    """Answers GET requests against one :class:`Account`."""

    def __init__(
        self,
        account: Account,
        restricted_keys: Mapping[str, Iterable[str]] | None = None,
        unavailable_paths: Iterable[str] = (),
        *,
        platform: Account | None = None,
    ) -> None:
        self.account = account
        #: A connected account's platform: its key authenticates, and ``account`` is no
        #: platform itself (``/v1/accounts`` lists none; an account's retrieve or children
        #: answer 404, as for any account it does not have). None: ``account`` itself.
        self.platform = platform
        self.restricted = {k: {route_key(p) for p in v} for k, v in (restricted_keys or {}).items()}
        self.unavailable = {route_key(p) for p in unavailable_paths}

    def authenticate(self, authorization: str | None) -> tuple[str | None, bool]:
        """Return (key given, whether it is valid) from an ``Authorization`` header."""
        key = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() == "bearer":
                key = value.strip()
            elif scheme.lower() == "basic":
                try:
                    key = base64.b64decode(value.strip()).decode().partition(":")[0]
                except (binascii.Error, UnicodeDecodeError):
                    key = value
        owner = self.platform or self.account
        valid = bool(key) and (key == owner.api_key or key in self.restricted)
        return key, valid

    def handle(  # noqa: PLR0911 - one early answer per check
        self,
        path: str,
        params: Params,
        authorization: str | None,
        stripe_account: str | None,
        stripe_version: str | None = None,
    ) -> tuple[int, bytes, str]:
        """Answer one GET; returns (status, body, route key or the raw path).

        ``stripe_version`` is the ``Stripe-Version`` header (None when absent: the account's
        pinned version); a malformed one answers 400 ``api_version_invalid``."""
        key, valid = self.authenticate(authorization)
        if not valid:
            status, body = errors.invalid_api_key(key)
            return status, body, path
        assert key is not None
        if stripe_version is not None and not valid_version(stripe_version):
            status, body = errors.invalid_version(stripe_version)
            return status, body, path
        if stripe_account is not None and stripe_account != self.account.id:
            status, body = errors.account_mismatch(key, stripe_account)
            return status, body, path
        route = resolve(path)
        if route is None:
            status, body = errors.unrecognized_url("GET", path)
            return status, body, path
        allowed = self.restricted.get(key)
        if allowed is not None and route.kind != "account" and route.key not in allowed:
            permission = route_resource(route).permission  # "source": a card's
            status, body = errors.missing_permission(key, self.account.id, permission)
            return status, body, route.key
        if self.platform is not None and route.key.startswith("/v1/accounts"):
            return (*self._not_a_platform(route, params), route.key)
        if route.key in self.unavailable and route.key in _EMPTY_WHEN_UNAVAILABLE:
            return 200, list_body(Page([], has_more=False), route.spec_path), route.key
        if route.key in self.unavailable:
            segment = route.key.split("/")[2]
            feature = _FEATURES.get(segment, segment.replace("_", " ").title())
            status, body = errors.not_set_up(feature)
            return status, body, route.key
        try:
            status, body = self._answer(route, params)
        except BadRequestError as exc:
            status, body = exc.response
        return status, body, route.key

    # ------------------------------------------------------------------ answering
    def _not_a_platform(self, route: Route, params: Params) -> tuple[int, bytes]:
        """A connected account's ``/v1/accounts`` (its parameters checked): empty; an
        account's retrieve, children or capabilities: 404, no such account."""
        if route.kind != "list":
            param = "id" if route.kind == "retrieve" else None
            return errors.no_such("account", str(route.parent_id), param, 404)
        try:
            check_names(params, list_params(route.spec_path), param_kinds(route.spec_path))
            self._query(route, params)
        except BadRequestError as exc:
            return exc.response
        return 200, list_body(Page([], has_more=False), route.spec_path)

    def _answer(self, route: Route, params: Params) -> tuple[int, bytes]:  # noqa: PLR0911
        if route.kind == "account":
            check_names(params, frozenset(("expand",)))
            expansions(params, "account", prefix="")
            # a connected account is the platform's account object of it (while listed)
            listed = self.platform and self.platform.retrieve_bytes("account", self.account.id)
            return 200, listed or self.account.account_bytes()
        if route.kind == "retrieve":
            check_names(params, frozenset(("expand",)))
            assert route.parent_id is not None
            body = self.account.retrieve_bytes(
                route.object_type, route.parent_id, expansions(params, route.object_type, prefix="")
            )
            if body is None:
                return errors.no_such(route.object_type, route.parent_id, "id", 404)
            return 200, body
        if route.kind == "child":
            return self._child(route, params)
        if route.kind == "capabilities":
            return self._capabilities(route, params)
        accepted = list_params(route.spec_path)
        check_names(params, accepted, param_kinds(route.spec_path))
        for name in sorted(required_params(route.spec_path)):
            if not params.get(name) or not params[name][-1]:
                raise BadRequestError(errors.missing_parameter(name))
        query = self._query(route, params)
        owner = params.get("owner[customer]")
        if (
            route.spec_path == "/v1/tax_ids"
            and owner
            and params.get("owner[type]") == ["customer"]
            and self.account.has_parent("customer", owner[-1])
        ):
            # a customer's tax ids, as ``/v1/customers/{customer}/tax_ids`` lists them
            mine = [f for f in query.filters if not f[0].startswith("owner.")]
            route = Route("children", "/v1/customers/{customer}/tax_ids", "tax_id", owner[-1])
            query = dataclasses.replace(query, filters=tuple(mine))
        if route.kind == "list":
            url = route.spec_path
            try:
                page = self.account.page(route.object_type, query)
            except CursorMissingError as exc:
                return _cursor_error(exc, query)
            return 200, list_body(page, url)
        return self._children(route, params, query)

    def _child(self, route: Route, params: Params) -> tuple[int, bytes]:
        """One child by id: a customer's source, bank account, card or balance transaction,
        or a subscription item; 404 ``resource_missing`` when it is not the owner's."""
        check_names(params, frozenset(("expand",)))
        assert route.parent_id is not None
        if route.owner is not None and not self.account.has_parent("customer", route.owner):
            return errors.no_such("customer", route.owner, "customer", 404)
        types = ("card", "bank_account") if route.object_type == "source" else (route.object_type,)
        expand = expansions(params, types[0], prefix="")
        body = self.account.child_bytes(types, route.parent_id, route.owner, expand)
        if body is None:
            return errors.no_such(route.object_type, route.parent_id, "id", 404)
        return 200, body

    def _capabilities(self, route: Route, params: Params) -> tuple[int, bytes]:
        """Every capability of a connected account in one list (it takes no paging)."""
        check_names(params, list_params(route.spec_path))
        assert route.parent_id is not None
        expansions(params, "capability", prefix="data.")
        caps = self.account.capabilities(route.parent_id)
        if caps is None:
            return errors.no_such("account", route.parent_id, None, 404)
        url = f"/v1/accounts/{route.parent_id}/capabilities"
        return 200, list_body(Page([orjson.dumps(c) for c in caps], has_more=False), url)

    def _children(self, route: Route, params: Params, query: Query) -> tuple[int, bytes]:
        res = route_resource(route)
        assert res.parent is not None
        assert res.collection is not None
        if route.spec_path.endswith("/external_accounts"):
            res = dataclasses.replace(res, parent="account", collection="external_accounts")
        parent_type, collection = str(res.parent), str(res.collection)
        if query.created:  # a child list that filters ``created``: Issuing tokens, setup
            # attempts, Treasury's lists
            bounds = tuple(("created", op, str(value)) for op, value in query.created)
            query = dataclasses.replace(query, filters=tuple(sorted(query.filters + bounds)))
        if route.parent_id is None:  # /v1/subscription_items?subscription=...
            param = PARENT_PARAMS[route.spec_path][1]
            parent, url = params[param][-1], route.spec_path
        else:
            parent, param = route.parent_id, None
            url = route.spec_path.split("{")[0] + parent + route.spec_path.split("}")[1]
        if not self.account.has_parent(parent_type, parent):
            return errors.no_such(parent_type, parent, param, 404)
        try:
            page = self.account.children_page(route.object_type, collection, parent, query)
        except CursorMissingError as exc:
            if route.spec_path.endswith(("/sources", "/external_accounts")):  # card or bank
                exc = CursorMissingError("source", exc.object_id)
            return _cursor_error(exc, query)
        return 200, list_body(page, url)

    def _query(self, route: Route, params: Params) -> Query:
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
            filters=tuple(sorted(route.fixed_filters + self._filters(route, params))),
            expand=expansions(params, route.object_type, prefix="data."),
        )

    def _filters(self, route: Route, params: Params) -> Filters:  # noqa: PLR0912, PLR0915
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
        found: list[tuple[str, str, str]] = []
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
        if otype == "event" and "type" in grouped and "types" in grouped:
            raise BadRequestError(errors.exclusive(("type", "types")))
        for base, pairs in sorted(grouped.items()):
            kind = kinds[base]
            value = pairs[-1][1]
            if base in enums and value not in enums[base]:
                raise BadRequestError(errors.invalid_enum(base, enums[base]))
            if base == "order_by":  # Treasury lists: emulated as newest ``created`` first
                continue
            if kind == "range":
                for op, raw in pairs:
                    if op == "":
                        number = str(integer(base, raw))
                        found += [(base, "gte", number), (base, "lte", number)]
                    else:
                        found.append((base, op, str(integer(f"{base}[{op}]", raw))))
            elif kind == "boolean":
                if value not in ("true", "false"):
                    raise BadRequestError(errors.invalid_boolean(base, value))
                if base == "pending":  # invoice items not yet on an invoice
                    found.append(("invoice", "null", value))
                elif base == "scheduled":  # subscription schedules not started yet
                    found.append(("status", "eq" if value == "true" else "ne", "not_started"))
                elif otype == "entitlements.feature" and base == "archived":
                    found.append(("active", "eq", "false" if value == "true" else "true"))
                elif base == "delivery_success":  # every emulated webhook was delivered
                    found.append(("pending_webhooks", "eq" if value == "true" else "ne", "0"))
                else:
                    found.append((base, "eq", value))
            elif kind == "array":
                items = [v for _, v in pairs]
                if base == "types" and len(items) > MAX_EVENT_TYPES:
                    raise BadRequestError(
                        errors.too_many_items("types", len(items), MAX_EVENT_TYPES)
                    )
                field = {"types": "type", "lookup_keys": "lookup_key"}.get(base, "id")
                found.append((field, "in", "|".join(items)))
            elif kind.startswith("object:"):
                for key, raw in pairs:
                    found.append((f"{base}.{key}", "eq", raw))
            elif otype == "subscription" and base == "status":
                if value == "ended":
                    found.append(("status", "in", "canceled|incomplete_expired"))
                elif value != "all":
                    found.append(("status", "eq", value))
            elif otype == "radar.value_list" and base == "contains":
                owners = self.account.parents_with_child("list_items", "value", value)
                found.append(("id", "in", "|".join(sorted(owners))))
            elif otype == "subscription" and base == "price":
                owners = self.account.parents_with_child("items", "price", value)
                found.append(("id", "in", "|".join(sorted(owners))))
            elif otype == "billing.alert" and base == "meter":
                found.append(("usage_threshold_config.meter", "eq", value))
            elif otype == "tax.registration" and base == "status" and value == "all":
                pass  # every registration: active, scheduled and expired
            elif otype == "shipping_rate" and base == "currency":
                found.append(("fixed_amount.currency", "eq", value))
            elif otype == "balance_transaction" and base == "payout":
                found.append(("source", "eq", value))  # the payout's own transaction
            elif otype == "event" and base == "type" and value.endswith("*"):
                found.append(("type", "prefix", value[:-1]))
            else:
                found.append((base, "eq", value))
        return tuple(found)


def list_body(page: Page, url: str) -> bytes:
    """Assemble a Stripe list object from pre-rendered object bytes."""
    return b"".join(
        (
            b'{"object":"list","data":[',
            b",".join(page.chunks),
            b'],"has_more":',
            b"true" if page.has_more else b"false",
            b',"url":',
            orjson.dumps(url),
            b"}",
        )
    )


def _cursor_error(exc: CursorMissingError, query: Query) -> tuple[int, bytes]:
    param = "starting_after" if query.starting_after == exc.object_id else "ending_before"
    return errors.no_such(exc.object_type, exc.object_id, param, 404)
