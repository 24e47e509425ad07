"""Runs the real tap in-process and collects the Singer messages it writes."""

from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_stripe_flow.tap import TapStripeFlow


@dataclass
class TapRun:
    """The messages of one run, sorted out by type."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        by_stream: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                by_stream[message["stream"]].append(message["record"])
        return by_stream

    @property
    def final_state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def ids(self, stream: str) -> list[str]:
        return [record["id"] for record in self.records.get(stream, [])]


def selected_catalog(config: Mapping[str, Any], streams: Iterable[str]) -> dict[str, Any]:
    """The tap's discovered catalog with exactly ``streams`` selected."""
    wanted = set(streams)
    catalog = TapStripeFlow(config=dict(config), parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def run_tap(
    config: Mapping[str, Any],
    *,
    streams: Iterable[str] | None = None,
    state: Mapping[str, Any] | None = None,
    into: list[dict[str, Any]] | None = None,
) -> TapRun:
    """Sync the tap against ``config`` and return every message it wrote to stdout.

    ``into`` receives the messages too, also when the run fails (the exception is re-raised).
    """
    catalog = selected_catalog(config, streams) if streams is not None else None
    tap = TapStripeFlow(
        config=dict(config),
        catalog=catalog,
        state=dict(state) if state else None,
        parse_env_config=False,
    )
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out):
            tap.sync_all()
    finally:
        out.flush()
        run = TapRun([json.loads(line) for line in raw.getvalue().splitlines() if line.strip()])
        out.detach()
        if into is not None:
            into.extend(run.messages)
    return run
