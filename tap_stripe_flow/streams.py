"""The Stripe streams, declared: the one list of streams (behaviour: ``client.py``).

Each stream says what it reads (``path``, its parent's list, what Stripe embeds), which Stripe
``object`` its records are, its bookmark and the events that change its objects; everything
else that needs the streams (the schema generator, the tests) reads them from here.

Incremental streams are read by their creation time (``created``, or ``date`` on invoice items;
see the window in ``client.py``); child streams read their parent list and take the children
Stripe embeds in it. The seed's 22 streams come first; the streams added since (issue #14)
follow them: lists Stripe filters by ``created``, and the children those lists embed
(credit note lines, fee refunds, transfer reversals, value list items).
"""

from __future__ import annotations

from singer_sdk import SchemaDirectory, StreamSchema

from tap_stripe_flow import schemas
from tap_stripe_flow.changes import ChangeEvents, ParentEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream

SCHEMAS = SchemaDirectory(schemas)


class BalanceTransactionsStream(StripeStream):
    name = "balance_transactions"
    object_type = "balance_transaction"
    path = "/v1/balance_transactions"
    schema = StreamSchema(SCHEMAS)


class ChargesStream(StripeStream):
    name = "charges"
    object_type = "charge"
    event_types = ChangeEvents(
        (
            "charge.captured",
            "charge.expired",
            "charge.failed",
            "charge.pending",
            "charge.refunded",
            "charge.succeeded",
            "charge.updated",
        )
    )
    path = "/v1/charges"
    schema = StreamSchema(SCHEMAS)


class CheckoutSessionsStream(StripeStream):
    name = "checkout_sessions"
    object_type = "checkout.session"
    event_types = ChangeEvents(
        (
            "checkout.session.async_payment_failed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.expired",
        )
    )
    path = "/v1/checkout/sessions"
    schema = StreamSchema(SCHEMAS)


class CouponsStream(StripeStream):
    name = "coupons"
    object_type = "coupon"
    event_types = ChangeEvents(("coupon.created", "coupon.updated"), ("coupon.deleted",))
    path = "/v1/coupons"
    schema = StreamSchema(SCHEMAS)


class CustomersStream(StripeStream):
    name = "customers"
    object_type = "customer"
    event_types = ChangeEvents(("customer.created", "customer.updated"), ("customer.deleted",))
    path = "/v1/customers"
    schema = StreamSchema(SCHEMAS)


class DisputesStream(StripeStream):
    name = "disputes"
    object_type = "dispute"
    event_types = ChangeEvents(
        (
            "charge.dispute.closed",
            "charge.dispute.created",
            "charge.dispute.funds_reinstated",
            "charge.dispute.funds_withdrawn",
            "charge.dispute.updated",
        )
    )
    path = "/v1/disputes"
    schema = StreamSchema(SCHEMAS)


class EventsStream(StripeStream):
    name = "events"
    object_type = "event"
    path = "/v1/events"
    schema = StreamSchema(SCHEMAS)


class InvoiceItemsStream(StripeStream):
    """Invoice items carry their creation time as ``date`` (no ``created``), which
    ``created[gte]``/``[lte]`` on ``/v1/invoiceitems`` filter on."""

    name = "invoice_items"
    object_type = "invoiceitem"
    event_types = ChangeEvents(("invoiceitem.created",), ("invoiceitem.deleted",))
    path = "/v1/invoiceitems"
    replication_key = "date"
    #: Bookmarks saved before 0.2 name ``created``: the same value, read as ``date``.
    legacy_replication_keys = ("created",)
    schema = StreamSchema(SCHEMAS)


class InvoicesStream(StripeStream):
    name = "invoices"
    object_type = "invoice"
    # invoice.upcoming is left out: an upcoming invoice has no id and is never listed.
    event_types = ChangeEvents(
        (
            "invoice.created",
            "invoice.finalization_failed",
            "invoice.finalized",
            "invoice.marked_uncollectible",
            "invoice.overdue",
            "invoice.paid",
            "invoice.payment_action_required",
            "invoice.payment_failed",
            "invoice.payment_succeeded",
            "invoice.sent",
            "invoice.updated",
            "invoice.voided",
            "invoice.will_be_due",
        ),
        ("invoice.deleted",),
    )
    path = "/v1/invoices"
    schema = StreamSchema(SCHEMAS)


class PaymentIntentsStream(StripeStream):
    name = "payment_intents"
    object_type = "payment_intent"
    event_types = ChangeEvents(
        (
            "payment_intent.amount_capturable_updated",
            "payment_intent.canceled",
            "payment_intent.created",
            "payment_intent.partially_funded",
            "payment_intent.payment_failed",
            "payment_intent.processing",
            "payment_intent.requires_action",
            "payment_intent.succeeded",
        )
    )
    path = "/v1/payment_intents"
    schema = StreamSchema(SCHEMAS)


