"""The fault-injection suite: its marker, its report, and a secret scan over everything seen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults import report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault-injection tests running the real connector against the emulator"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


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


#: Where a pytest-xdist worker hands its rows to the controller, which prints them all.
ROWS_KEY = "fault_rows"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    report.ROWS.extend(report.from_json(getattr(node, "workeroutput", {}).get(ROWS_KEY, "[]")))
