"""Rate limiting and fault injection for the emulator server.

Guarantees: both classes are thread-safe. :class:`FaultPicker` draws from its own
``random.Random(seed)``, so the n-th request seen gets the same verdict on every run.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence

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
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


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
