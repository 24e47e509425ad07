"""The emulator's request log: one :class:`RequestRecord` a request, its counters and rates.

Guarantees:
* Thread-safe: handler threads add records and draw request ids while a test reads the log;
  one lock covers both.
* A record holds the method, path, query and the ``Stripe-Version``/``Stripe-Account``
  headers, never the ``Authorization`` header (API keys never reach the log).
* :meth:`RequestLog.records` is a copy, oldest first; every request is recorded, answered or
  refused.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

from stripe_emulator.limits import peak_rates


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw and answered it."""

    method: str
    path: str
    #: Parsed query string: name -> list of values (``created[gte]`` stays one name).
    query: dict[str, list[str]]
    status: int
    #: ``time.monotonic()`` when the request arrived.
    time: float
    #: Injected fault kind ("500", "502", "503", "drop", "truncate", "should_retry", "slow",
    #: "outage", "down", "hooked": a page changed by ``page_hook``) or None.
    fault: str | None
    #: Normalized list path ("/v1/invoices/{id}/lines") or the raw path when unrouted.
    route: str
    stripe_version: str | None
    stripe_account: str | None
    #: The account the request acted on: a connected account's id when ``stripe_account``
    #: names one the platform lists, else the platform's (an unknown one included).
    account: str = ""


def arrival(
    handler: BaseHTTPRequestHandler,
    path: str,
    query: dict[str, list[str]],
    arrived: float,
    account: str,
) -> RequestRecord:
    """The record of ``handler``'s request as it arrives, acting on ``account``: all but its
    answer (status 0, no fault, the raw path as route) until :func:`answered`."""
    return RequestRecord(
        method=handler.command,
        path=path,
        query=query,
        status=0,
        time=arrived,
        fault=None,
        route=path,
        stripe_version=handler.headers.get("Stripe-Version"),
        stripe_account=handler.headers.get("Stripe-Account"),
        account=account,
    )


def answered(record: RequestRecord, status: int, fault: str | None, route: str) -> RequestRecord:
    """``record`` answered ``status`` (``route`` "": the raw path)."""
    return replace(record, status=status, fault=fault, route=route or record.path)


class RequestLog:
    """Every request an emulator saw, and the ids of its responses."""

    def __init__(self) -> None:
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._request_ids = 0

    def next_request_id(self) -> int:
        """The next response's ``Request-Id`` number (1, 2, ...)."""
        with self._lock:
            self._request_ids += 1
            return self._request_ids

    def add(self, record: RequestRecord) -> None:
        """Append one request's record."""
        with self._lock:
            self._log.append(record)

    def records(self) -> list[RequestRecord]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        """Forget the log (request ids keep counting)."""
        with self._lock:
            self._log.clear()

    def stats(self) -> dict[str, Any]:
        """Summary counts, see :meth:`~stripe_emulator.server.Emulator.stats`."""
        log = self.records()
        faults = Counter(r.fault for r in log if r.fault)
        return {
            "total": len(log),
            "by_account": dict(Counter(r.account for r in log)),
            "by_route": dict(Counter(r.route for r in log)),
            "by_path": dict(Counter(r.path for r in log)),
            "by_status": dict(Counter(r.status for r in log)),
            "rate_limited": sum(1 for r in log if r.status == 429),
            "faults": dict(faults),
            "fault_total": sum(faults.values()),
            "stripe_versions": dict(Counter(r.stripe_version for r in log if r.stripe_version)),
        }

    def peak_rates(self, window: float) -> dict[str, dict[str, int]]:
        """Peak arrivals per account and endpoint, see
        :meth:`~stripe_emulator.server.Emulator.peak_rates`."""
        return peak_rates(((r.account, r.path, r.time) for r in self.records()), window)
