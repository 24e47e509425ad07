"""Where things are: the repository, the shared folder beside it, the golden files."""

from __future__ import annotations

from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
"""The repository."""
SHARED: Final = ROOT.parent / "shared"
"""``../shared/``: the contract, Stripe's OpenAPI spec and fixtures (never committed here)."""
STRIPE_SPEC: Final = SHARED / "stripe-openapi" / "spec3.2024-06-20.json"
GOLDEN: Final = ROOT / "tests" / "golden"
