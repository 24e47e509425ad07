"""The emulated resources: Stripe ``object`` value, list path, id prefix, parent link.

Guarantees: :data:`RESOURCES` has one entry per stored object type (one per stream; ``card``
and ``bank_account`` share customer sources); child resources name their parent type and the
child collection they are stored in. :data:`FEATURES` names the
lists of each product an account may not be set up for (Issuing, Identity).
"""

from __future__ import annotations

from dataclasses import dataclass

from stripe_emulator.templates import event_types


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
        _top("application_fee", "/v1/application_fees"),
        _top("credit_note", "/v1/credit_notes"),
        _top("file", "/v1/files"),
        _top("file_link", "/v1/file_links"),
        _top("radar.early_fraud_warning", "/v1/radar/early_fraud_warnings"),
        _top("reporting.report_run", "/v1/reporting/report_runs"),
        _top("review", "/v1/reviews"),
        _top("setup_intent", "/v1/setup_intents"),
        _top("shipping_rate", "/v1/shipping_rates"),
        _top("subscription_schedule", "/v1/subscription_schedules"),
        _top("tax_rate", "/v1/tax_rates"),
        _top("topup", "/v1/topups"),
        _top("radar.value_list", "/v1/radar/value_lists"),
        _top("identity.verification_report", "/v1/identity/verification_reports"),
        _top("identity.verification_session", "/v1/identity/verification_sessions"),
        _top("issuing.authorization", "/v1/issuing/authorizations"),
        _top("issuing.card", "/v1/issuing/cards"),
        _top("issuing.cardholder", "/v1/issuing/cardholders"),
        _top("issuing.dispute", "/v1/issuing/disputes"),
        _top("issuing.transaction", "/v1/issuing/transactions"),
        _top("price", "/v1/prices"),
        _top("forwarding.request", "/v1/forwarding/requests"),
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
            "credit_note_line_item",
            "/v1/credit_notes/{credit_note}/lines",
            "rak_credit_note_read",
            parent="credit_note",
            collection="credit_note_lines",
        ),
        Resource(
            "transfer_reversal",
            "/v1/transfers/{id}/reversals",
            "rak_transfer_read",
            parent="transfer",
            parent_field="transfer",
            collection="reversals",
        ),
        Resource(
            "fee_refund",
            "/v1/application_fees/{id}/refunds",
            "rak_application_fee_read",
            parent="application_fee",
            parent_field="fee",
            collection="fee_refunds",
        ),
        Resource(
            "radar.value_list_item",
            "/v1/radar/value_list_items",
            "rak_radar_value_list_read",
            parent="radar.value_list",
            parent_field="value_list",
            collection="list_items",
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
        Resource(
            "setup_attempt",
            "/v1/setup_attempts",
            "rak_setup_intent_read",
            parent="setup_intent",
            parent_field="setup_intent",
            collection="setup_attempts",
        ),
        Resource(
            "payment_method",
            "/v1/customers/{customer}/payment_methods",
            "rak_payment_method_read",
            parent="customer",
            parent_field="customer",
            collection="payment_methods",
        ),
        Resource(
            "tax_id",
            "/v1/customers/{customer}/tax_ids",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="tax_ids",
        ),
        Resource(
            "customer_cash_balance_transaction",
            "/v1/customers/{customer}/cash_balance_transactions",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="cash_balance_transactions",
        ),
        Resource(
            "product_feature",
            "/v1/products/{product}/features",
            "rak_product_read",
            parent="product",
            collection="product_features",
        ),
    )
}

TOP_LEVEL = tuple(r.object for r in RESOURCES.values() if r.top_level)

#: Products an account may not be set up for -> the lists they hold: an emulator given these
#: as ``unavailable_paths`` answers each with Stripe's 400 "Your account is not set up to use
#: <product>" (``stripe_emulator.api``).
FEATURES: dict[str, tuple[str, ...]] = {
    name: tuple(r.path for r in RESOURCES.values() if r.path.startswith(prefix))
    for name, prefix in (("Issuing", "/v1/issuing/"), ("Identity", "/v1/identity/"))
}
CHILD_TYPES = tuple(r.object for r in RESOURCES.values() if not r.top_level)

