"""The test account: its key, its id, the account itself and the configs that point at it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stripe_emulator import Account, build_account

API_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dcEMULATOR"
ACCOUNT_ID = "acct_1TestAccountEmu"
DATA_START = datetime(2024, 1, 1, tzinfo=UTC)
DATA_END = datetime(2024, 3, 1, tzinfo=UTC)
DAY = 86_400
"""Seconds in a day, for moving an account's clock."""


def make_account(objects: int = 600, seed: int = 7) -> Account:
    """A small account whose objects span January and February 2024.

    Its events are kept for ever: they are dated in 2024 while the clock is today's, so Stripe's
    30-day retention would hide them all. Tests of the retention set it on their own account.
    """
    return build_account(
        objects=objects,
        seed=seed,
        start=DATA_START,
        end=DATA_END,
        account_id=ACCOUNT_ID,
        api_key=API_KEY,
        event_retention_days=None,
    )


def tap_config(url: str, **overrides: Any) -> dict[str, Any]:
    """A valid tap config pointing at an emulator."""
    config: dict[str, Any] = {
        "account_id": ACCOUNT_ID,
        "client_secret": API_KEY,
        "start_date": "2024-01-01T00:00:00Z",
        "api_base_url": url,
    }
    config.update(overrides)
    return config


def endpoint_config(url: str, **overrides: Any) -> dict[str, Any]:
    """A valid Flow endpoint config pointing at an emulator (advanced settings grouped).

    Its ``interval`` is 0: each ``open`` is one pass, after which the connector exits, as most
    tests want. ``continuous_config`` gives a session that stays open.
    """
    config: dict[str, Any] = {
        "account_id": ACCOUNT_ID,
        "client_secret": API_KEY,
        "start_date": "2024-01-01T00:00:00Z",
        "advanced": {"api_base_url": url, "interval": 0},
    }
    config.update(overrides)
    return config


def continuous_config(url: str, interval: int, **overrides: Any) -> dict[str, Any]:
    """`endpoint_config` for a capture session that stays open, a pass every ``interval`` s."""
    config = endpoint_config(url, **overrides)
    config["advanced"] = {**config["advanced"], "interval": interval}
    return config
