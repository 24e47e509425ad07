"""Shared fixtures: a deterministic emulated Stripe account served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripe_emulator import Account, Emulator
from tests.support.accounts import make_account

#: Tests that time the connector (how fast it stops, how close it keeps to a rate): `make test`
#: runs them alone after the others, which run side by side (pytest-xdist), where a busy
#: machine would make their clocks lie.
SERIAL_MODULES = (
    # fault tests whose waits are timed (retry delays, outages, changes made while a run reads);
    # the crash, shape and bad-input checks time nothing and run side by side
    "tests/faults/test_live_changes.py",
    "tests/faults/test_outage.py",
    "tests/faults/test_transient_faults.py",
    "tests/flow_adapter/test_continuous.py",
    "tests/tap/test_fetch.py",
    "tests/tap/test_ratelimit.py",
)
SERIAL_NAMES = ("quickly",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        node = item.nodeid.replace("\\", "/")
        if node.startswith(SERIAL_MODULES) or any(n in item.name for n in SERIAL_NAMES):
            item.add_marker(pytest.mark.serial)


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
