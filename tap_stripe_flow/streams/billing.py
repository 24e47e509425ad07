"""Quotes, billing and account settings (issue #14): lists Stripe does not filter by ``created``.

None of these lists takes ``created[...]`` (Stripe's 2024-06-20 spec), so each is read whole
on every run (``filters_created = False``: full refresh, one walk, nothing resumed). Where
Stripe sends events for the object, discovery also offers ``incremental``: the whole list once,
then its events alone, and the whole list again every ``full_read_every_days``. Deletions
arrive only from ``*.deleted`` events, and Stripe has none for these objects: a webhook
endpoint, a tax id or an Apple Pay domain deleted in Stripe is simply no longer listed.

What Stripe sends no event for (so only full refresh reads it): webhook endpoints, billing
meters, billing alerts (``billing.alert.triggered`` carries a ``billing.alert_triggered``,
not the alert), the account's tax ids (``customer.tax_id.*`` are customers' tax ids), tax
registrations, entitlement features, payment method configurations and domains, Apple Pay
domains.
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS


class _WholeList(StripeStream):
    """A list without a ``created`` filter, read whole on every run."""

    filters_created = False
    replication_key = None


class QuotesStream(_WholeList):
    """Quotes in every status (the list's default: ``status`` unset).

    Incremental (events): Stripe sends ``quote.created``, ``quote.finalized``,
    ``quote.accepted`` and ``quote.canceled``, and no ``quote.updated``: a draft quote edited
    after its creation sends no event, nor (the spec names no expiry event) may a quote that
    expires. Those changes arrive with the periodic whole read (``full_read_every_days``,
    default 7), not before; full refresh (the default) reads them on every run. A canceled
    quote still exists (an update); Stripe cannot delete a quote.
    """

    name = "quotes"
    object_type = "quote"
    event_types = ChangeEvents(
        ("quote.accepted", "quote.canceled", "quote.created", "quote.finalized")
    )
    path = "/v1/quotes"
    schema = StreamSchema(SCHEMAS)


class QuoteLineItemsStream(StripeChildStream):
    """Line items of quotes, read whole on every run: each quote's list comes embedded in the
    quotes list (``expand[]=data.line_items``, its first 10), the rest from the quote's
    ``/line_items``. Each carries its quote's id (``quote``), which Stripe's items lack."""

    name = "quote_line_items"
    object_type = "item"
    parent_type = "quote"
    filters_created = False
    path = "/v1/quotes/{parent_id}/line_items"
    parent_path = "/v1/quotes"
    parent_params = {"expand[]": "data.line_items"}
    embedded_field = "line_items"
    parent_fields = {"quote": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class PaymentLinkLineItemsStream(StripeChildStream):
    """Line items of payment links, read whole on every run: each link's list comes embedded
    in the payment links list (``expand[]=data.line_items``, its first 10), the rest from the
    link's ``/line_items``. Each carries its payment link's id (``payment_link``)."""

    name = "payment_link_line_items"
    object_type = "item"
    parent_type = "payment_link"
    filters_created = False
    path = "/v1/payment_links/{parent_id}/line_items"
    parent_path = "/v1/payment_links"
    parent_params = {"expand[]": "data.line_items"}
    embedded_field = "line_items"
    parent_fields = {"payment_link": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class WebhookEndpointsStream(_WholeList):
    """Webhook endpoints (Stripe sends no event for them, and no signing ``secret`` in a
    list)."""

    name = "webhook_endpoints"
    object_type = "webhook_endpoint"
    path = "/v1/webhook_endpoints"
    schema = StreamSchema(SCHEMAS)


class BillingPortalConfigurationsStream(_WholeList):
    """Customer portal configurations, active or not (``active`` unset). Every change sends
    ``billing_portal.configuration.updated``, so the events mode misses none; Stripe cannot
    delete a configuration."""

    name = "billing_portal_configurations"
    object_type = "billing_portal.configuration"
    event_types = ChangeEvents(
        ("billing_portal.configuration.created", "billing_portal.configuration.updated")
    )
    path = "/v1/billing_portal/configurations"
    schema = StreamSchema(SCHEMAS)


class BillingMetersStream(_WholeList):
    """Billing meters, active and inactive (``status`` unset)."""

    name = "billing_meters"
    object_type = "billing.meter"
    path = "/v1/billing/meters"
    schema = StreamSchema(SCHEMAS)


class BillingAlertsStream(_WholeList):
    """Billing alerts in every status (active, inactive, archived). An alert has no creation
    time: Stripe lists them newest first."""

    name = "billing_alerts"
    object_type = "billing.alert"
    path = "/v1/billing/alerts"
    schema = StreamSchema(SCHEMAS)


class EntitlementsFeaturesStream(_WholeList):
    """Entitlement features, archived or not (``archived`` unset: no filter)."""

    name = "entitlements_features"
    object_type = "entitlements.feature"
    path = "/v1/entitlements/features"
    schema = StreamSchema(SCHEMAS)


class PaymentMethodConfigurationsStream(_WholeList):
    """Payment method configurations: the account's own and those Connect platforms made for
    it (``application`` unset)."""

    name = "payment_method_configurations"
    object_type = "payment_method_configuration"
    path = "/v1/payment_method_configurations"
    schema = StreamSchema(SCHEMAS)


class TaxIdsStream(_WholeList):
    """The account's own tax ids (``/v1/tax_ids`` lists ``owner[type]=self`` by default);
    customers' tax ids are another list."""

    name = "tax_ids"
    object_type = "tax_id"
    path = "/v1/tax_ids"
    schema = StreamSchema(SCHEMAS)


class TaxRegistrationsStream(_WholeList):
    """Stripe Tax registrations in every status: ``status=all`` asks for the active,
    scheduled and expired ones alike, whatever the list's default."""

    name = "tax_registrations"
    object_type = "tax.registration"
    path = "/v1/tax/registrations"
    list_params = {"status": "all"}
    schema = StreamSchema(SCHEMAS)


class PaymentMethodDomainsStream(_WholeList):
    """Payment method domains, enabled or not (``enabled`` unset)."""

    name = "payment_method_domains"
    object_type = "payment_method_domain"
    path = "/v1/payment_method_domains"
    schema = StreamSchema(SCHEMAS)


class ApplePayDomainsStream(_WholeList):
    name = "apple_pay_domains"
    object_type = "apple_pay_domain"
    path = "/v1/apple_pay/domains"
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    ApplePayDomainsStream,
    BillingAlertsStream,
    BillingMetersStream,
    BillingPortalConfigurationsStream,
    EntitlementsFeaturesStream,
    PaymentLinkLineItemsStream,
    PaymentMethodConfigurationsStream,
    PaymentMethodDomainsStream,
    QuoteLineItemsStream,
    QuotesStream,
    TaxIdsStream,
    TaxRegistrationsStream,
    WebhookEndpointsStream,
)
"""This module's streams, in the order discovery lists them."""