#: Embedded child lists: parent type -> (field, collection, url template, only when expanded).
EMBEDDED: dict[str, tuple[str, str, str, bool]] = {
    "invoice": ("lines", "lines", "/v1/invoices/{id}/lines", False),
    "subscription": ("items", "items", "/v1/subscription_items?subscription={id}", False),
    "customer": ("sources", "sources", "/v1/customers/{id}/sources", True),
    "checkout.session": ("line_items", "line_items", "/v1/checkout/sessions/{id}/line_items", True),
    "radar.value_list": (
        "list_items",
        "list_items",
        "/v1/radar/value_list_items?value_list={id}",
        False,
    ),
    "credit_note": ("lines", "credit_note_lines", "/v1/credit_notes/{id}/lines", False),
    "transfer": ("reversals", "reversals", "/v1/transfers/{id}/reversals", False),
    "application_fee": ("refunds", "fee_refunds", "/v1/application_fees/{id}/refunds", False),
}

#: Child lists that name their parent in a query parameter, not in the path: list path ->
#: (child type, the parameter). ``/v1/subscription_items?subscription=``.
PARENT_PARAMS: dict[str, tuple[str, str]] = {
    "/v1/subscription_items": ("subscription_item", "subscription"),
    "/v1/radar/value_list_items": ("radar.value_list_item", "value_list"),
    "/v1/setup_attempts": ("setup_attempt", "setup_intent"),
}

#: Fields never sent in a list or retrieve unless the request expands them (Stripe's
#: "includable" fields: embedded lists, and details such as ``customer.tax``). Expanding one
#: of these names (``expand[]=data.tax``) puts the stored value back.
INCLUDABLE: dict[str, tuple[str, ...]] = {
    "customer": (
        "sources",
        "subscriptions",
        "tax_ids",
        "cash_balance",
        "invoice_credit_balance",
        "tax",
    ),
    "charge": ("refunds",),
    "checkout.session": ("line_items",),
    "coupon": ("applies_to", "currency_options"),
    "plan": ("tiers",),
    "price": ("currency_options", "tiers"),
    "item": ("discounts", "taxes"),
    # Sent only when expanded (Stripe's API reference): a card's full number and CVC, the
    # data a verification read, a transaction's purchase details.
    "issuing.card": ("cvc", "number"),
    "issuing.transaction": ("purchase_details",),
    "identity.verification_session": ("provided_details", "verified_outputs"),
}

#: Fields Stripe never sends here unless expanded: the includable ones.
OMITTED_FIELDS: dict[str, tuple[str, ...]] = {**INCLUDABLE}

#: Fields whose template placeholder is never stored: built when rendered (embedded and
#: derived lists), or set only on the objects they apply to (by the generator or a test):
#: fields of proration previews, of threshold billing, of embedded-mode Checkout.
NOT_STORED: dict[str, tuple[str, ...]] = {
    "customer": ("sources", "subscriptions", "tax_ids"),
    "charge": ("refunds",),
    "checkout.session": ("line_items", "redirect_on_completion", "return_url"),
    "invoice": ("subscription_proration_date", "threshold_reason"),
}

#: Includable lists built from other top-level objects: (type, field) -> (listed type, the
#: listed type's field naming the owner, url template). ``customer.subscriptions`` lists the
#: customer's subscriptions that are not canceled; ``customer.tax_ids`` its tax ids (a child
#: type: the customer's own list).
DERIVED_LISTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("customer", "subscriptions"): ("subscription", "customer", "/v1/customers/{id}/subscriptions"),
    ("customer", "tax_ids"): ("tax_id", "customer", "/v1/customers/{id}/tax_ids"),
    ("charge", "refunds"): ("refund", "charge", "/v1/charges/{id}/refunds"),
}

#: Objects a top-level list leaves out unless its filters ask for them, as ``(field, op,
#: value)`` filters of :func:`stripe_emulator.account.matches`: ``/v1/reviews`` lists open
#: reviews only (a closed review arrives by its ``review.closed`` event).
HIDDEN_BY_DEFAULT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "review": (("open", "eq", "false"),),
    # /v1/prices lists active prices unless asked for ``active`` (Stripe's API reference:
    # "Returns a list of your active prices... For the list of inactive prices, set active
    # to false"); a filter given on the field replaces the default.
    "price": (("active", "eq", "false"),),
}

#: The field holding an object's creation time where it is not ``created``: invoice items
#: carry ``date`` (and ``/v1/invoiceitems`` filters ``created[...]`` on it).
TIME_FIELD: dict[str, str] = {"invoiceitem": "date"}


def time_field(object_type: str) -> str:
    """Return the name of the field a type's lists sort and filter ``created`` on."""
    return TIME_FIELD.get(object_type, "created")


