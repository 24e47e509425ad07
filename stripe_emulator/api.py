"""Stripe API semantics independent of HTTP: routing, auth, parameter checks, list bodies.

Guarantees: :meth:`Api.handle` never raises for client input; it returns a status, JSON
bytes and the route key (the list path with ``{id}`` placeholders, used for logs and
restricted-key checks). API keys appear in bodies only masked.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import orjson

from stripe_emulator import errors
from stripe_emulator.account import Account, CursorMissingError, Filters, Page, Query
from stripe_emulator.resources import RESOURCES
from stripe_emulator.templates import list_params, required_params, template

Params = dict[str, list[str]]
_CREATED_OPS = ("gt", "gte", "lt", "lte")
_PAGING = frozenset(("limit", "starting_after", "ending_before", "expand", "created"))
_FEATURES = {"checkout": "Checkout", "transfers": "Connect", "disputes": "Disputes"}


def route_key(path: str) -> str:
    """Normalize a list path to the ``{id}`` spelling (``/v1/invoices/{id}/lines``)."""
    return re.sub(r"\{[^}]+\}", "{id}", path)


@dataclass(frozen=True)
class Route:
    """What a request path names."""

    kind: str  # "account" | "list" | "children" | "retrieve"
    spec_path: str
    object_type: str
    parent_id: str | None = None
    fixed_filters: Filters = ()

    @property
    def key(self) -> str:
        """The normalized list path this route belongs to."""
        return route_key(self.spec_path)


_TOP = {r.path: r.object for r in RESOURCES.values() if r.top_level}
_CHILD_ROUTES: tuple[tuple[re.Pattern[str], str, str, Filters], ...] = (
    (re.compile(r"^/v1/invoices/([^/]+)/lines$"), "/v1/invoices/{invoice}/lines", "line_item", ()),
    (
        re.compile(r"^/v1/customers/([^/]+)/sources$"),
        "/v1/customers/{customer}/sources",
        "bank_account",
        (),
    ),
    (
        re.compile(r"^/v1/customers/([^/]+)/bank_accounts$"),
        "/v1/customers/{customer}/bank_accounts",
        "bank_account",
        (("object", "bank_account"),),
    ),
    (
        re.compile(r"^/v1/customers/([^/]+)/balance_transactions$"),
        "/v1/customers/{customer}/balance_transactions",
        "customer_balance_transaction",
        (),
    ),
    (
        re.compile(r"^/v1/checkout/sessions/([^/]+)/line_items$"),
        "/v1/checkout/sessions/{session}/line_items",
        "item",
        (),
    ),
)


def resolve(path: str) -> Route | None:
    """Map a request path to a :class:`Route`, None when the emulator does not serve it."""
    if path == "/v1/account":
        return Route("account", path, "account")
    if path in _TOP:
        return Route("list", path, _TOP[path])
    if path == "/v1/subscription_items":
        return Route("children", path, "subscription_item")
    for pattern, spec_path, object_type, fixed in _CHILD_ROUTES:
        match = pattern.match(path)
        if match:
            return Route("children", spec_path, object_type, match.group(1), fixed)
    head, _, tail = path.rpartition("/")
    if head in _TOP and tail:
        return Route("retrieve", head, _TOP[head], tail)
    return None


@cache
def _fields(object_type: str) -> frozenset[str]:
    return frozenset(template(object_type))


class BadRequestError(Exception):
    """Carries an error response out of parameter validation."""

    def __init__(self, response: errors.ErrorResponse) -> None:
        super().__init__(response[0])
        self.response = response


class Api:
    """Answers GET requests against one :class:`Account`."""

    def __init__(
        self,
        account: Account,
        restricted_keys: Mapping[str, Iterable[str]] | None = None,
        unavailable_paths: Iterable[str] = (),
    ) -> None:
        self.account = account
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
        valid = bool(key) and (key == self.account.api_key or key in self.restricted)
        return key, valid

    def handle(
        self, path: str, params: Params, authorization: str | None, stripe_account: str | None
    ) -> tuple[int, bytes, str]:
        """Answer one GET; returns (status, body, route key or the raw path)."""
        key, valid = self.authenticate(authorization)
        if not valid:
            status, body = errors.invalid_api_key(key)
            return status, body, path
        assert key is not None
        if stripe_account is not None and stripe_account != self.account.id:
            status, body = errors.account_mismatch(key, stripe_account)
            return status, body, path
        route = resolve(path)
        if route is None:
            status, body = errors.unrecognized_url("GET", path)
            return status, body, path
        allowed = self.restricted.get(key)
        if allowed is not None and route.kind != "account" and route.key not in allowed:
            permission = RESOURCES[route.object_type].permission
            status, body = errors.missing_permission(key, self.account.id, permission)
            return status, body, route.key
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
    def _answer(self, route: Route, params: Params) -> tuple[int, bytes]:
        if route.kind == "account":
            _check_names(params, frozenset(("expand",)))
            return 200, self.account.account_bytes()
        if route.kind == "retrieve":
            _check_names(params, frozenset(("expand",)))
            assert route.parent_id is not None
            body = self.account.retrieve_bytes(
                route.object_type, route.parent_id, _expand(params, prefix="")
            )
            if body is None:
                return errors.no_such(route.object_type, route.parent_id, "id", 404)
            return 200, body
        accepted = list_params(route.spec_path)
        _check_names(params, accepted)
        for name in sorted(required_params(route.spec_path)):
            if not params.get(name) or not params[name][-1]:
                raise BadRequestError(errors.missing_parameter(name))
        query = self._query(route, params)
        if route.kind == "list":
            url = route.spec_path
            try:
                page = self.account.page(route.object_type, query)
            except CursorMissingError as exc:
                return _cursor_error(exc, query)
            return 200, list_body(page, url)
        return self._children(route, params, query)

    def _children(self, route: Route, params: Params, query: Query) -> tuple[int, bytes]:
        res = RESOURCES[route.object_type]
        assert res.parent is not None
        assert res.collection is not None
        if route.parent_id is None:  # /v1/subscription_items?subscription=...
            parent, url, status = params["subscription"][-1], route.spec_path, 400
        else:
            parent = route.parent_id
            url = route.spec_path.split("{")[0] + parent + route.spec_path.split("}")[1]
            status = 404
        if not self.account.has_parent(res.parent, parent):
            param = "subscription" if status == 400 else None
            return errors.no_such(res.parent, parent, param, status)
        try:
            page = self.account.children_page(route.object_type, res.collection, parent, query)
        except CursorMissingError as exc:
            return _cursor_error(exc, query)
        return 200, list_body(page, url)

    def _query(self, route: Route, params: Params) -> Query:
        limit = 10
        if "limit" in params:
            limit = _integer("limit", params["limit"][-1])
            if not 1 <= limit <= 100:
                raise BadRequestError(errors.limit_out_of_range(limit))
        after = (params.get("starting_after") or [""])[-1] or None
        before = (params.get("ending_before") or [""])[-1] or None
        if after and before:
            raise BadRequestError(errors.exclusive_cursors())
        created: list[tuple[str, int]] = []
        for name, values in params.items():
            if name == "created":
                value = _integer(name, values[-1])
                created += [("gte", value), ("lte", value)]
            elif name.startswith("created["):
                created.append((name[8:-1], _integer(name, values[-1])))
        retention = self.account.event_retention_days
        if route.object_type == "event" and retention is not None:
            # Stripe keeps events for 30 days: older ones are no longer listed.
            created.append(("gte", self.account.clock() - retention * 86_400))
        return Query(
            limit=limit,
            starting_after=after,
            ending_before=before,
            created=tuple(created),
            filters=route.fixed_filters + self._filters(route, params),
            expand=_expand(params, prefix="data."),
        )

    @staticmethod
    def _filters(route: Route, params: Params) -> Filters:
        found: list[tuple[str, str]] = []
        if route.object_type == "subscription":
            status = (params.get("status") or [""])[-1]
            if status == "ended":
                found.append(("status", "canceled|incomplete_expired"))
            elif status and status != "all":
                found.append(("status", status))
            elif not status:
                found.append(("status", "-canceled"))
        if route.object_type == "event" and params.get("types[]"):
            found.append(("type", "|".join(params["types[]"])))
        fields = _fields(route.object_type)
        for name in sorted(params):
            if name in _PAGING or (name == "status" and route.object_type == "subscription"):
                continue
            value = params[name][-1]
            if name in fields and value and not value.startswith("-") and "|" not in value:
                found.append((name, value))
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
    return errors.no_such(exc.object_type, exc.object_id, param, 400)


def _check_names(params: Params, accepted: frozenset[str]) -> None:
    for name in params:
        base, bracket, rest = name.partition("[")
        if base not in accepted:
            raise BadRequestError(errors.unknown_parameter(base))
        if base == "created" and bracket and rest[:-1] not in _CREATED_OPS:
            raise BadRequestError(errors.unknown_parameter(name))


def _integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequestError(errors.invalid_integer(name, value)) from None


def _expand(params: Params, prefix: str) -> frozenset[str]:
    names = [v for k, vs in params.items() if k.partition("[")[0] == "expand" for v in vs]
    return frozenset(n.removeprefix(prefix) for n in names)
