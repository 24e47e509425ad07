"""What creating, updating and deleting an object does: the event it records, and whether a
deleted object is dropped, canceled, detached or still retrievable as a stub.

Guarantees: :func:`event_type` names only event types Stripe's spec has (None otherwise);
:data:`EVENTED` are the types whose changes record events in the account's own log.
"""

from __future__ import annotations

from stripe_emulator.resource_table import TOP_LEVEL, TREASURY_CHILDREN
from stripe_emulator.templates import event_types

#: Event type prefix per object type (where it is not the object type itself).
_EVENT_BASE = {
    "subscription": "customer.subscription",
    "dispute": "charge.dispute",
    "bank_account": "customer.source",
    "card": "customer.source",
    "issuing.authorization": "issuing_authorization",
    "issuing.card": "issuing_card",
    "issuing.cardholder": "issuing_cardholder",
    "issuing.dispute": "issuing_dispute",
    "issuing.transaction": "issuing_transaction",
    "issuing.personalization_design": "issuing_personalization_design",
    "scheduled_query_run": "sigma.scheduled_query_run",
    "issuing.token": "issuing_token",
    "tax_id": "customer.tax_id",
}
_CREATED_NAME = {
    "checkout.session": "checkout.session.completed",
    "review": "review.opened",
    "payment_method": "payment_method.attached",  # a customer's payment method: attached
}
#: A customer's payment method leaves its list when detached (it still exists, customer null).
_DELETED_NAME = {"payment_method": "payment_method.detached"}
_STATUS_EVENTS = {
    "payment_intent": {
        "succeeded": "payment_intent.succeeded",
        "canceled": "payment_intent.canceled",
        "processing": "payment_intent.processing",
        "requires_action": "payment_intent.requires_action",
        "requires_payment_method": "payment_intent.payment_failed",
        "requires_capture": "payment_intent.amount_capturable_updated",
    },
    "checkout.session": {
        "complete": "checkout.session.completed",
        "expired": "checkout.session.expired",
    },
    "setup_intent": {
        "succeeded": "setup_intent.succeeded",
        "canceled": "setup_intent.canceled",
        "requires_action": "setup_intent.requires_action",
        "requires_payment_method": "setup_intent.setup_failed",
    },
    "topup": {
        "succeeded": "topup.succeeded",
        "failed": "topup.failed",
        "canceled": "topup.canceled",
        "reversed": "topup.reversed",
    },
    "reporting.report_run": {
        "succeeded": "reporting.report_run.succeeded",
        "failed": "reporting.report_run.failed",
    },
    "climate.order": {
        "canceled": "climate.order.canceled",
        "delivered": "climate.order.delivered",
    },
    "financial_connections.account": {
        "active": "financial_connections.account.reactivated",
        "disconnected": "financial_connections.account.disconnected",
        "inactive": "financial_connections.account.deactivated",
    },
    # A quote has no quote.updated: a draft edited sends nothing; finalizing (open),
    # accepting and canceling send their event.
    "quote": {
        "open": "quote.finalized",
        "accepted": "quote.accepted",
        "canceled": "quote.canceled",
    },
    "identity.verification_session": {
        "canceled": "identity.verification_session.canceled",
        "processing": "identity.verification_session.processing",
        "requires_input": "identity.verification_session.requires_input",
        "verified": "identity.verification_session.verified",
    },  # Treasury: a money movement's event is its new status's (no ``*.updated``); a closed
    # financial account's is ``treasury.financial_account.closed``.
    "treasury.financial_account": {"closed": "treasury.financial_account.closed"},
    "treasury.received_credit": {
        "failed": "treasury.received_credit.failed",
        "succeeded": "treasury.received_credit.succeeded",
    },
    "treasury.inbound_transfer": {
        "canceled": "treasury.inbound_transfer.canceled",
        "failed": "treasury.inbound_transfer.failed",
        "succeeded": "treasury.inbound_transfer.succeeded",
    },
    **{
        f"treasury.{kind}": {
            status: f"treasury.{kind}.{status}"
            for status in ("canceled", "failed", "posted", "returned")
        }
        for kind in ("outbound_transfer", "outbound_payment")
    },
    "treasury.credit_reversal": {"posted": "treasury.credit_reversal.posted"},
    "treasury.debit_reversal": {"succeeded": "treasury.debit_reversal.completed"},
}
#: Types without a ``*.updated`` event: an update records the event of the new value of a
#: field (its status, a review's ``open``, an application fee's ``refunded``).
_UPDATED_BY: dict[str, tuple[str, dict[str, str]]] = {
    **{t: ("status", events) for t, events in _STATUS_EVENTS.items()},
    "review": ("open", {"False": "review.closed", "True": "review.opened"}),
    "application_fee": ("refunded", {"True": "application_fee.refunded"}),
}


