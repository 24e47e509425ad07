"""Payment streams added for issue #14: customers' cards, prices, setup attempts, payment
methods, tax ids, cash balance transactions, product features and forwarding requests.

Child streams keep ``full_refresh`` as their default, as the seed's children do; those whose
children have events of their own (cards) also run ``incremental``, reading after one whole
read only the parents their events name (``child_changes.py``).
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ParentEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
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


STREAM_TYPES: tuple[type[StripeStream], ...] = (CardsStream,)
"""This module's streams, in the order discovery lists them."""
