"""Change capture: which Stripe events carry a new version of each stream's objects.

After its first run, an incremental stream also reads ``/v1/events`` of these types since its
event cursor and emits each event's ``data.object``: updates and deletions made to objects of any
age arrive, not only those inside the lookback window. Every event type Stripe's API (2024-06-20)
documents for the objects of these streams is listed; ``tests/test_changes.py`` checks this table
against the OpenAPI spec.

Streams without an entry: ``balance_transactions`` (Stripe sends no event for them; the lookback
window re-reads them), ``events`` (itself the event log), and the full-refresh streams
(``bank_accounts``, ``customer_balance_transactions``, ``invoice_line_items``,
``subscription_items``), which are read whole on every run.

Event reading window, both bounds inclusive::

    event cursor (saved)              run start - 60 s       run start
    |---------- created[gte] .. created[lte] ---|               |
                                                 next cursor

Stripe lists events eventually consistently (up to a minute late), so a run reads no event newer
than a minute before its start, and the next run starts at that same second: an event created in
the cursor's second is never skipped (it may be read twice, which is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: How far behind its start a run reads events (Stripe's events are eventually consistent).
EVENTS_SETTLE_SECONDS = 60
#: Stripe keeps events for 30 days; a cursor older than this leaves a gap events cannot fill.
EVENT_RETENTION_SECONDS = 30 * 86_400
#: Field a Singer record carries when Stripe deleted the object (the Flow adapter maps it to "d").
DELETED_AT = "_sdc_deleted_at"


@dataclass(frozen=True)
class ChangeEvents:
    """The event types of one stream."""

    #: Events whose ``data.object`` is the stream's object as it now is.
    updates: tuple[str, ...]
    #: Events meaning the object no longer exists.
    deletions: tuple[str, ...] = ()

    @property
    def types(self) -> tuple[str, ...]:
        return self.updates + self.deletions


CHANGE_EVENTS: dict[str, ChangeEvents] = {
    "charges": ChangeEvents(
        (
            "charge.captured",
            "charge.expired",
            "charge.failed",
            "charge.pending",
            "charge.refunded",
            "charge.succeeded",
            "charge.updated",
        )
    ),
    "checkout_sessions": ChangeEvents(
        (
            "checkout.session.async_payment_failed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.expired",
        )
    ),
    # A session's events refresh its line items (fetched, since events do not embed them).
    "checkout_sessions_line_items": ChangeEvents(
        (
            "checkout.session.async_payment_failed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.expired",
        )
    ),
    "coupons": ChangeEvents(("coupon.created", "coupon.updated"), ("coupon.deleted",)),
    "customers": ChangeEvents(("customer.created", "customer.updated"), ("customer.deleted",)),
    "disputes": ChangeEvents(
        (
            "charge.dispute.closed",
            "charge.dispute.created",
            "charge.dispute.funds_reinstated",
            "charge.dispute.funds_withdrawn",
            "charge.dispute.updated",
        )
    ),
    "invoice_items": ChangeEvents(("invoiceitem.created",), ("invoiceitem.deleted",)),
    # invoice.upcoming is left out: an upcoming invoice has no id and is never listed.
    "invoices": ChangeEvents(
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
    ),
    "payment_intents": ChangeEvents(
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
    ),
    "payouts": ChangeEvents(
        (
            "payout.canceled",
            "payout.created",
            "payout.failed",
            "payout.paid",
            "payout.reconciliation_completed",
            "payout.updated",
        )
    ),
    "plans": ChangeEvents(("plan.created", "plan.updated"), ("plan.deleted",)),
    "products": ChangeEvents(("product.created", "product.updated"), ("product.deleted",)),
    "promotion_codes": ChangeEvents(("promotion_code.created", "promotion_code.updated")),
    "refunds": ChangeEvents(("charge.refund.updated", "refund.created", "refund.updated")),
    # customer.subscription.deleted means canceled: the subscription still exists (status
    # canceled) and stays listed with status=all, so it is an update, not a deletion.
    "subscriptions": ChangeEvents(
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
    ),
    "transfers": ChangeEvents(("transfer.created", "transfer.reversed", "transfer.updated")),
}


def as_record(event: dict[str, Any], changes: ChangeEvents) -> dict[str, Any]:
    """The stream record an event carries: its object, marked deleted for a deletion event."""
    record: dict[str, Any] = event["data"]["object"]
    if event["type"] in changes.deletions:
        deleted_at = datetime.fromtimestamp(event["created"], UTC)
        record[DELETED_AT] = deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return record
