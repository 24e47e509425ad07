"""Shared fixtures: a deterministic emulated Stripe account served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripe_emulator import Account, Emulator
from tests.support.accounts import make_account


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
