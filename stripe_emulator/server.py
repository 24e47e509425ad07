"""The HTTP side of the emulator: a threaded HTTP/1.1 keep-alive server on 127.0.0.1.

Guarantees:
* Each response is written with a single ``sendall`` (status line, headers, body), with
  ``Content-Length`` and TCP_NODELAY, so keep-alive clients never stall on Nagle
  (:mod:`~stripe_emulator.http_server`).
* Every request is recorded (:class:`RequestRecord`) before its response is sent; the log
  and :meth:`Emulator.stats` are thread-safe.
* Nothing is logged to stderr; API keys never appear in the log (only method, path, query).
* :meth:`Emulator.stop` closes the listening socket and every open client connection and
  joins the handler threads, so no socket is left for the garbage collector.
* A platform's connected accounts are served under ``Stripe-Account`` each from its own
  :class:`Account` (:class:`Emulator`, "Connect"); nothing of one account shows in another's.

Layout: this module decides what each request gets (:class:`Emulator`); the bytes travel
through :mod:`~stripe_emulator.http_server`, the log is :mod:`~stripe_emulator.request_log`
(:class:`RequestRecord`), refusals and injected faults are :mod:`~stripe_emulator.faults`
(:data:`PageHook`), and which account a request acts on is :mod:`~stripe_emulator.routing`.
Every name this module exported is still importable from it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stripe_emulator import errors
from stripe_emulator.account import Account
from stripe_emulator.api import Api, route_key
from stripe_emulator.faults import ERROR_FAULTS, FaultInjection, PageHook
from stripe_emulator.http_server import Handler, Server
from stripe_emulator.limits import FAULT_KINDS, AccountLimits, FaultPicker, Fraction
from stripe_emulator.request_log import RequestLog, RequestRecord, answered, arrival
from stripe_emulator.routing import Platform

__all__ = ["Emulator", "PageHook", "RequestRecord"]


class Emulator(FaultInjection):
    """A running (or startable) emulated Stripe API for one :class:`Account`.

    ``latency_ms`` sleeps per request; ``rate_limit`` caps requests per second (token bucket,
    bursts up to one second's worth) and answers 429, adding ``Retry-After: retry_after``
    when set; ``endpoint_rate_limit`` caps each endpoint's requests per second the same way,
    on top of ``rate_limit`` (an endpoint is the operation with its ids folded: every
    customer's ``/v1/customers/{id}/balance_transactions`` is one; ``limits.endpoint_key``);
    their 429s name the limit in ``Stripe-Rate-Limited-Reason`` (``global-rate`` or
    ``endpoint-rate``), as Stripe does; ``fault_rate`` fails that fraction of requests
    (500/502/503 with ``Stripe-Should-Retry: true``, a dropped connection, or a truncated 200
    body), chosen deterministically from ``seed``; ``restricted_keys`` maps extra keys to the
    list paths they may read (``/v1/account`` is always allowed); ``unavailable_paths`` answer
    400 "not set up". Paths may use ``{id}`` or the spec's placeholder names.

    Fault-injection extras (all off by default):

    * ``rate_limit_fraction``: that seeded fraction of requests is answered 429, with
      ``Retry-After: retry_after`` when ``retry_after`` is not None (0 included).
    * ``fault_kinds``: the kinds ``fault_rate`` draws from (default: ``FAULT_KINDS``); may add
      ``"should_retry"`` (409 ``lock_timeout`` with ``Stripe-Should-Retry: true``) and
      ``"slow"`` (a healthy answer sent after ``slow_seconds``).
    * ``outage_paths``: list paths answered 503 (``Stripe-Should-Retry: true``, and
      ``Retry-After: outage_retry_after`` when set) on every request: a permanent outage of
      one resource.
    * :attr:`down`: while True, every request's connection is closed without an answer.
    * ``page_hook(route, query, page)``: sees every 200 list page as parsed JSON and may return
      a replacement page (recorded with fault ``"hooked"``), to serve shapes Stripe might send.

    Connect: ``account`` is the platform; a request acts on the account its ``Stripe-Account``
    header names, with the platform's key (or one of its ``restricted_keys``, whose paths
    apply on every account it acts on):

    * no header, or the platform's own id: the platform;
    * an ``account`` object the platform lists (``/v1/accounts``): that connected account's
      data, ``connected_accounts[id]``, or else an empty :class:`Account` made on first use
      and kept (:meth:`connected`); its ``/v1/account`` is the platform's object of it, and
      it is no platform: its ``/v1/accounts`` is empty;
    * any other id, and an account the platform deleted (:meth:`disconnect`): 403
      ``account_invalid``, as Stripe answers a key without access to the account.

    Rate limits are per account the request acts on: the platform and each connected account
    have their own ``rate_limit`` and ``endpoint_rate_limit`` buckets. Stripe's docs measure
    limits "per account" and do not say whether a request made with ``Stripe-Account``
    counts against the platform or the connected account (``../shared/stripe-facts.md``);
    the emulator counts it against the connected account. ``rate_limit_fraction`` and the
    faults are drawn over all requests, whichever account they act on.
    """

    def __init__(
        self,
        account: Account,
        *,
        latency_ms: float = 0,
        rate_limit: float | None = None,
        endpoint_rate_limit: float | None = None,
        fault_rate: float = 0.0,
        retry_after: int | None = None,
        restricted_keys: Mapping[str, Iterable[str]] | None = None,
        unavailable_paths: Iterable[str] = (),
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit_fraction: float = 0.0,
        fault_kinds: Iterable[str] = FAULT_KINDS,
        slow_seconds: float = 0.0,
        outage_paths: Iterable[str] = (),
        outage_retry_after: int | None = None,
        page_hook: PageHook | None = None,
        connected_accounts: Mapping[str, Account] | None = None,
    ) -> None:
        self.account = account
        self.latency = latency_ms / 1000.0
        self.retry_after = retry_after
        self.api = Api(account, restricted_keys, unavailable_paths)
        self._platform = Platform(self.api, connected_accounts)
        self._limits = (
            AccountLimits(rate_limit, endpoint_rate_limit)
            if rate_limit or endpoint_rate_limit
            else None
        )
        self._faults = FaultPicker(fault_rate, seed, tuple(fault_kinds))
        self._storm = Fraction(rate_limit_fraction, seed, "rate_limit_fraction")
        self.slow_seconds = slow_seconds
        self.outage_paths = {route_key(p) for p in outage_paths}
        self.outage_retry_after = outage_retry_after
        self.page_hook = page_hook
        #: While True, every connection is closed without an answer (a full outage).
        self.down = False
        self._address = (host, port)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._requests = RequestLog()
        self.url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Emulator:
        """Bind (a free port by default) and serve in a background thread."""
        if self._server is not None:
            return self
        self._server = Server(self._address, self)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close all connections and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.connections_lock:
            for conn in list(server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ observation
    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        return self._requests.records()

    def clear_requests(self) -> None:
        """Forget the request log (counters restart from zero)."""
        self._requests.clear()

    def stats(self) -> dict[str, Any]:
        """Summary counts: total, by_account (requests per account acted on, see
        :attr:`RequestRecord.account`), by_route, by_path, by_status, rate_limited, faults
        (by kind), fault_total, stripe_versions (header values seen)."""
        return self._requests.stats()

    def peak_rates(self, window: float = 1.0) -> dict[str, dict[str, int]]:
        """The most requests that arrived within any ``window`` seconds (a sliding window),
        per account acted on and per endpoint (:func:`~stripe_emulator.limits.endpoint_key`),
        ``"*"`` for all of the account's endpoints together: what its rate limits count.
        Every recorded request counts, answered or refused."""
        return self._requests.peak_rates(window)

    # ------------------------------------------------------------------ Connect
    def connected(self, account_id: str) -> Account:
        """A connected account's data (:meth:`Platform.connected`); KeyError when the
        platform does not list it."""
        return self._platform.connected(account_id)

    def connect(self, account: Account, kind: str = "express") -> dict[str, Any]:
        """Connect ``account`` while serving: the platform lists its ``account`` object (of
        type ``kind``, created at the platform's clock) from now on. Returns that object."""
        return self._platform.connect(account, kind)

    def disconnect(self, account_id: str) -> None:
        """The platform deletes the connected account (deauthorized, removed): it leaves
        ``/v1/accounts`` and ``Stripe-Account: <its id>`` answers 403 from now on."""
        self._platform.disconnect(account_id)

    def reject(self, account_id: str, reason: str = "fraud") -> dict[str, Any]:
        """Reject a connected account (:func:`~stripe_emulator.platform.reject_account`,
        ``account.updated`` in its own event log); its data stays readable."""
        return self._platform.reject(account_id, reason)

    # ------------------------------------------------------------------ serving
    def _serve(self, handler: Handler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        acting, api = self._platform.acting(handler.headers.get("Stripe-Account"))
        record = arrival(handler, path, query, arrived, acting)
        if self.latency:
            time.sleep(self.latency)
        if self.down:
            self._requests.add(answered(record, 0, "down", ""))
            handler.close_connection = True
            return
        refused = self._refusal(path, acting)
        if refused is not None:
            status, body, headers, fault = refused
            route = route_key(path) if fault == "outage" else ""
            self._requests.add(answered(record, status, fault, route))
            handler.respond(status, body, headers)
            return
        fault = self._faults.pick()
        if fault in ERROR_FAULTS:
            assert fault is not None
            status, body = self._injected_error(fault)
            self._requests.add(answered(record, status, fault, ""))
            handler.respond(status, body, [("Stripe-Should-Retry", "true")])
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
        try:
            status, body, route = api.handle(
                path,
                query,
                handler.headers.get("Authorization"),
                handler.headers.get("Stripe-Account"),
                handler.headers.get("Stripe-Version"),
            )
        except Exception:  # noqa: BLE001 - a bug must answer 500, not kill the connection
            status, body, route = (*errors.server_error(500), path)
        body, fault = self._hooked(route, query, status, body, fault)
        if fault == "truncate":
            body = body[: max(1, len(body) // 2)]
            status = 200
        self._requests.add(answered(record, status, fault, route))
        if fault == "drop":
            handler.close_connection = True
            handler.respond(status, body[: len(body) // 2], declared_length=len(body))
            return
        handler.respond(status, body)

    def _serve_other(self, handler: Handler) -> None:
        """A method the API does not serve (POST, DELETE...): 404, recorded."""
        path = urlsplit(handler.path).path
        status, body = errors.unrecognized_url(handler.command, path)
        acting = self._platform.acting(handler.headers.get("Stripe-Account"))[0]
        record = arrival(handler, path, {}, time.monotonic(), acting)
        self._requests.add(answered(record, status, None, ""))
        handler.respond(status, body)
