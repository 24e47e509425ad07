"""Streams of in-person payments, card programs and reporting (issue #14): Terminal, Issuing
designs and bundles, Climate orders, Financial Connections accounts, report types and Sigma
scheduled query runs.

None of these lists filters by ``created`` (Stripe's spec gives them no such parameter), so
each is read whole on every run (``filters_created = False``: full refresh). Stripe sends
events for some of them, but only for Sigma query runs do the events tell every change (a run
is created finished and never changes), so only that stream also offers the incremental mode
that reads the list once and then its events. For the others the events miss changes a
stream reading events alone would lose without a word:

* Terminal locations, readers and configurations: no event for a creation, an update or a
  deletion (``terminal.reader.action_*`` tell only a reader's action). Deleted ones are gone
  from the next run's full read.
* Issuing personalization designs: no event for a new design.
* Climate orders: no event when an order is confirmed or its metadata or beneficiary change.
* Financial Connections accounts: no event when the account's ``subscriptions`` change
  (subscribing to transactions) or a refresh starts.
* Report types: no event for a report type Stripe adds (one request reads them all).
* Issuing physical bundles: Stripe sends no event for them.

Products an account may not have: Terminal, Issuing, Climate and Sigma answer an account
without them in their own words (``NOT_SET_UP`` in ``stripe_api.py``); such a stream is skipped
with one info line quoting Stripe. Stripe lists Financial Connections accounts (none) on any
account.
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents
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


class ReportingReportTypesStream(_WholeList):
    """Report types: one request, Stripe's list has no pages (no ``limit``, no cursor)."""

    name = "reporting_report_types"
    object_type = "reporting.report_type"
    path = "/v1/reporting/report_types"
    paged = False
    schema = StreamSchema(SCHEMAS)


class SigmaScheduledQueryRunsStream(_WholeList):
    """Sigma scheduled query runs: a run is created finished (completed, failed, timed out or
    canceled) and never changes, so its creation event tells all. The periodic full read
    (``full_read_every_days``) catches a run whose event Stripe listed later than the minute
    the event reading allows for (``changes.EVENTS_SETTLE_SECONDS``)."""

    name = "sigma_scheduled_query_runs"
    object_type = "scheduled_query_run"
    event_types = ChangeEvents(("sigma.scheduled_query_run.created",))
    path = "/v1/sigma/scheduled_query_runs"
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    TerminalLocationsStream,
    TerminalReadersStream,
    TerminalConfigurationsStream,
    IssuingPersonalizationDesignsStream,
    IssuingPhysicalBundlesStream,
    ClimateOrdersStream,
    FinancialConnectionsAccountsStream,
    ReportingReportTypesStream,
    SigmaScheduledQueryRunsStream,
)
"""This module's streams, in the order discovery lists them."""
