"""Rate limiting and fault injection for the emulator server.

Guarantees: every class is thread-safe. :class:`FaultPicker` draws from its own
``random.Random(seed)``, so the n-th request seen gets the same verdict on every run.
:class:`RateLimits` enforces Stripe's two rate limits: the account's (global) and each
endpoint's (:func:`endpoint_key`); :class:`AccountLimits` keeps them per account.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from stripe_emulator.api import resolve, route_key

#: Fault kinds: HTTP 500/502/503 with ``Stripe-Should-Retry: true``; connection dropped
#: after part of the body; HTTP 200 with a truncated JSON body.
FAULT_KINDS = ("500", "502", "503", "drop", "truncate")
#: Kinds drawn only when asked for (``Emulator(fault_kinds=...)``): HTTP 409 ``lock_timeout``
#: with ``Stripe-Should-Retry: true``; a healthy answer sent after ``slow_seconds``.
EXTRA_FAULT_KINDS = ("should_retry", "slow")
ALL_FAULT_KINDS = FAULT_KINDS + EXTRA_FAULT_KINDS


class TokenBucket:
    """Allows ``rate`` requests per second on average with bursts up to ``rate``."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate_limit must be positive")
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Take one token; False when none is left (the request is over the limit)."""
        with self._lock:
            if self.has_token(time.monotonic()):
                self.take()
                return True
            return False

    def has_token(self, now: float) -> bool:
        """Refill up to ``now``; whether a token is there (none is taken). The caller holds a
        lock of its own (:class:`RateLimits`) or this bucket's."""
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        return self._tokens >= 1.0

    def take(self) -> None:
        """Take the token :meth:`has_token` saw."""
        self._tokens -= 1.0


def endpoint_key(path: str) -> str:
    """The endpoint of Stripe's per-endpoint rate limit that a request to ``path`` counts
    against: the operation, with the ids in the path folded to ``{id}``.

    ``/v1/customers/cus_1/balance_transactions`` and ``.../cus_2/...`` are both
    ``/v1/customers/{id}/balance_transactions``; a retrieve ``/v1/charges/ch_1`` is
    ``/v1/charges/{id}`` (not the list ``/v1/charges``), and a child's
    ``/v1/customers/{id}/sources/{id}`` (not its list); a path the emulator does not route is
    its own endpoint.
    """
    route = resolve(path)
    if route is None:
        return path
    if route.kind in ("retrieve", "child"):  # one object, of a top-level list or a child list
        return route_key(route.spec_path) + "/{id}"
    return route.key


class RateLimits:
    """Stripe's request-rate limits: ``global_rate`` requests per second for the account and
    ``endpoint_rate`` for each endpoint (None: no such limit), each a :class:`TokenBucket`.

    A request is allowed only when the global bucket and its endpoint's both hold a token, and
    then takes one of each; a refused request takes none (it was not served).
    """

    def __init__(self, global_rate: float | None, endpoint_rate: float | None) -> None:
        if endpoint_rate is not None and endpoint_rate <= 0:
            raise ValueError("endpoint_rate_limit must be positive")
        self._global = TokenBucket(global_rate) if global_rate else None
        self._endpoint_rate = endpoint_rate
        self._endpoints: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def refusal(self, endpoint: str) -> str | None:
        """None when a request to ``endpoint`` may be served now (its tokens are taken), else
        the limit it exceeds as Stripe's ``Stripe-Rate-Limited-Reason`` names it:
        ``global-rate`` or ``endpoint-rate``."""
        now = time.monotonic()
        with self._lock:
            bucket = None
            if self._endpoint_rate:
                bucket = self._endpoints.get(endpoint)
                if bucket is None:
                    bucket = self._endpoints[endpoint] = TokenBucket(self._endpoint_rate)
            if self._global is not None and not self._global.has_token(now):
                return "global-rate"
            if bucket is not None and not bucket.has_token(now):
                return "endpoint-rate"
            for taken in (self._global, bucket):
                if taken is not None:
                    taken.take()
            return None


class AccountLimits:
    """:class:`RateLimits` per account a request acts on (Stripe measures its limits "per
    account"): each account, the platform and every connected account, has its own global
    and per-endpoint buckets, made on its first request."""

    def __init__(self, global_rate: float | None, endpoint_rate: float | None) -> None:
        RateLimits(global_rate, endpoint_rate)  # the rates' checks, once
        self._rates = (global_rate, endpoint_rate)
        self._accounts: dict[str, RateLimits] = {}
        self._lock = threading.Lock()

    def refusal(self, account: str, endpoint: str) -> str | None:
        """:meth:`RateLimits.refusal` in the buckets of ``account``."""
        with self._lock:
            limits = self._accounts.get(account)
            if limits is None:
                limits = self._accounts[account] = RateLimits(*self._rates)
        return limits.refusal(endpoint)


def peak_rates(
    requests: Iterable[tuple[str, str, float]], window: float = 1.0
) -> dict[str, dict[str, int]]:
    """From ``(account, path, arrival time)`` triples: the most requests within any
    ``window`` seconds per account and per endpoint (:func:`endpoint_key`), ``"*"`` for all
    of the account's endpoints together."""
    times: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for account, path, when in requests:
        times[account, endpoint_key(path)].append(when)
        times[account, "*"].append(when)
    out: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (account, endpoint), stamps in times.items():
        stamps.sort()
        best = first = 0
        for last, now in enumerate(stamps):
            while now - stamps[first] >= window:
                first += 1
            best = max(best, last - first + 1)
        out[account][endpoint] = best
    return dict(out)


class FaultPicker:
    """Decides, per request, whether and how it fails (fraction ``rate`` of requests)."""

    def __init__(self, rate: float, seed: int, kinds: Sequence[str] = FAULT_KINDS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault_rate must be within [0, 1]")
        unknown = sorted(set(kinds) - set(ALL_FAULT_KINDS))
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {ALL_FAULT_KINDS}")
        self.rate = rate
        self.kinds = tuple(kinds)
        self._rng = random.Random(f"{seed}-faults")
        self._lock = threading.Lock()

    def pick(self) -> str | None:
        """Return a kind from :data:`FAULT_KINDS`, or None for a healthy response."""
        if self.rate <= 0.0:
            return None
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)


class Fraction:
    """Says yes to a seeded fraction ``rate`` of calls (``rate_limit_fraction``'s 429 storm)."""

    def __init__(self, rate: float, seed: int, name: str) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
        self.rate = rate
        self._rng = random.Random(f"{seed}-{name}")
        self._lock = threading.Lock()

    def hit(self) -> bool:
        """True for about ``rate`` of the calls, deterministically by seed and call order."""
        if self.rate <= 0.0:
            return False
        with self._lock:
            return self._rng.random() < self.rate
