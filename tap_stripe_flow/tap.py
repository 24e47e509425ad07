"""The Stripe tap: settings and the stream list."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib.catalog import Catalog
from typing_extensions import override

from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.connected_accounts import AccountScope, captures_accounts
from tap_stripe_flow.events_reader import ChangeEventsReader
from tap_stripe_flow.message_writer import BufferedJsonWriter, StateLineWriter
from tap_stripe_flow.platform_run import run_platform
from tap_stripe_flow.prefetch import Prefetch
from tap_stripe_flow.progress import ProgressReporter
from tap_stripe_flow.ratelimit import RateLimiter
from tap_stripe_flow.settings import CONFIG_SCHEMA, settings_errors
from tap_stripe_flow.streams import STREAM_TYPES, STREAMS, stream_name


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
        if isinstance(self.message_writer, BufferedJsonWriter):
            # singer-sdk deep-copies the whole state at each STATE (message_writer.py)
            self._state_writer = StateLineWriter(self.message_writer)
        if kwargs.get("validate_config", True):
            errors = settings_errors(self.config)
            if errors:
                raise ConfigValidationError(
                    "Config validation failed", errors=errors, schema=self.config_jsonschema
                )

    @cached_property
    def _reporter(self) -> ProgressReporter:
        return ProgressReporter(self.logger)

    @cached_property
    def _limiter(self) -> RateLimiter:
        """The run's one rate limiter, shared by every account's requests."""
        return RateLimiter.from_config(self.config)

    @override
    def discover_streams(self) -> list[Stream]:
        streams, _ = self._new_streams(STREAM_TYPES, None)
        return list(streams)

    def _new_streams(
        self, stream_types: tuple[type[StripeStream], ...], account: AccountScope | None
    ) -> tuple[list[StripeStream], Prefetch]:
        """Stream objects reading ``account`` (None: ``account_id``), with their prefetch."""
        streams: list[StripeStream] = []
        platform = None if account is None else self._platform_prefetch
        prefetch = Prefetch(
            streams,
            self._limiter,
            platform.session if platform else None,
            platform.buffer_space if platform else None,
        )
        reporter = self._reporter
        streams.extend(
            stream_type(tap=self, reporter=reporter, prefetch=prefetch, account=account)
            for stream_type in stream_types
        )
        prefetch.events_reader = ChangeEventsReader(
            tap=self, reporter=reporter, prefetch=prefetch, account=account
        )
        return streams, prefetch

    @property
    def _platform_prefetch(self) -> Prefetch:
        return self._stripe_streams[0]._prefetch

    @property
    def _stripe_streams(self) -> list[StripeStream]:
        return [s for s in self.streams.values() if isinstance(s, StripeStream)]

    def _account_streams(self, account: AccountScope) -> tuple[list[StripeStream], Prefetch]:
        """The selected streams of one connected account (not the platform's Connect
        streams), the catalog applied as to the platform's."""
        selected = {name for name, stream in self.streams.items() if stream.selected}
        types = tuple(t for t in STREAM_TYPES if stream_name(t) in selected and not t.platform_only)
        streams, prefetch = self._new_streams(types, account)
        for stream in streams:
            platform = self.streams[stream.name]
            assert isinstance(platform, StripeStream)
            stream.take_catalog_of(platform)
        return streams, prefetch

    # singer-sdk marks sync_all final; a platform's run is the one change (platform_run.py).
    @override  # type: ignore[misc]
    def sync_all(self) -> None:
        """Sync all streams; with ``capture_connected_accounts``, of every account too."""
        if not captures_accounts(self.config):
            super().sync_all()
            return
        self._reset_state_progress_markers()
        self._set_compatible_replication_methods()
        run_platform(self, self._stripe_streams, self._account_streams, self.logger)
        for stream in self.streams.values():
            stream.log_sync_costs()

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
