"""What a request path names: the account, a list, a child list, one object.

Guarantees: :func:`resolve` maps every path the emulator serves to a :class:`Route` and every
other path to None. The lists and child lists come from the resource table
(:data:`~stripe_emulator.resources.RESOURCES` and its ``SHARED_CHILDREN``: each child resource
names its parent and its list path), plus the two child lists that are no resource of their
own (:data:`OTHER_CHILD_LISTS`); a child list's ``{placeholder}`` matches one path segment.
Every top-level object is retrievable at ``<list path>/<id>``, and so are customers' sources,
cards, bank accounts and balance transactions (``/v1/customers/{customer}/sources/{id}``...)
and the children listed by a parameter (``/v1/subscription_items/{id}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stripe_emulator.account import Filters
from stripe_emulator.resources import PARENT_PARAMS, RESOURCES, SHARED_CHILDREN, Resource

#: A path's ``{placeholder}``: one segment.
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def route_key(path: str) -> str:
    """Normalize a list path to the ``{id}`` spelling (``/v1/invoices/{id}/lines``)."""
    return _PLACEHOLDER.sub("{id}", path)


@dataclass(frozen=True)
class Route:
    """What a request path names."""

    kind: str  # "account" | "list" | "children" | "capabilities" | "retrieve" | "child"
    spec_path: str
    object_type: str
    #: The parent of a child list; the object's id for "retrieve" and "child".
    parent_id: str | None = None
    fixed_filters: Filters = ()
    #: For "child": the customer whose source or balance transaction it is (None for
    #: ``/v1/subscription_items/{id}``).
    owner: str | None = None

    @property
    def key(self) -> str:
        """The normalized list path this route belongs to."""
        return route_key(self.spec_path)


_TOP = {r.path: r.object for r in RESOURCES.values() if r.top_level}

#: Child lists that are no resource of their own: spec path -> (the type they list, the
#: filters they add). A customer's bank accounts are its sources that are bank accounts; a
#: connected account's external accounts are its bank accounts and cards.
OTHER_CHILD_LISTS: dict[str, tuple[str, Filters]] = {
    "/v1/customers/{customer}/bank_accounts": (
        "bank_account",
        (("object", "eq", "bank_account"),),
    ),
    "/v1/accounts/{account}/external_accounts": ("bank_account", ()),
}


def _child_lists() -> dict[str, tuple[str, Filters]]:
    """Every child list named by its parent's id in the path: spec path -> (type, filters).

    A path listing several types (a customer's sources: bank accounts and cards) gives the
    first resource's type."""
    out: dict[str, tuple[str, Filters]] = {}
    for res in (*RESOURCES.values(), *SHARED_CHILDREN.values()):
        if res.parent is not None and "{" in res.path:
            out.setdefault(res.path, (res.object, ()))
    return {**out, **OTHER_CHILD_LISTS}


def _pattern(spec_path: str) -> re.Pattern[str]:
    """A regex of a path with ``{placeholders}``, each one segment, captured."""
    return re.compile("^" + _PLACEHOLDER.sub("([^/]+)", spec_path) + "$")


_CHILD_ROUTES: tuple[tuple[re.Pattern[str], str, str, Filters], ...] = tuple(
    (_pattern(path), path, otype, fixed) for path, (otype, fixed) in _child_lists().items()
)
#: A connected account's capabilities: one list, no paging.
_CAPABILITIES_PATH = "/v1/accounts/{account}/capabilities"
_CAPABILITIES = _pattern(_CAPABILITIES_PATH)
#: Child lists of a type listed under more than one parent type, by spec path.
_SHARED_PATHS = {r.path: r for r in SHARED_CHILDREN.values()}


def route_resource(route: Route) -> Resource:
    """The resource a route lists (a quote's line items, not a Checkout Session's; a
    capability is its account's; a "source" is a card's)."""
    shared = _SHARED_PATHS.get(route.spec_path)
    fallback = "account" if route.object_type == "capability" else "card"
    return shared or RESOURCES.get(route.object_type) or RESOURCES[fallback]


def resolve(path: str) -> Route | None:  # noqa: PLR0911 - one return per kind of path
    """Map a request path to a :class:`Route`, None when the emulator does not serve it."""
    if path == "/v1/account":
        return Route("account", path, "account")
    if path in _TOP:
        return Route("list", path, _TOP[path])
    if path in PARENT_PARAMS:
        return Route("children", path, PARENT_PARAMS[path][0])
    match = _CAPABILITIES.match(path)
    if match:
        return Route("capabilities", _CAPABILITIES_PATH, "capability", match.group(1))
    for pattern, spec_path, object_type, fixed in _CHILD_ROUTES:
        match = pattern.match(path)
        if match:
            return Route("children", spec_path, object_type, match.group(1), fixed)
    head, _, tail = path.rpartition("/")
    if head in _TOP and tail:
        return Route("retrieve", head, _TOP[head], tail)
    if head in PARENT_PARAMS and tail:
        return Route("child", head, PARENT_PARAMS[head][0], tail)
    match = _CHILD_RETRIEVE.match(path)
    if match:
        owner, kind, oid = match.groups()
        spec_path = f"/v1/customers/{{customer}}/{'sources' if kind == 'cards' else kind}"
        return Route("child", spec_path, _CHILD_RETRIEVE_TYPES[kind], oid, owner=owner)
    return None


_CHILD_RETRIEVE = re.compile(
    r"^/v1/customers/([^/]+)/(sources|bank_accounts|cards|balance_transactions)/([^/]+)$"
)
#: What each customer child retrieve may return ("source": a card or a bank account).
_CHILD_RETRIEVE_TYPES = {
    "sources": "source",
    "bank_accounts": "bank_account",
    "cards": "card",
    "balance_transactions": "customer_balance_transaction",
}
