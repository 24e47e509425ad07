"""Streams of products an account must be set up for (Identity, Issuing).

An account without one answers its lists with "Your account is not set up to use Issuing" and
the stream is skipped, saying so (``errors.py``); an account with it gets its data.
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ChangeEvents
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS


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
    IdentityVerificationReportsStream,
    IdentityVerificationSessionsStream,
    IssuingAuthorizationsStream,
    IssuingCardholdersStream,
    IssuingCardsStream,
    IssuingDisputesStream,
    IssuingTransactionsStream,
)
"""This module's streams, in the order discovery lists them."""
