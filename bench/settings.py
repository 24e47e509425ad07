"""What a benchmark run is given: the sizes of its accounts and the emulator's behaviour.

Sizes are named in :data:`FULL_SIZES`; a run scales them all by one factor (``--quick``:
:data:`QUICK_SCALE`), never below :data:`LEAST`.
"""

from __future__ import annotations

from dataclasses import dataclass

QUICK_SCALE = 1 / 20
FULL_SIZES: dict[str, int] = {
    "cpu_charges": 100_000,
    "io_objects": 20_000,
    "io_charges": 200_000,
    "memory_small": 10_000,
    "memory_middle": 100_000,
    "memory_large": 1_000_000,
}
LEAST = 50  # smallest size any scaled figure is shrunk to


@dataclass(frozen=True)
class Settings:
    """Sizes and emulator behaviour for one benchmark run."""

    scale: float = 1.0
    io_latency_ms: float = 150.0
    io_rate_limit: float = 100.0
    #: Stripe's per-endpoint limit, enforced by the emulator and given to the connector in the
    #: I/O scenarios (None: neither has one).
    io_endpoint_rate_limit: float | None = 25.0
    timeout: float = 1800.0

    def size(self, name: str) -> int:
        return max(LEAST, round(FULL_SIZES[name] * self.scale))
