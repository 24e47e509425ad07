"""The fault-injection suite: its marker, its report, and a secret scan over everything seen."""

from __future__ import annotations

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
    if report.ROWS:
        report.write(report.ROWS)
