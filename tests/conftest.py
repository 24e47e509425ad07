"""Shared fixtures: a deterministic emulated Stripe account served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tests.faults import report
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


# The fault suite's report (tests/faults/report.py): rows of every worker, printed once.

#: Where a pytest-xdist worker hands its rows to the controller, which prints them all.
ROWS_KEY = "fault_rows"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not report.ROWS:
        return
    terminalreporter.section("fault injection: what the connector held")
    terminalreporter.write_line(report.table(report.ROWS))
    terminalreporter.write_line(f"(written to {report.REPORT_PATH})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # a pytest-xdist worker: its rows go to the controller
        worker_output[ROWS_KEY] = report.as_json(report.ROWS)
    elif report.ROWS:
        report.write(report.ROWS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    report.ROWS.extend(report.from_json(getattr(node, "workeroutput", {}).get(ROWS_KEY, "[]")))
