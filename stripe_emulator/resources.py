"""The emulated resources: Stripe ``object`` value, list path, id prefix, parent link.

Guarantees: :data:`RESOURCES` has one entry per stored object type (the 22 streams plus
``card``, which lives in customer sources beside ``bank_account``); child resources name
their parent type and the child collection they are stored in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One emulated object type."""

    object: str
    #: Spec spelling of the list path ("/v1/invoices/{invoice}/lines").
    path: str
    #: Restricted-key permission needed to read it.
    permission: str
    #: Parent object type for child resources, else None.
    parent: str | None = None
    #: Field on the child naming its parent id (None when the child has no such field).
    parent_field: str | None = None
    #: Collection name shared by children stored together (sources hold cards and banks).
    collection: str | None = None

    @property
    def top_level(self) -> bool:
        """True for resources listed at a top-level path with ``created`` filters."""
        return self.parent is None


def _top(obj: str, path: str) -> Resource:
    return Resource(obj, path, f"rak_{obj.replace('.', '_')}_read")


RESOURCES: dict[str, Resource] = {
    r.object: r
    for r in (
        _top("balance_transaction", "/v1/balance_transactions"),
        _top("charge", "/v1/charges"),
        _top("checkout.session", "/v1/checkout/sessions"),
        _top("coupon", "/v1/coupons"),
        _top("customer", "/v1/customers"),
        _top("dispute", "/v1/disputes"),
        _top("event", "/v1/events"),
        _top("invoiceitem", "/v1/invoiceitems"),
        _top("invoice", "/v1/invoices"),
        _top("payment_intent", "/v1/payment_intents"),
        _top("payout", "/v1/payouts"),
        _top("plan", "/v1/plans"),
        _top("product", "/v1/products"),
        _top("promotion_code", "/v1/promotion_codes"),
        _top("refund", "/v1/refunds"),
        _top("subscription", "/v1/subscriptions"),
        _top("transfer", "/v1/transfers"),
        Resource(
            "line_item",
            "/v1/invoices/{invoice}/lines",
            "rak_invoice_read",
            parent="invoice",
            parent_field="invoice",
            collection="lines",
        ),
        Resource(
            "subscription_item",
            "/v1/subscription_items",
            "rak_subscription_read",
            parent="subscription",
            parent_field="subscription",
            collection="items",
        ),
        Resource(
            "bank_account",
            "/v1/customers/{customer}/sources",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="sources",
        ),
        Resource(
            "card",
            "/v1/customers/{customer}/sources",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="sources",
        ),
        Resource(
            "customer_balance_transaction",
            "/v1/customers/{customer}/balance_transactions",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="balance_transactions",
        ),
        Resource(
            "item",
            "/v1/checkout/sessions/{session}/line_items",
            "rak_checkout_session_read",
            parent="checkout.session",
            collection="line_items",
        ),
    )
}

TOP_LEVEL = tuple(r.object for r in RESOURCES.values() if r.top_level)
CHILD_TYPES = tuple(r.object for r in RESOURCES.values() if not r.top_level)

#: Embedded child lists: parent type -> (field, collection, url template, only when expanded).
EMBEDDED: dict[str, tuple[str, str, str, bool]] = {
    "invoice": ("lines", "lines", "/v1/invoices/{id}/lines", False),
    "subscription": ("items", "items", "/v1/subscription_items?subscription={id}", False),
    "customer": ("sources", "sources", "/v1/customers/{id}/sources", True),
    "checkout.session": ("line_items", "line_items", "/v1/checkout/sessions/{id}/line_items", True),
}

#: Fields Stripe omits (lists unless expanded; Connect-only event account).
OMITTED_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("sources", "subscriptions", "tax_ids"),
    "charge": ("refunds",),
    "checkout.session": ("line_items",),
    "event": ("account",),  # set by Stripe only on Connect events
}

#: Event type recorded when an object is created / updated / deleted.
_EVENT_BASE = {
    "subscription": "customer.subscription",
    "dispute": "charge.dispute",
    "bank_account": "customer.source",
    "card": "customer.source",
}
_CREATED_NAME = {"checkout.session": "checkout.session.completed"}


def event_type(object_type: str, action: str, obj: dict[str, object] | None = None) -> str:
    """Return the Stripe event type for ``action`` (created/updated/deleted) on a type."""
    if action == "created":
        if object_type == "charge":
            status = (obj or {}).get("status")
            return "charge.failed" if status == "failed" else "charge.succeeded"
        if object_type in _CREATED_NAME:
            return _CREATED_NAME[object_type]
    return f"{_EVENT_BASE.get(object_type, object_type)}.{action}"


#: Types whose events are recorded (top-level objects and customer sources; not events).
EVENTED = frozenset((*TOP_LEVEL, "bank_account", "card")) - {"event"}

#: What ``delete`` does per type: "remove" drops it from lists; "cancel" marks a
#: subscription canceled (Stripe keeps it listable with ``status=all``).
DELETABLE = {
    "customer": "remove",
    "product": "remove",
    "plan": "remove",
    "coupon": "remove",
    "invoiceitem": "remove",
    "invoice": "remove",
    "subscription": "cancel",
    "subscription_item": "remove",
    "bank_account": "remove",
    "card": "remove",
}
