"""The 22 Stripe streams, declared. All behaviour lives in ``client.py``.

Incremental streams are read by their creation time (``created``, or ``date`` on invoice items;
see the window in ``client.py``); child streams read their parent list and take the children
Stripe embeds in it.
"""

from __future__ import annotations

from singer_sdk import SchemaDirectory, StreamSchema

from tap_stripe_flow import schemas
from tap_stripe_flow.client import StripeChildStream, StripeStream

SCHEMAS = SchemaDirectory(schemas)


class BalanceTransactionsStream(StripeStream):
    name = "balance_transactions"
    path = "/v1/balance_transactions"
    schema = StreamSchema(SCHEMAS)


class ChargesStream(StripeStream):
    name = "charges"
    path = "/v1/charges"
    schema = StreamSchema(SCHEMAS)


class CheckoutSessionsStream(StripeStream):
    name = "checkout_sessions"
    path = "/v1/checkout/sessions"
    schema = StreamSchema(SCHEMAS)


class CouponsStream(StripeStream):
    name = "coupons"
    path = "/v1/coupons"
    schema = StreamSchema(SCHEMAS)


class CustomersStream(StripeStream):
    name = "customers"
    path = "/v1/customers"
    schema = StreamSchema(SCHEMAS)


class DisputesStream(StripeStream):
    name = "disputes"
    path = "/v1/disputes"
    schema = StreamSchema(SCHEMAS)


class EventsStream(StripeStream):
    name = "events"
    path = "/v1/events"
    schema = StreamSchema(SCHEMAS)


class InvoiceItemsStream(StripeStream):
    """Invoice items carry their creation time as ``date`` (no ``created``), which
    ``created[gte]``/``[lte]`` on ``/v1/invoiceitems`` filter on."""

    name = "invoice_items"
    path = "/v1/invoiceitems"
    replication_key = "date"
    #: Bookmarks saved before 0.2 name ``created``: the same value, read as ``date``.
    legacy_replication_keys = ("created",)
    schema = StreamSchema(SCHEMAS)


class InvoicesStream(StripeStream):
    name = "invoices"
    path = "/v1/invoices"
    schema = StreamSchema(SCHEMAS)


class PaymentIntentsStream(StripeStream):
    name = "payment_intents"
    path = "/v1/payment_intents"
    schema = StreamSchema(SCHEMAS)


class PayoutsStream(StripeStream):
    name = "payouts"
    path = "/v1/payouts"
    schema = StreamSchema(SCHEMAS)


class PlansStream(StripeStream):
    name = "plans"
    path = "/v1/plans"
    schema = StreamSchema(SCHEMAS)


class ProductsStream(StripeStream):
    name = "products"
    path = "/v1/products"
    schema = StreamSchema(SCHEMAS)


class PromotionCodesStream(StripeStream):
    name = "promotion_codes"
    path = "/v1/promotion_codes"
    schema = StreamSchema(SCHEMAS)


class RefundsStream(StripeStream):
    name = "refunds"
    path = "/v1/refunds"
    schema = StreamSchema(SCHEMAS)


class SubscriptionsStream(StripeStream):
    name = "subscriptions"
    path = "/v1/subscriptions"
    list_params = {"status": "all"}  # without it Stripe hides canceled subscriptions
    schema = StreamSchema(SCHEMAS)


class TransfersStream(StripeStream):
    name = "transfers"
    path = "/v1/transfers"
    schema = StreamSchema(SCHEMAS)


class CheckoutSessionsLineItemsStream(StripeChildStream):
    """Line items of checkout sessions, bookmarked on their session's ``created``."""

    name = "checkout_sessions_line_items"
    path = "/v1/checkout/sessions/{parent_id}/line_items"
    parent_path = "/v1/checkout/sessions"
    parent_params = {"expand[]": "data.line_items"}
    embedded_field = "line_items"
    parent_fields = {"checkout_session": "id", "checkout_session_created": "created"}
    replication_key = "checkout_session_created"
    schema = StreamSchema(SCHEMAS)


class BankAccountsStream(StripeChildStream):
    """Customers' bank-account sources (customer sources also hold cards, which are skipped)."""

    name = "bank_accounts"
    path = "/v1/customers/{parent_id}/sources"
    parent_path = "/v1/customers"
    parent_params = {"expand[]": "data.sources"}
    embedded_field = "sources"
    parent_fields = {"customer": "id"}
    child_object = "bank_account"
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class CustomerBalanceTransactionsStream(StripeChildStream):
    """Each customer's balance transactions: Stripe embeds none, so one list per customer."""

    name = "customer_balance_transactions"
    path = "/v1/customers/{parent_id}/balance_transactions"
    parent_path = "/v1/customers"
    parent_fields = {"customer": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class InvoiceLineItemsStream(StripeChildStream):
    name = "invoice_line_items"
    path = "/v1/invoices/{parent_id}/lines"
    parent_path = "/v1/invoices"
    embedded_field = "lines"
    parent_fields = {"invoice": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class SubscriptionItemsStream(StripeChildStream):
    name = "subscription_items"
    path = "/v1/subscription_items"
    parent_path = "/v1/subscriptions"
    parent_params = {"status": "all"}
    embedded_field = "items"
    parent_param = "subscription"
    parent_fields = {"subscription": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    BalanceTransactionsStream,
    BankAccountsStream,
    ChargesStream,
    CheckoutSessionsStream,
    CheckoutSessionsLineItemsStream,
    CouponsStream,
    CustomerBalanceTransactionsStream,
    CustomersStream,
    DisputesStream,
    EventsStream,
    InvoiceItemsStream,
    InvoiceLineItemsStream,
    InvoicesStream,
    PaymentIntentsStream,
    PayoutsStream,
    PlansStream,
    ProductsStream,
    PromotionCodesStream,
    RefundsStream,
    SubscriptionItemsStream,
    SubscriptionsStream,
    TransfersStream,
)
