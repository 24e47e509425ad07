"""Connect streams: the platform's connected accounts and what each holds (persons, external
accounts, capabilities), and the network tokens of Issuing cards (issue #14).

Stripe writes the events of a connected account's objects (``account.updated``,
``person.*``, ``capability.updated``, ``account.external_account.*``,
``account.application.*``) to that account's own event log, which the platform reads only
with ``Stripe-Account: <id>`` (docs.stripe.com/connect/webhooks: "Because the connected account
owns the object that triggered the event, you must make API requests for that object as the
connected account"). The platform's ``/v1/events`` holds none of them, so none of these
streams declares them: ``accounts`` is read by ``created`` with the lookback window, and its
children are read whole on every run. ``CONNECTED_ACCOUNT_EVENTS`` names those events for the
capture of connected accounts themselves (issue #15), which reads each account's log.

With ``capture_connected_accounts`` on, these four are the platform's alone
(``platform_only``): a connected account is read for its own data, not as a platform.

An account that is not a platform lists no connected account (Stripe: "If you're not a
platform, the list is empty"), so these streams end empty there, at one request each.
"""

from __future__ import annotations

from singer_sdk import StreamSchema

from tap_stripe_flow.changes import ParentEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams.schema_files import SCHEMAS

#: Events of connected accounts' objects, in each connected account's own log (see above).
CONNECTED_ACCOUNT_EVENTS: tuple[str, ...] = (
    "account.application.authorized",
    "account.application.deauthorized",
    "account.external_account.created",
    "account.external_account.deleted",
    "account.external_account.updated",
    "account.updated",
    "capability.updated",
    "person.created",
    "person.deleted",
    "person.updated",
)


class AccountsStream(StripeStream):
    """The platform's connected accounts. A deauthorized or deleted account leaves the list
    (and no platform event says so): its record stays as last read."""

    name = "accounts"
    platform_only = True
    object_type = "account"
    path = "/v1/accounts"
    schema = StreamSchema(SCHEMAS)


class PersonsStream(StripeChildStream):
    """Persons of each connected account (Stripe embeds none: one list per account)."""

    name = "persons"
    platform_only = True
    object_type = "person"
    parent_type = "account"
    path = "/v1/accounts/{parent_id}/persons"
    parent_path = "/v1/accounts"
    parent_fields = {"account": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class ExternalAccountsStream(StripeChildStream):
    """Bank accounts and debit cards of each connected account: taken from the account's
    embedded ``external_accounts`` (the rest of the list past 10). Stripe embeds them only
    where the platform controls the account; a Standard account's are its own, not read."""

    name = "external_accounts"
    platform_only = True
    object_type = "external_account"
    parent_type = "account"
    path = "/v1/accounts/{parent_id}/external_accounts"
    parent_path = "/v1/accounts"
    embedded_field = "external_accounts"
    embedded_only = True
    parent_fields = {"account": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class CapabilitiesStream(StripeChildStream):
    """Capabilities of each connected account, one unpaged list per account. A capability's
    id is its name (``card_payments``), the same in every account: the key is
    ``[account, id]``."""

    name = "capabilities"
    platform_only = True
    object_type = "capability"
    primary_keys = ("account", "id")
    parent_type = "account"
    path = "/v1/accounts/{parent_id}/capabilities"
    parent_path = "/v1/accounts"
    paged_children = False
    parent_fields = {"account": "id"}
    replication_key = None
    schema = StreamSchema(SCHEMAS)


class IssuingTokensStream(StripeChildStream):
    """Network tokens of Issuing cards (``/v1/issuing/tokens?card=``: one list per card).
    Run incrementally, a token's ``issuing_token.*`` events (the platform's own) have its
    card's tokens read again."""

    name = "issuing_tokens"
    object_type = "issuing.token"
    parent_type = "issuing.card"
    path = "/v1/issuing/tokens"
    parent_path = "/v1/issuing/cards"
    parent_param = "card"
    parent_fields = {"card": "id"}
    replication_key = None
    parent_events = ParentEvents(child_types=("issuing_token.created", "issuing_token.updated"))
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    AccountsStream,
    CapabilitiesStream,
    ExternalAccountsStream,
    IssuingTokensStream,
    PersonsStream,
)
"""This module's streams, in the order discovery lists them."""
