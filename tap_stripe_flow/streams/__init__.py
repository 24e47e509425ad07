"""The Stripe streams, declared: the one list of streams (behaviour: ``client.py``).

Each stream says what it reads (``path``, its parent's list, what Stripe embeds), which Stripe
``object`` its records are, its bookmark and the events that change its objects; everything
else that needs the streams (the schema generator, the tests) reads them from here.

Incremental streams are read by their creation time (``created``, or ``date`` on invoice items;
see the window in ``client.py``); child streams read their parent list and take the children
Stripe embeds in it. The seed's 22 streams come first; the streams added since (issue #14)
follow them: lists Stripe filters by ``created``, the children those lists embed (credit note
lines, fee refunds, transfer reversals, value list items), products an account may not have,
and lists Stripe does not filter by ``created`` (read whole on every run: ``catalogue.py``).
"""

from __future__ import annotations

from tap_stripe_flow.changes import ChangeEvents
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams import (
    billing,
    catalogue,
    connect,
    features,
    more,
    operations,
    payments,
    seed,
    treasury,
)

STREAM_TYPES: tuple[type[StripeStream], ...] = (
    *seed.STREAM_TYPES,
    *more.STREAM_TYPES,  # added after the seed's 22
    *features.STREAM_TYPES,
    *payments.STREAM_TYPES,  # cards, prices, payment methods... (issue #14)
    *catalogue.STREAM_TYPES,  # lists without a created filter
    *billing.STREAM_TYPES,  # billing, webhooks, tax and payment method settings
    *operations.STREAM_TYPES,  # Terminal, Issuing designs, Climate, reporting, Sigma
    *connect.STREAM_TYPES,
    *treasury.STREAM_TYPES,
)
"""Every stream, in the order discovery lists them."""


def stream_name(stream_type: type[StripeStream]) -> str:
    """A stream class's ``name`` (singer-sdk types it as an instance attribute)."""
    return str(vars(stream_type)["name"])


STREAMS: dict[str, type[StripeStream]] = {stream_name(t): t for t in STREAM_TYPES}
"""Stream name -> its class."""

SEED_STREAM_NAMES: tuple[str, ...] = tuple(stream_name(t) for t in seed.STREAM_TYPES)
"""The 22 streams of the connector this one replaces (``seed.py``)."""

CHANGE_EVENTS: dict[str, ChangeEvents] = {
    name: t.event_types for name, t in STREAMS.items() if t.event_types is not None
}
"""Stream name -> its change events, for the streams Stripe sends events for."""
