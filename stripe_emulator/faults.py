"""The emulator's refusals and injected faults: outages, rate-limit storms and limits,
injected server errors, and the page hook.

:class:`FaultInjection` is a mixin of :class:`~stripe_emulator.server.Emulator`, not a helper
object, because its settings are the emulator's own public attributes (``outage_paths``,
``page_hook``, ``retry_after``...), which tests change while it serves: each answer reads
them as they are at that request.

Guarantees:
* An outage path answers 503 with ``Stripe-Should-Retry: true`` on every request (and
  ``Retry-After`` when ``outage_retry_after`` is set), before any rate limit counts it.
* A rate-limited answer is 429; a limit's (not a storm's) names it in
  ``Stripe-Rate-Limited-Reason``; ``Retry-After`` is sent as the emulator's docstring says.
* The page hook sees only 200 list pages; a page it replaces is recorded with fault
  ``"hooked"`` unless another fault was drawn for the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from stripe_emulator import errors
from stripe_emulator.api import route_key
from stripe_emulator.limits import AccountLimits, FaultPicker, Fraction, endpoint_key

#: ``page_hook(route, query, page)``: a replacement list page, or None to serve it unchanged.
PageHook = Callable[[str, dict[str, list[str]], dict[str, Any]], "dict[str, Any] | None"]

#: Injected faults answered with a server error (and ``Stripe-Should-Retry: true``).
ERROR_FAULTS = ("500", "502", "503", "should_retry")


class FaultInjection:
    """What an emulator refuses or breaks, read from its settings at each request."""

    retry_after: int | None
    outage_paths: set[str]
    outage_retry_after: int | None
    page_hook: PageHook | None
    _limits: AccountLimits | None
    _faults: FaultPicker
    _storm: Fraction

    def _refusal(
        self, path: str, account: str
    ) -> tuple[int, bytes, list[tuple[str, str]], str | None] | None:
        """An outage, storm or rate-limit answer (status, body, headers, fault), or None;
        ``account``: the one the request acts on (whose rate limits it counts against)."""
        if route_key(path) in self.outage_paths:
            status, body = errors.server_error(503)
            headers = [("Stripe-Should-Retry", "true")]
            if self.outage_retry_after is not None:
                headers.append(("Retry-After", str(self.outage_retry_after)))
            return status, body, headers, "outage"
        if self._storm.hit():
            status, body = errors.rate_limited()
            after = self.retry_after
            return status, body, [] if after is None else [("Retry-After", str(after))], None
        limits = self._limits
        limited = limits.refusal(account, endpoint_key(path)) if limits is not None else None
        if limited is not None:
            status, body = errors.rate_limited()
            headers = [("Stripe-Rate-Limited-Reason", limited)]
            if self.retry_after:
                headers.append(("Retry-After", str(self.retry_after)))
            return status, body, headers, None
        return None

    @staticmethod
    def _injected_error(fault: str) -> tuple[int, bytes]:
        """The answer of an injected error fault (one of :data:`ERROR_FAULTS`)."""
        if fault == "should_retry":
            return errors.lock_timeout()
        return errors.server_error(int(fault))

    def _hooked(
        self, route: str, query: dict[str, list[str]], status: int, body: bytes, fault: str | None
    ) -> tuple[bytes, str | None]:
        """The body to send after the page hook (and the request's fault)."""
        if self.page_hook is not None and status == 200 and body.startswith(b'{"object":"list"'):
            changed = self.page_hook(route, query, orjson.loads(body))
            if changed is not None:
                body = orjson.dumps(changed)
                fault = fault or "hooked"
        return body, fault
