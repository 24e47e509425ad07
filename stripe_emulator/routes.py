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


def route_key(path: str) -> str:
    """Normalize a list path to the ``{id}`` spelling (``/v1/invoices/{id}/lines``)."""
    return re.sub(r"\{[^}]+\}", "{id}", path)


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
    return re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", spec_path) + "$")


_CHILD_ROUTES: tuple[tuple[re.Pattern[str], str, str, Filters], ...] = tuple(
    (_pattern(path), path, otype, fixed) for path, (otype, fixed) in _child_lists().items()
)
_OLD_CHILD_ROUTES: tuple[tuple[re.Pattern[str], str, str, Filters], ...] = (
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
        (("object", "eq", "bank_account"),),
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
    (
        re.compile(r"^/v1/credit_notes/([^/]+)/lines$"),
        "/v1/credit_notes/{credit_note}/lines",
        "credit_note_line_item",
        (),
    ),
    (
        re.compile(r"^/v1/transfers/([^/]+)/reversals$"),
        "/v1/transfers/{id}/reversals",
        "transfer_reversal",
        (),
    ),
    (
        re.compile(r"^/v1/application_fees/([^/]+)/refunds$"),
        "/v1/application_fees/{id}/refunds",
        "fee_refund",
        (),
    ),
    (
        re.compile(r"^/v1/customers/([^/]+)/payment_methods$"),
        "/v1/customers/{customer}/payment_methods",
        "payment_method",
        (),
    ),
    (
        re.compile(r"^/v1/customers/([^/]+)/cash_balance_transactions$"),
        "/v1/customers/{customer}/cash_balance_transactions",
        "customer_cash_balance_transaction",
        (),
    ),
    (
        re.compile(r"^/v1/products/([^/]+)/features$"),
        "/v1/products/{product}/features",
        "product_feature",
        (),
    ),
    (
        re.compile(r"^/v1/accounts/([^/]+)/persons$"),
        "/v1/accounts/{account}/persons",
        "person",
        (),
    ),
    (
        re.compile(r"^/v1/accounts/([^/]+)/external_accounts$"),
        "/v1/accounts/{account}/external_accounts",
        "bank_account",  # and cards: the account's external accounts
        (),
    ),
    *(
        (re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", r.path) + "$"), r.path, r.object, ())
        for r in SHARED_CHILDREN.values()
    ),
)


def _as_set(
    routes: tuple[tuple[re.Pattern[str], str, str, Filters], ...],
) -> set[tuple[str, str, str, Filters]]:
    return {(p.pattern, path, otype, fixed) for p, path, otype, fixed in routes}


# The derived table is the hand-written one (its order aside: no path matches two patterns).
assert _as_set(_CHILD_ROUTES) == _as_set(_OLD_CHILD_ROUTES)
assert len(_CHILD_ROUTES) == len(_OLD_CHILD_ROUTES)
assert all(
    sum(bool(p.match(re.sub(r"\{[^}]+\}", "x", path))) for p, *_ in _CHILD_ROUTES) == 1
    for _, path, _, _ in _CHILD_ROUTES
)

_CAPABILITIES = re.compile(r"^/v1/accounts/([^/]+)/capabilities$")
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
        spec_path = "/v1/accounts/{account}/capabilities"
        return Route("capabilities", spec_path, "capability", match.group(1))
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