class PayoutsStream(StripeStream):
    name = "payouts"
    object_type = "payout"
    event_types = ChangeEvents(
        (
            "payout.canceled",
            "payout.created",
            "payout.failed",
            "payout.paid",
            "payout.reconciliation_completed",
            "payout.updated",
        )
    )
    path = "/v1/payouts"
    schema = StreamSchema(SCHEMAS)


class PlansStream(StripeStream):
    name = "plans"
    object_type = "plan"
    event_types = ChangeEvents(("plan.created", "plan.updated"), ("plan.deleted",))
    path = "/v1/plans"
    schema = StreamSchema(SCHEMAS)


class ProductsStream(StripeStream):
    name = "products"
    object_type = "product"
    event_types = ChangeEvents(("product.created", "product.updated"), ("product.deleted",))
    path = "/v1/products"
    schema = StreamSchema(SCHEMAS)


class PromotionCodesStream(StripeStream):
    name = "promotion_codes"
    object_type = "promotion_code"
    event_types = ChangeEvents(("promotion_code.created", "promotion_code.updated"))
    path = "/v1/promotion_codes"
    schema = StreamSchema(SCHEMAS)


class RefundsStream(StripeStream):
    name = "refunds"
    object_type = "refund"
    event_types = ChangeEvents(("charge.refund.updated", "refund.created", "refund.updated"))
    path = "/v1/refunds"
    schema = StreamSchema(SCHEMAS)


class SubscriptionsStream(StripeStream):
    name = "subscriptions"
    object_type = "subscription"
    # customer.subscription.deleted means canceled: the subscription still exists (status
    # canceled) and stays listed with status=all, so it is an update, not a deletion.
    event_types = ChangeEvents(
        (
            "customer.subscription.created",
            "customer.subscription.deleted",
            "customer.subscription.paused",
            "customer.subscription.pending_update_applied",
            "customer.subscription.pending_update_expired",
            "customer.subscription.resumed",
            "customer.subscription.trial_will_end",
            "customer.subscription.updated",
        )
    )
    path = "/v1/subscriptions"
    list_params = {"status": "all"}  # without it Stripe hides canceled subscriptions
    schema = StreamSchema(SCHEMAS)


class TransfersStream(StripeStream):
    name = "transfers"
    object_type = "transfer"
    event_types = ChangeEvents(("transfer.created", "transfer.reversed", "transfer.updated"))
    path = "/v1/transfers"
    schema = StreamSchema(SCHEMAS)


class CheckoutSessionsLineItemsStream(StripeChildStream):
    """Line items of checkout sessions, bookmarked on their session's ``created``."""

    name = "checkout_sessions_line_items"
    object_type = "item"
    parent_type = "checkout.session"
    # A session's events refresh its line items (fetched, since events do not embed them).
    event_types = ChangeEvents(
        (
            "checkout.session.async_payment_failed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.expired",
        )
    )
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
    object_type = "bank_account"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/sources"
    parent_path = "/v1/customers"
    parent_params = {"expand[]": "data.sources"}
    embedded_field = "sources"
    parent_fields = {"customer": "id"}
    child_object = "bank_account"
    replication_key = None
    # incremental mode: a source's events name its customer, whose sources are read again
    parent_events = ParentEvents(
        child_types=(
            "customer.source.created",
            "customer.source.deleted",
            "customer.source.expiring",
            "customer.source.updated",
        ),
        child_deletions=("customer.source.deleted",),
    )
    schema = StreamSchema(SCHEMAS)


class CustomerBalanceTransactionsStream(StripeChildStream):
    """Each customer's balance transactions: Stripe embeds none, so one list per customer."""

    name = "customer_balance_transactions"
    object_type = "customer_balance_transaction"
    parent_type = "customer"
    path = "/v1/customers/{parent_id}/balance_transactions"
    parent_path = "/v1/customers"
    parent_fields = {"customer": "id"}
    replication_key = None
    # incremental mode: Stripe sends no event for them; a new one moves its customer's balance
    parent_events = ParentEvents(
        parent_types=("customer.created", "customer.updated"), changed_fields=("balance",)
    )
    schema = StreamSchema(SCHEMAS)


