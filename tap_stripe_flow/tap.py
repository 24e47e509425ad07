"""The Stripe tap: settings and the stream list."""

from __future__ import annotations

import copy
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.events_reader import ChangeEventsReader
from tap_stripe_flow.output import BufferedJsonWriter
from tap_stripe_flow.prefetch import Prefetch
from tap_stripe_flow.progress import ProgressReporter
from tap_stripe_flow.ratelimit import RateLimiter
from tap_stripe_flow.settings import CONFIG_SCHEMA, settings_errors
from tap_stripe_flow.streams import STREAM_TYPES


class TapStripeFlow(Tap):
    """Singer tap for Stripe: 22 streams, incremental by ``created`` with a lookback window."""

    name = "tap-stripe-flow"
    # A copy: singer-sdk adds its built-in settings (stream maps...) to this schema in place.
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    message_writer_class = BufferedJsonWriter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kwargs.get("validate_config", True):
            errors = settings_errors(self.config)
            if errors:
                raise ConfigValidationError(
                    "Config validation failed", errors=errors, schema=self.config_jsonschema
                )

    @override
    def discover_streams(self) -> list[Stream]:
        reporter = ProgressReporter(self.logger)
        streams: list[StripeStream] = []
        prefetch = Prefetch(streams, RateLimiter.from_config(self.config))
        streams.extend(
            stream_type(tap=self, reporter=reporter, prefetch=prefetch)
            for stream_type in STREAM_TYPES
        )
        prefetch.events_reader = ChangeEventsReader(tap=self, reporter=reporter, prefetch=prefetch)
        return list(streams)
