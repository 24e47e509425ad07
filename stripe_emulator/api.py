"""Stripe API semantics independent of HTTP: auth, then the answer to one GET.

Guarantees: :meth:`Api.handle` never raises for client input; it returns a status, JSON
bytes and the route key (the list path with ``{id}`` placeholders, used for logs and
restricted-key checks). API keys appear in bodies only masked. Its parts: ``routes.py``
(what a path names), ``params.py`` (parameter names, integers, ``expand[]``, the version),
``filters.py`` (a list's page and filters).

Strict as Stripe (2024-06-20), in this order after authentication:
* ``Stripe-Version`` must be ``YYYY-MM-DD`` (a real date) optionally followed by ``.name``;
  otherwise 400 ``api_version_invalid``.
* Query parameters must be the spec's for that path (400 ``parameter_unknown``); required
  ones present (400 ``parameter_missing``); integers, booleans and enum values valid (400;
  ``status=all`` exists on ``/v1/subscriptions`` only); ``types[]`` at most 20 and never
  with ``type`` (400 ``parameters_exclusive``).
* ``expand[]`` must name what the endpoint can expand (``params.py``); every documented
  filter is applied (``filters.py``).
* Every top-level object is retrievable at ``<list path>/<id>``, and so are customers'
  sources, cards, bank accounts and balance transactions and subscription items
  (``routes.py``); a deleted customer answers its stub, anything else unknown or deleted
  404 ``resource_missing`` with ``param`` ``id``.
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
from stripe_emulator.account import Account, CursorMissingError, Page, Query
from stripe_emulator.filters import MAX_EVENT_TYPES, list_query
from stripe_emulator.params import (
    BadRequestError,
    Params,
    check_names,
    expandable,
    expansions,
    valid_version,
)
from stripe_emulator.resources import PARENT_PARAMS
from stripe_emulator.routes import Route, resolve, route_key, route_resource
from stripe_emulator.templates import list_params, param_kinds, required_params

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

#: The product an unavailable list belongs to, by its path's first segment (any other: the
#: segment, titled), for Stripe's "not set up" answer.
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
            list_query(self.account, route, params)
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
        query = list_query(self.account, route, params)
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
