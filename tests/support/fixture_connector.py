"""The fixture connector (`tests.flow_fixtures.connector`) as the `flow_adapter` tests drive it:
its config, its ``open`` request, and a run that checks its secret never leaks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support.flow import FIXTURE_CONNECTOR, FULL_RANGE, Result, request_line
from tests.support.flow import run_connector as harness_run

SECRET = "sk_test_SUPERSECRET_42"


def run_connector(
    *requests: bytes, env: Mapping[str, str] | None = None, command: list[str] = FIXTURE_CONNECTOR
) -> Result:
    """Run the fixture connector; its secret must never appear in its output."""
    return harness_run(*requests, command=command, secrets=[SECRET], env=env)


def config(**overrides: Any) -> dict[str, Any]:
    return {"api_key": SECRET, "record_count": 3, "event_count": 2, "tag_count": 2, **overrides}


def open_line(cfg: Mapping[str, Any], bindings: list[dict[str, Any]], state: Any = None) -> bytes:
    body: dict[str, Any] = {
        "capture": {"name": "acmeCo/fixture", "config": cfg, "bindings": bindings},
        "version": "v1",
        "range": FULL_RANGE,
        "createdAt": "2024-01-01T00:00:00Z",  # unknown fields are ignored
    }
    if state is not None:
        body["state"] = state
    return request_line("open", body)
