"""The emulated resources, as a table: Stripe ``object`` value, list path, permission, parent.

Guarantees: :data:`RESOURCES` has one entry per stored object type (one per stream; ``card``
and ``bank_account`` share customer sources); child resources name their parent type and the
child collection they are stored in; a type also listed under another parent (a customer's tax
ids beside the account's, quote lines beside Checkout lines) has its second resource in
:data:`SHARED_CHILDREN`. The lookups below the table are derived from it: :data:`FEATURES`
names the lists of each product an account may not be set up for (Issuing, Identity,
Terminal, Climate, Sigma, Treasury); :data:`PARENT_PARAMS` the child lists that name their
parent in a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        # a customer's sources: bank accounts and cards, one list (routed as the first type)
        *(
            Resource(
                kind,
                "/v1/customers/{customer}/sources",
                "rak_customer_read",
                parent="customer",
                parent_field="customer",
                collection="sources",
            )
            for kind in ("bank_account", "card")
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

#: Child lists that name their parent in a query parameter, not in the path: list path ->
#: (child type, the parameter: the child's field naming its parent).
#: ``/v1/subscription_items?subscription=``.
PARENT_PARAMS: dict[str, tuple[str, str]] = {
    r.path: (r.object, str(r.parent_field))
    for r in RESOURCES.values()
    if r.parent is not None and "{" not in r.path
}