#: Event type prefix per object type (where it is not the object type itself).
_EVENT_BASE = {
    "subscription": "customer.subscription",
    "dispute": "charge.dispute",
    "bank_account": "customer.source",
    "card": "customer.source",
    "issuing.authorization": "issuing_authorization",
    "issuing.card": "issuing_card",
    "issuing.cardholder": "issuing_cardholder",
    "issuing.dispute": "issuing_dispute",
    "issuing.transaction": "issuing_transaction",
    "tax_id": "customer.tax_id",
}
_CREATED_NAME = {
    "checkout.session": "checkout.session.completed",
    "review": "review.opened",
    "payment_method": "payment_method.attached",  # a customer's payment method: attached
}
#: A customer's payment method leaves its list when detached (it still exists, customer null).
_DELETED_NAME = {"payment_method": "payment_method.detached"}
_STATUS_EVENTS = {
    "payment_intent": {
        "succeeded": "payment_intent.succeeded",
        "canceled": "payment_intent.canceled",
        "processing": "payment_intent.processing",
        "requires_action": "payment_intent.requires_action",
        "requires_payment_method": "payment_intent.payment_failed",
        "requires_capture": "payment_intent.amount_capturable_updated",
    },
    "checkout.session": {
        "complete": "checkout.session.completed",
        "expired": "checkout.session.expired",
    },
    "setup_intent": {
        "succeeded": "setup_intent.succeeded",
        "canceled": "setup_intent.canceled",
        "requires_action": "setup_intent.requires_action",
        "requires_payment_method": "setup_intent.setup_failed",
    },
    "topup": {
        "succeeded": "topup.succeeded",
        "failed": "topup.failed",
        "canceled": "topup.canceled",
        "reversed": "topup.reversed",
    },
    "reporting.report_run": {
        "succeeded": "reporting.report_run.succeeded",
        "failed": "reporting.report_run.failed",
    },
    "identity.verification_session": {
        "canceled": "identity.verification_session.canceled",
        "processing": "identity.verification_session.processing",
        "requires_input": "identity.verification_session.requires_input",
        "verified": "identity.verification_session.verified",
    },
}
#: Types without a ``*.updated`` event: an update records the event of the new value of a
#: field (its status, a review's ``open``, an application fee's ``refunded``).
_UPDATED_BY: dict[str, tuple[str, dict[str, str]]] = {
    **{t: ("status", events) for t, events in _STATUS_EVENTS.items()},
    "review": ("open", {"False": "review.closed", "True": "review.opened"}),
    "application_fee": ("refunded", {"True": "application_fee.refunded"}),
}


def event_type(object_type: str, action: str, obj: dict[str, object] | None = None) -> str | None:
    """Return the Stripe event type for ``action`` (created/updated/deleted) on a type, or
    None when Stripe sends no such event (the name is not in the spec's event types: there
    is no ``balance_transaction.created``, no ``invoiceitem.updated``). Payment intents,
    Checkout Sessions, Setup Intents, top-ups, report runs, reviews... have no ``*.updated``:
    an update gives the event of the object's (new) status (``payment_intent.succeeded``,
    ``review.closed``...), or None."""
    if action == "created" and object_type == "charge":
        status = (obj or {}).get("status")
        name = "charge.failed" if status == "failed" else "charge.succeeded"
    elif action == "created" and object_type in _CREATED_NAME:
        name = _CREATED_NAME[object_type]
    elif action == "deleted" and object_type in _DELETED_NAME:
        name = _DELETED_NAME[object_type]
    elif action == "updated" and object_type in _UPDATED_BY:
        field, events = _UPDATED_BY[object_type]
        name = events.get(str((obj or {}).get(field)), "")
    else:
        name = f"{_EVENT_BASE.get(object_type, object_type)}.{action}"
    return name if name in event_types() else None


#: Types whose events are recorded (top-level objects and customer sources; not events),
#: when Stripe has an event type for the action (:func:`event_type`).
EVENTED = frozenset(
    (
        *TOP_LEVEL,
        "bank_account",
        "card",
        "payment_method",
        "tax_id",
        "customer_cash_balance_transaction",
    )
) - {"event"}

#: Types whose deleted objects still answer a retrieve, with ``{"id", "object", "deleted":
#: true}``; every other deleted object answers 404 ``resource_missing``.
STUBBED = frozenset(("customer",))

#: What ``delete`` does per type: "remove" drops it from lists; "cancel" marks a
#: subscription canceled (Stripe keeps it listable with ``status=all``); "detach" drops a
#: payment method from its customer's list, its ``payment_method.detached`` event carrying
#: it with ``customer`` null and the customer in ``previous_attributes`` (as Stripe's does).
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
    "price": "remove",
    "tax_id": "remove",
    "payment_method": "detach",
}