def event_type(object_type: str, action: str, obj: dict[str, object] | None = None) -> str | None:
    """Return the Stripe event type for ``action`` (created/updated/deleted) on a type, or
    None when Stripe sends no such event (the name is not in the spec's event types: there
    is no ``balance_transaction.created``, no ``invoiceitem.updated``). Payment intents,
    Checkout Sessions, Setup Intents, top-ups, report runs, reviews... have no ``*.updated``:
    an update gives the event of the object's (new) status (``payment_intent.succeeded``,
    ``review.closed``...), or None."""
    if action == "created" and object_type == "charge":
        status = (obj or {}).get("status")
        name = "charge.failed" if status == "failed" else "charge.succeeded"
    elif action == "created" and object_type in _CREATED_NAME:
        name = _CREATED_NAME[object_type]
    elif action == "deleted" and object_type in _DELETED_NAME:
        name = _DELETED_NAME[object_type]
    elif action == "updated" and object_type in _UPDATED_BY:
        field, events = _UPDATED_BY[object_type]
        name = events.get(str((obj or {}).get(field)), "")
    else:
        name = f"{_EVENT_BASE.get(object_type, object_type)}.{action}"
    return name if name in event_types() else None


#: Types whose events are recorded (top-level objects and customer sources; not events),
#: when Stripe has an event type for the action (:func:`event_type`).
EVENTED = frozenset(
    (
        *TOP_LEVEL,
        "bank_account",
        "card",
        "issuing.token",
        "payment_method",
        "tax_id",
        "customer_cash_balance_transaction",
    )
) - {"event", "account"}
#: Connect objects (connected accounts, their persons, capabilities and external accounts)
#: record no event in the platform's log: Stripe writes ``account.updated``, ``person.*``,
#: ``capability.updated`` and ``account.external_account.*`` to the connected account's own
#: event log, which the platform reads only with ``Stripe-Account``
#: (``CONNECTED_ACCOUNT_EVENTS`` in ``tap_stripe_flow/streams/connect.py``).
#: Treasury money movements have events of their own, although listed per financial account
#: (transactions and their entries have none).
EVENTED |= {f"treasury.{kind}" for kind in list(TREASURY_CHILDREN)[2:]}

#: Types whose top-level objects record no event, although their children do: the account's
#: own tax ids (``/v1/tax_ids``); ``customer.tax_id.*`` are a customer's tax ids' events.
EVENTED_AS_CHILD_ONLY = frozenset(("tax_id",))

#: Types whose deleted objects still answer a retrieve, with ``{"id", "object", "deleted":
#: true}``; every other deleted object answers 404 ``resource_missing``.
STUBBED = frozenset(("customer",))

#: What ``delete`` does per type: "remove" drops it from lists; "cancel" marks a
#: subscription canceled (Stripe keeps it listable with ``status=all``); "detach" drops a
#: payment method from its customer's list, its ``payment_method.detached`` event carrying
#: it with ``customer`` null and the customer in ``previous_attributes`` (as Stripe's does).
DELETABLE = {
    # Terminal objects can be deleted (DELETE /v1/terminal/...); Stripe sends no event for it.
    "terminal.location": "remove",
    "terminal.reader": "remove",
    "terminal.configuration": "remove",
    "customer": "remove",
    "product": "remove",
    "plan": "remove",
    "coupon": "remove",
    "invoiceitem": "remove",
    "invoice": "remove",
    "subscription": "cancel",
    "subscription_item": "remove",
    "bank_account": "remove",
    "card": "remove",
    "account": "remove",
    "person": "remove",
    "webhook_endpoint": "remove",
    "tax_id": "remove",
    "apple_pay_domain": "remove",
    "price": "remove",
    "payment_method": "detach",
}
