"""The Stripe tap: settings and the stream list."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib.catalog import Catalog
from typing_extensions import override

from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.events_reader import ChangeEventsReader
from tap_stripe_flow.output import BufferedJsonWriter
from tap_stripe_flow.prefetch import Prefetch
from tap_stripe_flow.progress import ProgressReporter
from tap_stripe_flow.ratelimit import RateLimiter
from tap_stripe_flow.settings import CONFIG_SCHEMA, settings_errors
from tap_stripe_flow.streams import STREAM_TYPES, STREAMS


class TapStripeFlow(Tap):
    """Singer tap for Stripe: 22 streams, incremental by ``created`` with a lookback window."""

    name = "tap-stripe-flow"
    # A copy: singer-sdk adds its built-in settings (stream maps...) to this schema in place.
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    message_writer_class = BufferedJsonWriter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        #: Stream -> the replication method its catalog entry asks for (read before singer-sdk
        #: parses the catalog, which drops Singer's ``replication-method`` metadata).
        self.chosen_methods = chosen_methods(kwargs.get("catalog"))
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

    @override
    @property
    def catalog_dict(self) -> dict[str, Any]:
        """The catalog, saying which full-table streams may also run incrementally."""
        catalog: dict[str, Any] = super().catalog_dict
        for entry in catalog.get("streams", []):
            stream = STREAMS.get(entry.get("tap_stream_id"))
            if stream is None or not stream.reads_events_alone():
                continue
            for item in entry.get("metadata", []):
                if item.get("breadcrumb") == []:
                    item["metadata"][SUPPORTED_METHODS] = [FULL_TABLE, INCREMENTAL]
        return catalog


FULL_TABLE, INCREMENTAL = "FULL_TABLE", "INCREMENTAL"
#: Root metadata listing a stream's replication methods (``flow_adapter.mapping`` reads it).
SUPPORTED_METHODS = "supported-replication-methods"


def chosen_methods(catalog: Any) -> dict[str, str]:
    """Stream -> replication method a Singer catalog asks for: its root metadata
    ``forced-replication-method`` or ``replication-method`` (what Meltano's ``metadata`` extra
    sets), else the entry's ``replication_method`` (what discovery wrote)."""
    if isinstance(catalog, str | PurePath):
        catalog = json.loads(Path(catalog).read_text(encoding="utf-8"))
    elif isinstance(catalog, Catalog):
        catalog = catalog.to_dict()
    chosen: dict[str, str] = {}
    if not isinstance(catalog, Mapping):
        return chosen
    for entry in catalog.get("streams") or []:
        root = next(
            (
                m.get("metadata") or {}
                for m in entry.get("metadata") or []
                if m.get("breadcrumb") == []
            ),
            {},
        )
        method = (
            root.get("forced-replication-method")
            or root.get("replication-method")
            or entry.get("replication_method")
        )
        name = entry.get("tap_stream_id") or entry.get("stream")
        if isinstance(method, str) and isinstance(name, str):
            chosen[name] = method.upper()
    return chosen
