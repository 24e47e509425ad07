"""Payment streams added for issue #14: customers' cards, prices, setup attempts, payment
methods, tax ids, cash balance transactions, product features and forwarding requests.

Child streams keep ``full_refresh`` as their default, as the seed's children do; those whose
children have events of their own (cards) also run ``incremental``, reading after one whole
read only the parents their events name (``child_changes.py``).
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents, ParentEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.more import SetupIntentsStream
from tap_stripe_flow.streams.schema_files import SCHEMAS

#: A customer source's events: the source itself (card or bank account), naming its customer.
SOURCE_EVENTS = ParentEvents(
    child_types=(
        "customer.source.created",
        "customer.source.deleted",
        "customer.source.expiring",
        "customer.source.updated",
    ),
    child_deletions=("customer.source.deleted",),
)


class CardsStream(StripeChildStream):
    """Customers' card sources (the other sources, bank accounts, are ``bank_accounts``)."""

    name = "cards"
    object_type = "card"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/sources"
    parent_path = "/v1/customers"
    parent_params = {"expand[]": "data.sources"}
    embedded_field = "sources"
    parent_fields = {"customer": "id"}
    child_object = "card"
    replication_key = None
    # incremental mode: a card's events name its customer, whose sources are read again
    parent_events = SOURCE_EVENTS
    schema = StreamSchema(SCHEMAS)


class PricesStream(StripeStream):
    """Prices, active and archived: ``/v1/prices`` lists active prices unless asked for
    ``active=false`` (Stripe's API reference), so each window is read with both."""

    name = "prices"
    object_type = "price"
    event_types = ChangeEvents(("price.created", "price.updated"), ("price.deleted",))
    path = "/v1/prices"
    list_variants = ({"active": "true"}, {"active": "false"})
    schema = StreamSchema(SCHEMAS)


class SetupAttemptsStream(StripeChildStream):
    """Each setup intent's attempts (``/v1/setup_attempts?setup_intent=``): Stripe embeds
    none and sends no event of their own, so one list per setup intent."""

    name = "setup_attempts"
    object_type = "setup_attempt"
    parent_type = "setup_intent"
    path = "/v1/setup_attempts"
    parent_path = "/v1/setup_intents"
    parent_param = "setup_intent"
    parent_fields = {"setup_intent": "id"}
    replication_key = None
    # incremental mode: an attempt is made when its intent is confirmed, which moves the
    # intent's status (each status has its event)
    parent_events = ParentEvents(parent_types=SetupIntentsStream.event_types.types)
    schema = StreamSchema(SCHEMAS)


class PaymentMethodsStream(StripeChildStream):
    """Customers' payment methods (``/v1/payment_methods`` without ``customer`` lists
    Treasury's only): one list per customer, since Stripe embeds none."""

    name = "payment_methods"
    object_type = "payment_method"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/payment_methods"
    parent_path = "/v1/customers"
    parent_fields = {"customer": "id"}
    replication_key = None
    # incremental mode: a payment method's events name its customer. A detached one leaves
    # the customer's list: its event (customer null, the customer in previous_attributes)
    # is a deletion from this stream.
    parent_events = ParentEvents(
        child_types=(
            "payment_method.attached",
            "payment_method.automatically_updated",
            "payment_method.detached",
            "payment_method.updated",
        ),
        child_deletions=("payment_method.detached",),
    )
    schema = StreamSchema(SCHEMAS)


class CustomerTaxIdsStream(StripeChildStream):
    """Customers' tax ids: the customer list with ``expand[]=data.tax_ids`` embeds the first
    10 of each (Stripe includes them only when expanded); the rest from the customer's list."""

    name = "customer_tax_ids"
    object_type = "tax_id"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/tax_ids"
    parent_path = "/v1/customers"
    parent_params = {"expand[]": "data.tax_ids"}
    embedded_field = "tax_ids"
    parent_fields = {"customer": "id"}
    replication_key = None
    parent_events = ParentEvents(
        child_types=(
            "customer.tax_id.created",
            "customer.tax_id.deleted",
            "customer.tax_id.updated",
        ),
        child_deletions=("customer.tax_id.deleted",),
    )
    schema = StreamSchema(SCHEMAS)


class CustomerCashBalanceTransactionsStream(StripeChildStream):
    """Customers' cash balance transactions: one list per customer that has a cash balance
    (the customer list with ``expand[]=data.cash_balance`` says which: a customer whose
    ``cash_balance`` is null has none, and costs no request)."""

    name = "customer_cash_balance_transactions"
    object_type = "customer_cash_balance_transaction"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/cash_balance_transactions"
    parent_path = "/v1/customers"
    parent_params = {"expand[]": "data.cash_balance"}
    empty_when_null = "cash_balance"
    parent_fields = {"customer": "id"}
    replication_key = None
    # incremental mode: each new transaction has its event, naming its customer
    parent_events = ParentEvents(child_types=("customer_cash_balance_transaction.created",))
    schema = StreamSchema(SCHEMAS)


class ProductFeaturesStream(StripeChildStream):
    """Features attached to products (``/v1/products/{id}/features``), read whole on every
    run: Stripe embeds none and sends no event for them. Each carries its product's id
    (``product``), which Stripe's objects lack."""

    name = "product_features"
    object_type = "product_feature"
    parent_type = "product"
    path = "/v1/products/{parent_id}/features"
    parent_path = "/v1/products"
    parent_fields = {"product": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class ForwardingRequestsStream(StripeStream):
    """Vault and Forward requests: Stripe sends no event for them (the lookback window
    re-reads them)."""

    name = "forwarding_requests"
    object_type = "forwarding.request"
    path = "/v1/forwarding/requests"
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    CardsStream,
    CustomerCashBalanceTransactionsStream,
    CustomerTaxIdsStream,
    ForwardingRequestsStream,
    PaymentMethodsStream,
    PricesStream,
    ProductFeaturesStream,
    SetupAttemptsStream,
)
"""This module's streams, in the order discovery lists them."""
