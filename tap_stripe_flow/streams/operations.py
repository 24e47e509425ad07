"""Streams of in-person payments (issue #14): Terminal locations, readers and configurations.

None of these lists filters by ``created`` (Stripe's spec gives them no such parameter), so
each is read whole on every run (``filters_created = False``: full refresh). Stripe sends no
event for a Terminal object created, changed or deleted (``terminal.reader.action_*`` tell
only a reader's action), so a mode reading events alone would lose changes without a word:
these streams are full refresh alone. A deleted object is gone from the next run's read.

An account in a country without Terminal is answered "Terminal is currently only available in
certain countries" (``NOT_SET_UP`` in ``account.py``): the stream is skipped with one info line
quoting Stripe.
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


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    TerminalLocationsStream,
    TerminalReadersStream,
    TerminalConfigurationsStream,
)
"""This module's streams, in the order discovery lists them."""
