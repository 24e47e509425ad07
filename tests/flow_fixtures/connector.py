"""A Flow connector wrapping the fixture tap: ``python -m tests.flow_fixtures.connector``.

Endpoint config is the tap config, except that ``record_count`` < 0 is rejected by
``to_tap_config``, ``reject_connection: true`` makes the connection check fail, and ``interval``
(seconds) makes a capture session stay open, with a pass of the tap every ``interval`` seconds
(without it, a session is one pass).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from flow_adapter import ConfigError, ConnectionCheckError, ConnectorDefinition, main

CONFIG_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "title": "API key", "secret": True},
        "record_count": {"type": "integer"},
        "tag_count": {"type": "integer"},
        "event_count": {"type": "integer"},
        "fail_after": {"type": "integer"},
        "deleted_ids": {"type": "array", "items": {"type": "integer"}},
        "state_dump_path": {"type": "string"},
        "delay_seconds": {"type": "number"},
        "count_path": {"type": "string"},
        "interval": {"type": "number"},
        "reject_connection": {"type": "boolean"},
        "fail_discovery": {"type": "boolean"},
        "workspace_dump_path": {"type": "string"},
    },
    "required": ["api_key", "record_count"],
}


def to_tap_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check the endpoint config and return the tap config."""
    if not isinstance(config.get("record_count"), int) or config["record_count"] < 0:
        msg = "record_count must be a non-negative integer"
        raise ConfigError(msg)
    return {k: v for k, v in config.items() if k not in ("reject_connection", "interval")} | {
        "reject": bool(config.get("reject_connection"))
    }


def pass_interval(config: Mapping[str, Any]) -> float | None:
    """The ``interval`` setting: seconds between two passes; absent: one pass per session."""
    interval = config.get("interval")
    return None if interval is None else float(interval)


def check_connection(tap_config: Mapping[str, Any]) -> None:
    """Fail when asked to, quoting the key like a careless API error would."""
    if tap_config.get("reject"):
        msg = f"the API rejected key {tap_config['api_key']}"
        raise ConnectionCheckError(msg)


DEFINITION = ConnectorDefinition(
    tap_command=[sys.executable, "-m", "tests.flow_fixtures.fixture_tap"],
    config_schema=CONFIG_SCHEMA,
    documentation_url="https://example.com/fixture",
    to_tap_config=to_tap_config,
    check_connection=check_connection,
    secret_fields=("api_key",),
    pass_interval=pass_interval,
)

if __name__ == "__main__":
    main(DEFINITION)
