"""The account, emulator and HTTP session of the emulator's own tests of its generated data,
lists and serving (``tests/emulator/test_emulator_{data,lists,server}.py``).

A test file imports the fixtures it uses: a large account (1,500 objects, seed 7, dated in
:data:`START`..:data:`END`, every generated event served), one emulator serving it, and an HTTP
session per test sending :data:`KEY` and the pinned API version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from tests.support.emulator_fixtures import KEY
from tests.support.emulator_http import stripe_session

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 7, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def account() -> Account:
    built = build_account(objects=1500, seed=7, start=START, end=END)
    built.event_retention_days = None  # these tests read every generated event
    return built


@pytest.fixture(scope="module")
def emu(account: Account) -> Iterator[Emulator]:
    with Emulator(account) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with stripe_session(KEY) as session:
        yield session
