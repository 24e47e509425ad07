"""Shared fixtures: a deterministic emulated Stripe account served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from stripe_emulator import Account, Emulator, build_account

API_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dcEMULATOR"
ACCOUNT_ID = "acct_1TestAccountEmu"
DATA_START = datetime(2024, 1, 1, tzinfo=UTC)
DATA_END = datetime(2024, 3, 1, tzinfo=UTC)


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


@pytest.fixture(scope="session")
def shared_account() -> Account:
    """One read-only account for the tests that do not change data."""
    return make_account()


@pytest.fixture(scope="session")
def shared_emulator(shared_account: Account) -> Iterator[Emulator]:
    with Emulator(shared_account) as emulator:
        yield emulator


@pytest.fixture
def account() -> Account:
    """A fresh account a test may change."""
    return make_account(objects=300, seed=11)


@pytest.fixture
def emulator(account: Account) -> Iterator[Emulator]:
    with Emulator(account) as emulator:
        yield emulator


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
    """A valid Flow endpoint config pointing at an emulator (advanced settings grouped)."""
    config: dict[str, Any] = {
        "account_id": ACCOUNT_ID,
        "client_secret": API_KEY,
        "start_date": "2024-01-01T00:00:00Z",
        "advanced": {"api_base_url": url},
    }
    config.update(overrides)
    return config
