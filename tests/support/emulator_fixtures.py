"""The emulator tests' account, emulator and HTTP session, shared by the files that check
the emulator against Stripe's spec (conformance, cursors and ids, parameters, events, Treasury,
operations).

A test file imports the fixtures it uses; each is module-scoped, so each file builds its own
account (300 objects, seed 5, dated in :data:`START`..:data:`END`, its clock at the end, every
generated event served) and starts its own emulator once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from tests.support.emulator_http import stripe_session

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 3, 1, tzinfo=UTC)
END_TS = int(END.timestamp())
KEY = "sk_test_emulator"


@pytest.fixture(scope="module")
def account() -> Account:
    built = build_account(objects=300, seed=5, start=START, end=END)
    built.clock = lambda: END_TS
    built.event_retention_days = None  # every generated event is served
    return built


@pytest.fixture(scope="module")
def emu(account: Account) -> Iterator[Emulator]:
    with Emulator(account) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with stripe_session(KEY) as session:
        yield session
