"""Rate limiting and fault injection for the emulator server.

Guarantees: both classes are thread-safe. :class:`FaultPicker` draws from its own
``random.Random(seed)``, so the n-th request seen gets the same verdict on every run.
"""

from __future__ import annotations

import random
import threading
import time

#: Fault kinds: HTTP 500/502/503 with ``Stripe-Should-Retry: true``; connection dropped
#: after part of the body; HTTP 200 with a truncated JSON body.
FAULT_KINDS = ("500", "502", "503", "drop", "truncate")


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

    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault_rate must be within [0, 1]")
        self.rate = rate
        self._rng = random.Random(f"{seed}-faults")
        self._lock = threading.Lock()

    def pick(self) -> str | None:
        """Return a kind from :data:`FAULT_KINDS`, or None for a healthy response."""
        if self.rate <= 0.0:
            return None
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(FAULT_KINDS)
