"""The two ways tests run the real tap: in this process (``run_tap``), or as the command users
run (``run_tap_cli``)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_stripe_flow.tap import TapStripeFlow
from tests.support.paths import ROOT


@dataclass
class TapRun:
    """The messages of one run, sorted out by type."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    _error: BaseException | None = None

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        by_stream: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                by_stream[message["stream"]].append(message["record"])
        return by_stream

    @property
    def error(self) -> BaseException | None:
        """What the run raised (only with ``run_tap(..., keep_error=True)``)."""
        return self._error

    @property
    def final_state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def documents(self) -> list[tuple[str, str]]:
        """(stream, id) of every record, in order."""
        return [(m["stream"], m["record"]["id"]) for m in self.messages if m["type"] == "RECORD"]

    def ids(self, stream: str) -> list[str]:
        return [record["id"] for record in self.records.get(stream, [])]


#: State keys holding times that a rewound state moves back (the bookmark stays: it says what
#: was read, not when).
RUN_TIMES = ("event_cursor", "full_read_at")


def rewound(state: Mapping[str, Any], seconds: int) -> dict[str, Any]:
    """A tap state as if its run had ended ``seconds`` earlier: changes made since (dated
    within that time) are then old enough for the next run's events."""
    moved: dict[str, Any] = json.loads(json.dumps(state))
    for bookmark in moved.get("bookmarks", {}).values():
        for key in RUN_TIMES:
            if isinstance(bookmark.get(key), int):
                bookmark[key] -= seconds
    return moved


def selected_catalog(
    config: Mapping[str, Any], streams: Iterable[str], incremental: Iterable[str] = ()
) -> dict[str, Any]:
    """The tap's discovered catalog with exactly ``streams`` selected, those in
    ``incremental`` with Singer's ``replication-method`` metadata ``INCREMENTAL``."""
    wanted, chosen = set(streams), set(incremental)
    catalog = TapStripeFlow(config=dict(config), parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in wanted
                if entry["tap_stream_id"] in chosen:
                    metadata["metadata"]["replication-method"] = "INCREMENTAL"
    return catalog


def run_tap(
    config: Mapping[str, Any],
    *,
    streams: Iterable[str] | None = None,
    state: Mapping[str, Any] | None = None,
    into: list[dict[str, Any]] | None = None,
    keep_error: bool = False,
    incremental: Iterable[str] = (),
) -> TapRun:
    """Sync the tap against ``config`` and return every message it wrote to stdout.

    ``into`` receives the messages too, also when the run fails. A failure is re-raised, or with
    ``keep_error`` kept in the run's ``error`` with what was written before it.
    """
    catalog = selected_catalog(config, streams, incremental) if streams is not None else None
    tap = TapStripeFlow(
        config=dict(config),
        catalog=catalog,
        state=copy.deepcopy(dict(state)) if state else None,  # the tap writes into it
        parse_env_config=False,
    )
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    error: BaseException | None = None
    try:
        with contextlib.redirect_stdout(out):
            tap.sync_all()
    except Exception as exc:
        if not keep_error:
            raise
        error = exc
    finally:
        out.flush()
        run = TapRun([json.loads(line) for line in raw.getvalue().splitlines() if line.strip()])
        out.detach()
        if into is not None:
            into.extend(run.messages)
    run._error = error
    return run


@dataclass
class CliRun:
    """A run of ``python -m tap_stripe_flow`` as a process."""

    code: int
    stdout: str
    stderr: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "RECORD"]

    @property
    def last_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""


def run_tap_cli(config: Mapping[str, Any], tmp_path: Path, *args: str) -> CliRun:
    """``python -m tap_stripe_flow --config <file> *args``, as users run it."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    done = subprocess.run(
        [sys.executable, "-m", "tap_stripe_flow", "--config", str(config_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    return CliRun(done.returncode, done.stdout, done.stderr)
