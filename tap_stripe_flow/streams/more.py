"""Streams added after the seed's 22 (issue #14): lists Stripe filters by ``created``, and the
children those lists embed (credit note lines, fee refunds, transfer reversals, value list items).
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS


class ApplicationFeesStream(StripeStream):
    name = "application_fees"
    object_type = "application_fee"
    # application_fee.refund.updated carries a fee_refund, not the fee.
    event_types = ChangeEvents(("application_fee.created", "application_fee.refunded"))
    path = "/v1/application_fees"
    schema = StreamSchema(SCHEMAS)


class CreditNotesStream(StripeStream):
    name = "credit_notes"
    object_type = "credit_note"
    # A voided credit note still exists (status void): an update.
    event_types = ChangeEvents(("credit_note.created", "credit_note.updated", "credit_note.voided"))
    path = "/v1/credit_notes"
    schema = StreamSchema(SCHEMAS)


class EarlyFraudWarningsStream(StripeStream):
    name = "early_fraud_warnings"
    object_type = "radar.early_fraud_warning"
    event_types = ChangeEvents(
        ("radar.early_fraud_warning.created", "radar.early_fraud_warning.updated")
    )
    path = "/v1/radar/early_fraud_warnings"
    schema = StreamSchema(SCHEMAS)


class FileLinksStream(StripeStream):
    """File links: Stripe sends no event for them (the lookback window re-reads them)."""

    name = "file_links"
    object_type = "file_link"
    path = "/v1/file_links"
    schema = StreamSchema(SCHEMAS)


class FilesStream(StripeStream):
    name = "files"
    object_type = "file"
    event_types = ChangeEvents(("file.created",))
    path = "/v1/files"
    schema = StreamSchema(SCHEMAS)


class ReportingReportRunsStream(StripeStream):
    name = "reporting_report_runs"
    object_type = "reporting.report_run"
    event_types = ChangeEvents(("reporting.report_run.failed", "reporting.report_run.succeeded"))
    path = "/v1/reporting/report_runs"
    schema = StreamSchema(SCHEMAS)


class ReviewsStream(StripeStream):
    """Radar reviews. Stripe lists open reviews only: a review closed before the first run
    is not read; one closed later arrives by its ``review.closed`` event."""

    name = "reviews"
    object_type = "review"
    event_types = ChangeEvents(("review.closed", "review.opened"))
    path = "/v1/reviews"
    schema = StreamSchema(SCHEMAS)


class SetupIntentsStream(StripeStream):
    name = "setup_intents"
    object_type = "setup_intent"
    event_types = ChangeEvents(
        (
            "setup_intent.canceled",
            "setup_intent.created",
            "setup_intent.requires_action",
            "setup_intent.setup_failed",
            "setup_intent.succeeded",
        )
    )
    path = "/v1/setup_intents"
    schema = StreamSchema(SCHEMAS)


class ShippingRatesStream(StripeStream):
    """Shipping rates: Stripe sends no event for them (the lookback window re-reads them)."""

    name = "shipping_rates"
    object_type = "shipping_rate"
    path = "/v1/shipping_rates"
    schema = StreamSchema(SCHEMAS)


class SubscriptionSchedulesStream(StripeStream):
    name = "subscription_schedules"
    object_type = "subscription_schedule"
    # Canceled, completed, released or aborted schedules still exist: updates.
    event_types = ChangeEvents(
        (
            "subscription_schedule.aborted",
            "subscription_schedule.canceled",
            "subscription_schedule.completed",
            "subscription_schedule.created",
            "subscription_schedule.expiring",
            "subscription_schedule.released",
            "subscription_schedule.updated",
        )
    )
    path = "/v1/subscription_schedules"
    schema = StreamSchema(SCHEMAS)


class TaxRatesStream(StripeStream):
    name = "tax_rates"
    object_type = "tax_rate"
    event_types = ChangeEvents(("tax_rate.created", "tax_rate.updated"))
    path = "/v1/tax_rates"
    schema = StreamSchema(SCHEMAS)


class TopupsStream(StripeStream):
    name = "topups"
    object_type = "topup"
    event_types = ChangeEvents(
        ("topup.canceled", "topup.created", "topup.failed", "topup.reversed", "topup.succeeded")
    )
    path = "/v1/topups"
    schema = StreamSchema(SCHEMAS)


class ValueListsStream(StripeStream):
    """Radar value lists: Stripe sends no event for them (the lookback window re-reads them)."""

    name = "value_lists"
    object_type = "radar.value_list"
    path = "/v1/radar/value_lists"
    schema = StreamSchema(SCHEMAS)


class ValueListItemsStream(StripeChildStream):
    """Items of Radar value lists (each list embeds its first 10), read whole on every run."""

    name = "value_list_items"
    object_type = "radar.value_list_item"
    parent_type = "radar.value_list"
    path = "/v1/radar/value_list_items"
    parent_path = "/v1/radar/value_lists"
    embedded_field = "list_items"
    parent_param = "value_list"
    parent_fields = {"value_list": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class ApplicationFeeRefundsStream(StripeChildStream):
    """Refunds of application fees (each fee embeds its first 10), read whole on every run."""

    name = "application_fee_refunds"
    object_type = "fee_refund"
    parent_type = "application_fee"
    path = "/v1/application_fees/{parent_id}/refunds"
    parent_path = "/v1/application_fees"
    embedded_field = "refunds"
    parent_fields = {"fee": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class CreditNoteLineItemsStream(StripeChildStream):
    """Lines of credit notes (each note embeds its first 10), read whole on every run; each
    carries its credit note's id (``credit_note``), which Stripe's line objects lack."""

    name = "credit_note_line_items"
    object_type = "credit_note_line_item"
    parent_type = "credit_note"
    path = "/v1/credit_notes/{parent_id}/lines"
    parent_path = "/v1/credit_notes"
    embedded_field = "lines"
    parent_fields = {"credit_note": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class TransferReversalsStream(StripeChildStream):
    """Reversals of transfers (each transfer embeds its first 10), read whole on every run."""

    name = "transfer_reversals"
    object_type = "transfer_reversal"
    parent_type = "transfer"
    path = "/v1/transfers/{parent_id}/reversals"
    parent_path = "/v1/transfers"
    embedded_field = "reversals"
    parent_fields = {"transfer": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    ApplicationFeesStream,
    CreditNotesStream,
    EarlyFraudWarningsStream,
    FileLinksStream,
    FilesStream,
    ReportingReportRunsStream,
    ReviewsStream,
    SetupIntentsStream,
    ShippingRatesStream,
    SubscriptionSchedulesStream,
    TaxRatesStream,
    TopupsStream,
    ApplicationFeeRefundsStream,
    CreditNoteLineItemsStream,
    TransferReversalsStream,
    ValueListItemsStream,
    ValueListsStream,
)
"""This module's streams, in the order discovery lists them."""
