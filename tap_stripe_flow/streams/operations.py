"""Streams of in-person payments and card programs (issue #14): Terminal, Issuing designs and
bundles, Climate orders, Financial Connections accounts.

None of these lists filters by ``created`` (Stripe's spec gives them no such parameter), so
each is read whole on every run (``filters_created = False``: full refresh). Stripe's events
for them miss changes a stream reading events alone would lose without a word, so each is
full refresh alone:

* Terminal locations, readers and configurations: no event for a creation, an update or a
  deletion (``terminal.reader.action_*`` tell only a reader's action). Deleted ones are gone
  from the next run's full read.
* Issuing personalization designs: no event for a new design.
* Climate orders: no event when an order is confirmed or its metadata or beneficiary change.
* Financial Connections accounts: no event when the account's ``subscriptions`` change
  (subscribing to transactions) or a refresh starts.
* Issuing physical bundles: Stripe sends no event for them.

Products an account may not have: Terminal, Issuing and Climate answer an account without them
in their own words (``NOT_SET_UP`` in ``account.py``); such a stream is skipped with one info
line quoting Stripe. Stripe lists Financial Connections accounts (none) on any account.
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS


class _WholeList(StripeStream):
    """A list without a ``created`` filter: read whole on every run."""

    replication_key = None
    filters_created = False


class TerminalLocationsStream(_WholeList):
    name = "terminal_locations"
    object_type = "terminal.location"
    path = "/v1/terminal/locations"
    schema = StreamSchema(SCHEMAS)


class TerminalReadersStream(_WholeList):
    name = "terminal_readers"
    object_type = "terminal.reader"
    path = "/v1/terminal/readers"
    schema = StreamSchema(SCHEMAS)


class TerminalConfigurationsStream(_WholeList):
    name = "terminal_configurations"
    object_type = "terminal.configuration"
    path = "/v1/terminal/configurations"
    schema = StreamSchema(SCHEMAS)


class IssuingPersonalizationDesignsStream(_WholeList):
    name = "issuing_personalization_designs"
    object_type = "issuing.personalization_design"
    path = "/v1/issuing/personalization_designs"
    schema = StreamSchema(SCHEMAS)


class IssuingPhysicalBundlesStream(_WholeList):
    name = "issuing_physical_bundles"
    object_type = "issuing.physical_bundle"
    path = "/v1/issuing/physical_bundles"
    schema = StreamSchema(SCHEMAS)


class ClimateOrdersStream(_WholeList):
    name = "climate_orders"
    object_type = "climate.order"
    path = "/v1/climate/orders"
    schema = StreamSchema(SCHEMAS)


class FinancialConnectionsAccountsStream(_WholeList):
    name = "financial_connections_accounts"
    object_type = "financial_connections.account"
    path = "/v1/financial_connections/accounts"
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    TerminalLocationsStream,
    TerminalReadersStream,
    TerminalConfigurationsStream,
    IssuingPersonalizationDesignsStream,
    IssuingPhysicalBundlesStream,
    ClimateOrdersStream,
    FinancialConnectionsAccountsStream,
)
"""This module's streams, in the order discovery lists them."""
