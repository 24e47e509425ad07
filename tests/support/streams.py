"""The streams as Stripe holds them: what each test expects the connector to emit.

The streams and their objects come from ``tap_stripe_flow.streams``; ``test_schemas.py`` keeps
an independent list of its own, so that a stream dropped there is noticed.
"""

from __future__ import annotations

from typing import Any

from stripe_emulator import Account
from stripe_emulator.account import matches
from stripe_emulator.resources import HIDDEN_BY_DEFAULT
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.streams import STREAMS

TOP_LEVEL: dict[str, str] = {
    name: t.object_type for name, t in STREAMS.items() if not issubclass(t, StripeChildStream)
}
"""Stream -> the Stripe ``object`` it lists."""
CHILDREN: dict[str, tuple[str, str, str]] = {
    name: (t.parent_type, t.object_type, next(iter(t.parent_fields)))
    for name, t in STREAMS.items()
    if issubclass(t, StripeChildStream)
}
"""Child stream -> (parent object type, child object type, child field naming the parent)."""
#: The seed's 22 streams, written out: each keeps its name (and the issue #16 goals are
#: stated for them).
SEED_STREAMS = frozenset(
    (
        "balance_transactions",
        "bank_accounts",
        "charges",
        "checkout_sessions",
        "checkout_sessions_line_items",
        "coupons",
        "customer_balance_transactions",
        "customers",
        "disputes",
        "events",
        "invoice_items",
        "invoice_line_items",
        "invoices",
        "payment_intents",
        "payouts",
        "plans",
        "products",
        "promotion_codes",
        "refunds",
        "subscription_items",
        "subscriptions",
        "transfers",
    )
)
ALL_STREAMS = sorted([*TOP_LEVEL, *CHILDREN])
READ_WHOLE = frozenset(name for name, t in STREAMS.items() if not t.filters_created)
"""Streams whose list (or parent list) Stripe does not filter by ``created``."""
FULL_REFRESH = frozenset(n for n in CHILDREN if STREAMS[n].replication_key is None) | READ_WHOLE
"""Streams whose default sync mode is full refresh: the child streams without a bookmark of their
own (not checkout line items, on their session's ``created``, nor Treasury entries, on their
own), and the lists without a ``created`` filter."""


def created(obj: dict[str, Any]) -> int:
    """When Stripe says the object was created (invoice items carry ``date`` instead)."""
    return int(obj["created"] if "created" in obj else obj["date"])


#: Types whose stream reads what their list hides by default too (``active=false`` prices).
READ_HIDDEN = frozenset(t.object_type for t in STREAMS.values() if t.list_variants)


def listed(account: Account, object_type: str) -> list[dict[str, Any]]:
    """The objects of a top-level type that its stream reads (``/v1/reviews`` lists open
    ones only; prices are read active and inactive)."""
    hidden = None if object_type in READ_HIDDEN else HIDDEN_BY_DEFAULT.get(object_type)
    return [o for o in account.objects(object_type) if not (hidden and matches(o, hidden))]


def expected_ids(account: Account, stream: str, since: int) -> list[str]:
    """Ids Stripe lists for ``stream`` whose object (or parent, unless the children carry the
    bookmark themselves) was created at/after ``since`` (all of them for a list without a
    ``created`` filter, which ``start_date`` cannot bound)."""
    whole = stream in READ_WHOLE
    if stream in TOP_LEVEL:
        objects = listed(account, TOP_LEVEL[stream])
        return [o["id"] for o in objects if whole or created(o) >= since]
    parent_type, child_type, _ = CHILDREN[stream]
    own = STREAMS[stream].replication_key == "created"  # bookmarked on the child's creation
    return [
        child["id"]
        for parent in account.objects(parent_type)
        if whole or own or parent["created"] >= since
        for child in account.children(child_type, parent["id"])
        if not own or child["created"] >= since
    ]
