"""A Flow connector wrapping `raw_tap`: ``python -m tests.flow_fixtures.raw_connector``."""

from __future__ import annotations

import sys

from flow_adapter import ConnectorDefinition, main

DEFINITION = ConnectorDefinition(
    tap_command=[sys.executable, "-m", "tests.flow_fixtures.raw_tap"],
    config_schema={"type": "object"},
    documentation_url="https://example.com/raw",
    structured_tap_logs=False,
)

if __name__ == "__main__":
    main(DEFINITION)