class InvoiceLineItemsStream(StripeChildStream):
    name = "invoice_line_items"
    object_type = "line_item"
    parent_type = "invoice"
    path = "/v1/invoices/{parent_id}/lines"
    parent_path = "/v1/invoices"
    embedded_field = "lines"
    parent_fields = {"invoice": "id"}
    replication_key = None
    parent_events = ParentEvents(
        parent_types=InvoicesStream.event_types.types, parent_deletions=("invoice.deleted",)
    )
    schema = StreamSchema(SCHEMAS)


class SubscriptionItemsStream(StripeChildStream):
    name = "subscription_items"
    object_type = "subscription_item"
    parent_type = "subscription"
    path = "/v1/subscription_items"
    parent_path = "/v1/subscriptions"
    parent_params = {"status": "all"}
    embedded_field = "items"
    parent_param = "subscription"
    parent_fields = {"subscription": "id"}
    replication_key = None
    # a canceled subscription keeps its items: customer.subscription.deleted is an update here
    parent_events = ParentEvents(parent_types=SubscriptionsStream.event_types.types)
    schema = StreamSchema(SCHEMAS)


# Streams added after the seed's 22 (issue #14): top-level lists filtered by ``created``.


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


# Products an account must be set up for: an account without one answers its lists with
# "Your account is not set up to use Issuing" and the stream is skipped, saying so
# (``errors.py``); an account with it gets its data.


class IdentityVerificationReportsStream(StripeStream):
    """Identity verification reports: Stripe sends no event for them."""

    name = "identity_verification_reports"
    object_type = "identity.verification_report"
    path = "/v1/identity/verification_reports"
    schema = StreamSchema(SCHEMAS)


class IdentityVerificationSessionsStream(StripeStream):
    name = "identity_verification_sessions"
    object_type = "identity.verification_session"
    # A canceled or redacted session still exists: an update.
    event_types = ChangeEvents(
        (
            "identity.verification_session.canceled",
            "identity.verification_session.created",
            "identity.verification_session.processing",
            "identity.verification_session.redacted",
            "identity.verification_session.requires_input",
            "identity.verification_session.verified",
        )
    )
    path = "/v1/identity/verification_sessions"
    schema = StreamSchema(SCHEMAS)


class IssuingAuthorizationsStream(StripeStream):
    name = "issuing_authorizations"
    object_type = "issuing.authorization"
    event_types = ChangeEvents(
        (
            "issuing_authorization.created",
            "issuing_authorization.request",
            "issuing_authorization.updated",
        )
    )
    path = "/v1/issuing/authorizations"
    schema = StreamSchema(SCHEMAS)


class IssuingCardholdersStream(StripeStream):
    name = "issuing_cardholders"
    object_type = "issuing.cardholder"
    event_types = ChangeEvents(("issuing_cardholder.created", "issuing_cardholder.updated"))
    path = "/v1/issuing/cardholders"
    schema = StreamSchema(SCHEMAS)


class IssuingCardsStream(StripeStream):
    name = "issuing_cards"
    object_type = "issuing.card"
    event_types = ChangeEvents(("issuing_card.created", "issuing_card.updated"))
    path = "/v1/issuing/cards"
    schema = StreamSchema(SCHEMAS)


class IssuingDisputesStream(StripeStream):
    name = "issuing_disputes"
    object_type = "issuing.dispute"
    event_types = ChangeEvents(
        (
            "issuing_dispute.closed",
            "issuing_dispute.created",
            "issuing_dispute.funds_reinstated",
            "issuing_dispute.funds_rescinded",
            "issuing_dispute.submitted",
            "issuing_dispute.updated",
        )
    )
    path = "/v1/issuing/disputes"
    schema = StreamSchema(SCHEMAS)


class IssuingTransactionsStream(StripeStream):
    name = "issuing_transactions"
    object_type = "issuing.transaction"
    event_types = ChangeEvents(("issuing_transaction.created", "issuing_transaction.updated"))
    path = "/v1/issuing/transactions"
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
    # added after the seed's 22
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
    IdentityVerificationReportsStream,
    IdentityVerificationSessionsStream,
    IssuingAuthorizationsStream,
    IssuingCardholdersStream,
    IssuingCardsStream,
    IssuingDisputesStream,
    IssuingTransactionsStream,
)


def stream_name(stream_type: type[StripeStream]) -> str:
    """A stream class's ``name`` (singer-sdk types it as an instance attribute)."""
    return str(vars(stream_type)["name"])


STREAMS: dict[str, type[StripeStream]] = {stream_name(t): t for t in STREAM_TYPES}
"""Stream name -> its class."""

CHANGE_EVENTS: dict[str, ChangeEvents] = {
    name: t.event_types for name, t in STREAMS.items() if t.event_types is not None
}
"""Stream name -> its change events, for the streams Stripe sends events for."""
