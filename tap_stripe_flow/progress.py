"""Progress you can see: a line per running stream every 10 seconds, and a summary at the end.

Lines go to the tap's logger (stderr): readable text in a terminal, JSON log lines with the same
figures under ``extra.progress`` / ``extra.summary`` when the Flow adapter runs the tap.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

REPORT_EVERY_SECONDS = 10.0
_reporters: weakref.WeakSet[ProgressReporter] = weakref.WeakSet()


def close_all() -> None:
    """Log the summaries now (before a final error line, which must stay the last log line)."""
    for reporter in list(_reporters):
        reporter.close()


@dataclass
class StreamProgress:
    """Counters of one stream, read by the reporter. ``records`` and ``position`` are written by
    the thread that writes the records alone; the others come from the fetch threads, through
    ``count``."""

    name: str
    records: int = 0
    requests: int = 0
    #: Of the requests, objects read again by id: events in another API version (``client.py``).
    retrieved: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    position: int | None = None  # the newest `created` of the last page read
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(
        self,
        *,
        requests: int = 0,
        retrieved: int = 0,
        retries: int = 0,
        rate_limited: int = 0,
        waited_seconds: float = 0.0,
    ) -> None:
        """Add to the counters (``+=`` from several threads could lose counts)."""
        with self._lock:
            self.requests += requests
            self.retrieved += retrieved
            self.retries += retries
            self.rate_limited += rate_limited
            self.waited_seconds += waited_seconds

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def figures(self) -> dict[str, Any]:
        seconds = self.seconds
        return {
            "stream": self.name,
            "records": self.records,
            "requests": self.requests,
            "retrieved": self.retrieved,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "waited_seconds": round(self.waited_seconds, 1),
            "seconds": round(seconds, 1),
            "records_per_second": round(self.records / seconds) if seconds > 0 else 0,
            "position": _iso(self.position),
        }


def _iso(created: int | None) -> str | None:
    if created is None:
        return None
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ProgressReporter:
    """Reports the streams of one run; the reporting thread starts with the first stream."""

    def __init__(self, logger: logging.Logger, every: float | None = None) -> None:
        self._logger = logger
        self._every = every or REPORT_EVERY_SECONDS
        self._streams: dict[str, StreamProgress] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        _reporters.add(self)

    def track(self, progress: StreamProgress) -> None:
        """Report this stream from now on (its fetching starts)."""
        progress.started = time.monotonic()
        with self._lock:
            self._streams[progress.name] = progress
            if self._thread is None:
                self._thread = threading.Thread(target=self._report, daemon=True)
                self._thread.start()
                atexit.register(self.close)

    def finish(
        self, progress: StreamProgress, level: int = logging.INFO, fold_into: str | None = None
    ) -> None:
        """A stream is done: log its summary line (at ``level``). With ``fold_into``, the run's
        summary counts it in that row (one per stream for all connected accounts), so that
        the summary does not grow with the number of accounts."""
        progress.finished = time.monotonic()
        if fold_into is not None:
            self._fold(progress, fold_into)
        f = progress.figures()
        self._logger.log(
            level,
            "Stream %s done: %d records, %d requests, %d retries, %.1f s",
            f["stream"],
            f["records"],
            f["requests"],
            f["retries"],
            f["seconds"],
            extra={"summary": f},
        )

    def _fold(self, progress: StreamProgress, name: str) -> None:
        with self._lock:
            if self._streams.get(progress.name) is progress:
                del self._streams[progress.name]
            row = self._streams.setdefault(name, StreamProgress(name, started=progress.started))
        row.records += progress.records
        row.count(
            requests=progress.requests,
            retrieved=progress.retrieved,
            retries=progress.retries,
            rate_limited=progress.rate_limited,
            waited_seconds=progress.waited_seconds,
        )
        row.finished = max(row.finished or 0.0, progress.finished or 0.0)

    def _report(self) -> None:
        while not self._stop.wait(self._every):
            with self._lock:
                running = [p for p in self._streams.values() if p.finished is None]
            for progress in running:
                f = progress.figures()
                self._logger.info(
                    "Progress %s: %d records, %d requests, %d records/s, reading created %s, "
                    "%d retries, %.1f s waited on rate limits and errors",
                    f["stream"],
                    f["records"],
                    f["requests"],
                    f["records_per_second"],
                    f["position"] or "-",
                    f["retries"],
                    f["waited_seconds"],
                    extra={"progress": f},
                )

    def close(self) -> None:
        """Stop reporting and log the run's summary table (once)."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._lock:
            streams = list(self._streams.values())
        if not streams:
            return
        lines = [f"{'stream':<32}{'records':>10}{'requests':>10}{'retries':>9}{'seconds':>9}"]
        for p in streams:
            f = p.figures()
            lines.append(
                f"{p.name:<32}{f['records']:>10}{f['requests']:>10}{f['retries']:>9}"
                f"{f['seconds']:>9.1f}"
            )
        self._logger.info(
            "Run summary:\n%s", "\n".join(lines), extra={"summary": [p.figures() for p in streams]}
        )
