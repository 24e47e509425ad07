"""Streams of lists Stripe does not filter by ``created``: each is read whole on every run
(``filters_created = False``), and those whose objects Stripe sends events for can run
``incremental`` by their events alone after one whole read (``client.StripeStream``)."""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS


class PaymentLinksStream(StripeStream):
    """Payment links. Incremental mode: ``payment_link.created``/``.updated`` tell every change
    (a payment link cannot be deleted, only deactivated: an update)."""

    name = "payment_links"
    object_type = "payment_link"
    event_types = ChangeEvents(("payment_link.created", "payment_link.updated"))
    path = "/v1/payment_links"
    filters_created = False
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class TaxCodesStream(StripeStream):
    """Stripe's catalogue of tax codes (no creation time, no events): read whole every run."""

    name = "tax_codes"
    object_type = "tax_code"
    path = "/v1/tax_codes"
    filters_created = False
    replication_key = None
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (PaymentLinksStream, TaxCodesStream)
"""This module's streams, in the order discovery lists them."""
