"""The emulated resources: Stripe ``object`` value, list path, id prefix, parent link.

Guarantees: :data:`RESOURCES` has one entry per stored object type (one per stream; ``card``
and ``bank_account`` share customer sources); child resources name their parent type and the
child collection they are stored in; a type also listed under another parent (a customer's tax
ids beside the account's, quote lines beside Checkout lines) has its second resource in
:data:`SHARED_CHILDREN`. :data:`FEATURES` names the lists of each product an account may not be
set up for (Issuing, Identity, Terminal, Climate, Sigma, Treasury); an account that is not a
Connect platform lists no connected account (``/v1/accounts`` is empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from stripe_emulator.templates import event_types

#: The Treasury objects listed per financial account: ``treasury.<kind>`` -> the plural its
#: list path (``/v1/treasury/<plural>?financial_account=``) and its stream are named by.
TREASURY_CHILDREN = {
    "transaction": "transactions",
    "transaction_entry": "transaction_entries",
    "received_credit": "received_credits",
    "received_debit": "received_debits",
    "inbound_transfer": "inbound_transfers",
    "outbound_transfer": "outbound_transfers",
    "outbound_payment": "outbound_payments",
    "credit_reversal": "credit_reversals",
    "debit_reversal": "debit_reversals",
}


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
        """True for resources listed at a top-level path (most with ``created`` filters)."""
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
        _top("payment_link", "/v1/payment_links"),
        _top("tax_code", "/v1/tax_codes"),
        _top("account", "/v1/accounts"),
        _top("quote", "/v1/quotes"),
        _top("webhook_endpoint", "/v1/webhook_endpoints"),
        _top("billing_portal.configuration", "/v1/billing_portal/configurations"),
        _top("billing.meter", "/v1/billing/meters"),
        _top("tax_id", "/v1/tax_ids"),
        _top("tax.registration", "/v1/tax/registrations"),
        _top("payment_method_domain", "/v1/payment_method_domains"),
        _top("apple_pay_domain", "/v1/apple_pay/domains"),
        _top("billing.alert", "/v1/billing/alerts"),
        _top("entitlements.feature", "/v1/entitlements/features"),
        _top("payment_method_configuration", "/v1/payment_method_configurations"),
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
        _top("terminal.location", "/v1/terminal/locations"),
        _top("terminal.reader", "/v1/terminal/readers"),
        _top("terminal.configuration", "/v1/terminal/configurations"),
        _top("issuing.personalization_design", "/v1/issuing/personalization_designs"),
        _top("issuing.physical_bundle", "/v1/issuing/physical_bundles"),
        _top("climate.order", "/v1/climate/orders"),
        _top("financial_connections.account", "/v1/financial_connections/accounts"),
        _top("reporting.report_type", "/v1/reporting/report_types"),
        _top("scheduled_query_run", "/v1/sigma/scheduled_query_runs"),
        Resource(
            "person",
            "/v1/accounts/{account}/persons",
            "rak_account_read",
            parent="account",
            parent_field="account",
            collection="persons",
        ),
        Resource(
            "issuing.token",
            "/v1/issuing/tokens",
            "rak_issuing_card_read",
            parent="issuing.card",
            parent_field="card",
            collection="issuing_tokens",
        ),
        # Treasury: the financial accounts, and what each list holds per financial account
        # (``?financial_account=``, required).
        _top("treasury.financial_account", "/v1/treasury/financial_accounts"),
        *(
            Resource(
                f"treasury.{kind}",
                f"/v1/treasury/{plural}",
                f"rak_treasury_{kind}_read",
                parent="treasury.financial_account",
                parent_field="financial_account",
                collection=f"treasury_{plural}",
            )
            for kind, plural in TREASURY_CHILDREN.items()
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

#: Child types listed under more than one parent type: (child type, parent type) -> the
#: resource of that child list. Stripe's ``item`` is a Checkout Session's line item (the
#: entry in :data:`RESOURCES`), a quote's and a payment link's (sent when expanded).
SHARED_CHILDREN: dict[tuple[str, str], Resource] = {
    (r.object, str(r.parent)): r
    for r in (
        Resource(
            "item",
            "/v1/quotes/{quote}/line_items",
            "rak_quote_read",
            parent="quote",
            collection="quote_line_items",
        ),
        Resource(
            "item",
            "/v1/payment_links/{payment_link}/line_items",
            "rak_payment_link_read",
            parent="payment_link",
            collection="payment_link_line_items",
        ),
        # a customer's tax ids (``/v1/tax_ids`` lists the account's own)
        Resource(
            "tax_id",
            "/v1/customers/{customer}/tax_ids",
            "rak_customer_read",
            parent="customer",
            parent_field="customer",
            collection="tax_ids",
        ),
    )
}


def child_resource(object_type: str, parent_type: str | None) -> Resource:
    """The resource of ``object_type`` children of a ``parent_type`` parent."""
    return SHARED_CHILDREN.get((object_type, str(parent_type))) or RESOURCES[object_type]


TOP_LEVEL = tuple(r.object for r in RESOURCES.values() if r.top_level)

#: Products an account may not be set up for -> the lists they hold: an emulator given these
#: as ``unavailable_paths`` answers each as Stripe answers an account without the product
#: (``errors.not_set_up``: a 400 "Your account is not set up to use <product>", or that
#: product's own words). Financial Connections is not here: Stripe lists an account's
#: Financial Connections accounts (none) whether or not it uses the product.
FEATURES: dict[str, tuple[str, ...]] = {
    name: tuple(r.path for r in RESOURCES.values() if r.path.startswith(prefix))
    for name, prefix in (
        ("Issuing", "/v1/issuing/"),
        ("Identity", "/v1/identity/"),
        ("Terminal", "/v1/terminal/"),
        ("Climate", "/v1/climate/"),
        ("Sigma", "/v1/sigma/"),
        ("Treasury", "/v1/treasury/"),
    )
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
    "quote": ("line_items", "quote_line_items", "/v1/quotes/{id}/line_items", True),
    "payment_link": (
        "line_items",
        "payment_link_line_items",
        "/v1/payment_links/{id}/line_items",
        True,
    ),
    "account": (
        "external_accounts",
        "external_accounts",
        "/v1/accounts/{id}/external_accounts",
        False,
    ),
}

#: Child types stored under a second kind of parent, in another collection: (type, parent
#: type) -> collection. Bank accounts and cards are a customer's sources, or a connected
#: account's external accounts (``/v1/accounts/{account}/external_accounts``).
OTHER_PARENTS: dict[tuple[str, str], str] = {
    ("bank_account", "account"): "external_accounts",
    ("card", "account"): "external_accounts",
}
#: Child "types" that are several stored types: a connected account's external accounts.
POLYMORPHIC: dict[str, tuple[str, ...]] = {"external_account": ("bank_account", "card")}
#: Embedded lists Stripe sends only on some parents: (type, field) -> (field, value) the
#: parent must have. ``account.external_accounts`` is returned only where the platform
#: controls the account (``controller.is_controller``).
EMBEDDED_WHEN: dict[tuple[str, str], tuple[str, bool]] = {
    ("account", "external_accounts"): ("controller.is_controller", True),
}

#: Child lists that name their parent in a query parameter, not in the path: list path ->
#: (child type, the parameter). ``/v1/subscription_items?subscription=``.
PARENT_PARAMS: dict[str, tuple[str, str]] = {
    "/v1/subscription_items": ("subscription_item", "subscription"),
    "/v1/radar/value_list_items": ("radar.value_list_item", "value_list"),
    "/v1/issuing/tokens": ("issuing.token", "card"),
    **{
        r.path: (r.object, "financial_account")
        for r in RESOURCES.values()
        if r.parent == "treasury.financial_account"
    },
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
    "payment_link": ("line_items",),
    # Sent only when expanded (Stripe's API reference): a card's full number and CVC, the
    # data a verification read, a transaction's purchase details.
    "issuing.card": ("cvc", "number"),
    "issuing.transaction": ("purchase_details",),
    "identity.verification_session": ("provided_details", "verified_outputs"),
    # Treasury: a financial account's features, a transaction's entries (never in a list)
    # and the flow behind a transaction or an entry.
    "treasury.financial_account": ("features",),
    "treasury.transaction": ("entries", "flow_details"),
    "treasury.transaction_entry": ("flow_details",),
    # A quote's line items: sent when expanded (``expand[]=data.line_items``), as a
    # Checkout Session's.
    "quote": ("line_items",),
    # a quote's ``computed.upfront.line_items`` likewise (a nested component, not an object)
    "quotes_resource_upfront": ("line_items",),
}

#: Fields Stripe never sends here unless expanded: the includable ones.
OMITTED_FIELDS: dict[str, tuple[str, ...]] = {
    **INCLUDABLE,
    # Stripe sends an endpoint's signing secret only in the answer that creates it.
    "webhook_endpoint": ("secret",),
}

#: Fields whose template placeholder is never stored: built when rendered (embedded and
#: derived lists), or set only on the objects they apply to (by the generator or a test):
#: fields of proration previews, of threshold billing, of embedded-mode Checkout.
NOT_STORED: dict[str, tuple[str, ...]] = {
    "customer": ("sources", "subscriptions", "tax_ids"),
    "charge": ("refunds",),
    "checkout.session": ("line_items", "redirect_on_completion", "return_url"),
    "invoice": ("subscription_proration_date", "threshold_reason"),
    "payment_link": ("line_items",),
    "account": ("external_accounts",),
    "treasury.transaction": ("entries",),
    "quote": ("line_items",),
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
    "issuing.personalization_design": "issuing_personalization_design",
    "scheduled_query_run": "sigma.scheduled_query_run",
    "issuing.token": "issuing_token",
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
    "climate.order": {
        "canceled": "climate.order.canceled",
        "delivered": "climate.order.delivered",
    },
    "financial_connections.account": {
        "active": "financial_connections.account.reactivated",
        "disconnected": "financial_connections.account.disconnected",
        "inactive": "financial_connections.account.deactivated",
    },
    # A quote has no quote.updated: a draft edited sends nothing; finalizing (open),
    # accepting and canceling send their event.
    "quote": {
        "open": "quote.finalized",
        "accepted": "quote.accepted",
        "canceled": "quote.canceled",
    },
    "identity.verification_session": {
        "canceled": "identity.verification_session.canceled",
        "processing": "identity.verification_session.processing",
        "requires_input": "identity.verification_session.requires_input",
        "verified": "identity.verification_session.verified",
    },  # Treasury: a money movement's event is its new status's (no ``*.updated``); a closed
    # financial account's is ``treasury.financial_account.closed``.
    "treasury.financial_account": {"closed": "treasury.financial_account.closed"},
    "treasury.received_credit": {
        "failed": "treasury.received_credit.failed",
        "succeeded": "treasury.received_credit.succeeded",
    },
    "treasury.inbound_transfer": {
        "canceled": "treasury.inbound_transfer.canceled",
        "failed": "treasury.inbound_transfer.failed",
        "succeeded": "treasury.inbound_transfer.succeeded",
    },
    **{
        f"treasury.{kind}": {
            status: f"treasury.{kind}.{status}"
            for status in ("canceled", "failed", "posted", "returned")
        }
        for kind in ("outbound_transfer", "outbound_payment")
    },
    "treasury.credit_reversal": {"posted": "treasury.credit_reversal.posted"},
    "treasury.debit_reversal": {"succeeded": "treasury.debit_reversal.completed"},
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
        "issuing.token",
        "payment_method",
        "tax_id",
        "customer_cash_balance_transaction",
    )
) - {"event", "account"}
#: Connect objects (connected accounts, their persons, capabilities and external accounts)
#: record no event in the platform's log: Stripe writes ``account.updated``, ``person.*``,
#: ``capability.updated`` and ``account.external_account.*`` to the connected account's own
#: event log, which the platform reads only with ``Stripe-Account``
#: (``CONNECTED_ACCOUNT_EVENTS`` in ``tap_stripe_flow/streams/connect.py``).
#: Treasury money movements have events of their own, although listed per financial account
#: (transactions and their entries have none).
EVENTED |= {f"treasury.{kind}" for kind in list(TREASURY_CHILDREN)[2:]}

#: Types whose top-level objects record no event, although their children do: the account's
#: own tax ids (``/v1/tax_ids``); ``customer.tax_id.*`` are a customer's tax ids' events.
EVENTED_AS_CHILD_ONLY = frozenset(("tax_id",))

#: Types whose deleted objects still answer a retrieve, with ``{"id", "object", "deleted":
#: true}``; every other deleted object answers 404 ``resource_missing``.
STUBBED = frozenset(("customer",))

#: What ``delete`` does per type: "remove" drops it from lists; "cancel" marks a
#: subscription canceled (Stripe keeps it listable with ``status=all``); "detach" drops a
#: payment method from its customer's list, its ``payment_method.detached`` event carrying
#: it with ``customer`` null and the customer in ``previous_attributes`` (as Stripe's does).
DELETABLE = {
    # Terminal objects can be deleted (DELETE /v1/terminal/...); Stripe sends no event for it.
    "terminal.location": "remove",
    "terminal.reader": "remove",
    "terminal.configuration": "remove",
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
    "account": "remove",
    "person": "remove",
    "webhook_endpoint": "remove",
    "tax_id": "remove",
    "apple_pay_domain": "remove",
    "price": "remove",
    "payment_method": "detach",
}
