"""A tiny, deterministic singer-sdk tap used only by the flow_adapter tests.

No network: every record is computed from the config.

- ``items``: incremental on ``updated`` (ids ``1..record_count``, ``updated == id``), key ``id``;
  the record whose id is in ``deleted_ids`` carries a non-null ``_sdc_deleted_at``. On a later run
  it emits only records with ``updated`` greater than the bookmark.
- ``events``: like ``items`` with ``event_count`` records (no test hooks).
- ``tags``: full table, no key, ``tag_count`` rows.

Test hooks: ``count_path`` names a file holding the number of ``items``, read when a run starts
(instead of ``record_count``), so that a test adds items while a capture session runs;
``delay_seconds`` sleeps before each ``items`` record; ``fail_after`` raises after
that many ``items`` records; ``state_dump_path`` receives the state the tap was started with;
``fail_discovery`` makes discovery fail; ``workspace_dump_path`` receives the modes of the
adapter's private directory and catalog file, and whether the config is a pipe; ``api_key`` is
logged on purpose (a careless tap), so tests can check that the adapter scrubs it.
"""

from __future__ import annotations

import json
import stat
import sys
import time
import typing as t
from pathlib import Path

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class ItemsStream(Stream):
    """Incremental stream keyed on ``id``."""

    name = "items"
    primary_keys = ("id",)
    replication_key = "updated"
    is_sorted = True
    count_setting = "record_count"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType),
        th.Property("updated", th.IntegerType),
        th.Property("name", th.StringType),
        th.Property("_sdc_deleted_at", th.StringType),
    ).to_dict()

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Yield items newer than the bookmark."""
        start = self.get_starting_replication_key_value(context) or 0
        own = self.name == "items"
        fail_after = self.config.get("fail_after") if own else None
        deleted = set(self.config.get("deleted_ids", [])) if own else set()
        delay = float(self.config.get("delay_seconds", 0)) if own else 0.0
        first = int(start) + 1
        count = int(self.config.get(self.count_setting, 0))
        if own and self.config.get("count_path"):
            count = int(Path(self.config["count_path"]).read_text(encoding="utf-8"))
        for emitted, i in enumerate(range(first, count + 1)):
            if fail_after is not None and emitted >= fail_after:
                msg = "simulated upstream failure"
                raise RuntimeError(msg)
            if delay:
                time.sleep(delay)
            yield {
                "id": i,
                "updated": i,
                "name": f"item {i}",
                "_sdc_deleted_at": "2024-01-01T00:00:00Z" if i in deleted else None,
            }


class EventsStream(ItemsStream):
    """A second incremental stream, so tests can re-backfill one and keep the other."""

    name = "events"
    count_setting = "event_count"


class TagsStream(Stream):
    """Full-table stream without a key."""

    name = "tags"
    schema = th.PropertiesList(
        th.Property("label", th.StringType),
    ).to_dict()

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Yield ``tag_count`` rows."""
        for i in range(int(self.config.get("tag_count", 2))):
            yield {"label": f"tag-{i}"}


class TapFixture(Tap):
    """The fixture tap."""

    name = "tap-fixture"
    config_jsonschema = th.PropertiesList(
        th.Property("api_key", th.StringType, required=True, secret=True),
        th.Property("record_count", th.IntegerType, required=True),
        th.Property("tag_count", th.IntegerType),
        th.Property("event_count", th.IntegerType),
        th.Property("fail_after", th.IntegerType),
        th.Property("deleted_ids", th.ArrayType(th.IntegerType)),
        th.Property("state_dump_path", th.StringType),
        th.Property("delay_seconds", th.NumberType),
        th.Property("count_path", th.StringType),
        th.Property("fail_discovery", th.BooleanType),
        th.Property("workspace_dump_path", th.StringType),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        """Return both streams; log the key like a careless tap would."""
        self.logger.info("authenticating with key %s", self.config["api_key"])
        if self.config.get("fail_discovery"):
            msg = f"cannot list streams with key {self.config['api_key']}"
            raise RuntimeError(msg)
        workspace_dump = self.config.get("workspace_dump_path")
        if workspace_dump and "--catalog" in sys.argv:  # the sync, not the discovery
            config_file = Path(sys.argv[sys.argv.index("--config") + 1])
            catalog_file = Path(sys.argv[sys.argv.index("--catalog") + 1])
            modes = {
                "dir": catalog_file.parent.stat().st_mode & 0o777,
                "catalog": catalog_file.stat().st_mode & 0o777,
                "dir_path": str(catalog_file.parent),
                "config_is_a_pipe": stat.S_ISFIFO(config_file.stat().st_mode),
            }
            Path(workspace_dump).write_text(json.dumps(modes), encoding="utf-8")
        dump = self.config.get("state_dump_path")
        if dump and self.input_catalog is not None:
            # whole or not at all: a test polls this file while passes follow each other
            partial = Path(f"{dump}.partial")
            partial.write_text(json.dumps(self.state), encoding="utf-8")
            partial.replace(dump)
        return [ItemsStream(self), EventsStream(self), TagsStream(self)]


if __name__ == "__main__":
    TapFixture.cli()
