"""The connector as a process: how a capture stops (EOF on stdin, SIGTERM), the tap's private
files, and its logs (levels, the tap's relayed lines, secrets scrubbed from every one).

The connector under test is `tests.flow_fixtures.connector`, wrapping a tiny offline singer-sdk
tap (`tests.flow_fixtures.fixture_tap`).
"""

from __future__ import annotations

import io
import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flow_adapter.logs import Logger, TapLogRelay, collect_secrets
from tests.support.fixture_connector import config, open_line, run_connector
from tests.support.flow import (
    FIXTURE_CONNECTOR,
    INPROCESS_CONNECTOR,
    Connector,
    Result,
    binding,
    check_log,
    check_response,
    request_line,
    start_connector,
)

pytestmark = pytest.mark.slow


def start_slow_capture(command: list[str] = FIXTURE_CONNECTOR) -> Connector:
    cfg = config(record_count=10_000, delay_seconds=0.05)
    connector = start_connector(
        command,
        [
            open_line(cfg, [binding("items", "incremental")]),
            request_line("acknowledge", {"checkpoints": 1}),  # tolerated
        ],
    )
    assert check_response(connector.readline()) == {"opened": {"explicitAcknowledgements": False}}
    assert "captured" in check_response(connector.readline())  # the tap is running
    return connector


def stopped_quickly(connector: Connector, stop: Callable[[], None]) -> Result:
    """What the capture wrote once ``stop()`` stopped it: it must exit within 5 s."""
    try:
        started = time.monotonic()
        stop()
        connector.proc.wait(timeout=5)
        assert time.monotonic() - started < 5
    finally:
        connector.kill()
        result = connector.finish(timeout=30)
    return result


def test_eof_on_stdin_stops_the_capture_quickly() -> None:
    connector = start_slow_capture()
    result = stopped_quickly(connector, connector.close_stdin)
    assert result.code == 0
    assert result.messages is not None  # every stdout line is a protocol line
    assert result.logs[-1]["msg"] == "capture stopped"
    assert result.logs[-1]["fields"]["reason"] == "stdin closed"


@pytest.mark.parametrize(
    "command", [FIXTURE_CONNECTOR, INPROCESS_CONNECTOR], ids=["tap", "in-process"]
)
def test_sigterm_stops_the_capture_quickly(command: list[str]) -> None:
    # In-process discovery builds a singer-sdk tap object, which installs its own SIGTERM
    # handler: the adapter's must still be the one that runs.
    connector = start_slow_capture(command)
    result = stopped_quickly(connector, lambda: connector.send_signal(signal.SIGTERM))
    assert result.code == 0
    assert result.logs[-1]["fields"]["reason"] == "SIGTERM"


def test_tap_files_are_private_and_removed(tmp_path: Path) -> None:
    dump = tmp_path / "workspace.json"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_connector(
        open_line(config(workspace_dump_path=str(dump)), [binding("items", "incremental")]),
        env={"TMPDIR": str(scratch)},
    )
    assert result.code == 0, result.stderr
    modes = json.loads(dump.read_text())
    assert (modes["dir"], modes["catalog"]) == (0o700, 0o600)
    assert modes["config_is_a_pipe"], "the config (with the secret) must never be a file"
    assert Path(modes["dir_path"]).parent == scratch
    assert list(scratch.iterdir()) == []


def test_secret_never_appears_even_when_the_tap_logs_it() -> None:
    result = run_connector(open_line(config(), [binding("items", "incremental")]))
    assert result.code == 0
    # run_connector asserts the secret is absent; check the tap really tried to leak it.
    assert any(log["msg"] == "authenticating with key ***" for log in result.logs)


def test_log_level_filters_adapter_and_tap_logs() -> None:
    result = run_connector(
        open_line(config(), [binding("items", "incremental")]), env={"LOG_LEVEL": "warn"}
    )
    assert result.code == 0
    assert result.logs == []


def test_secrets_are_collected_from_schema_and_field_names() -> None:
    schema = {
        "properties": {
            "auth": {"oneOf": [{"properties": {"token": {"type": "string", "secret": True}}}]},
            "plain": {"type": "string"},
        }
    }
    cfg = {"auth": {"token": "t0k"}, "plain": "visible", "nested": {"password": "pw"}}
    assert collect_secrets(cfg, schema, ["password"]) == {"t0k", "pw"}


def test_log_relay_understands_text_logs_and_scrubs() -> None:
    stream = io.BytesIO()
    logger = Logger(stream, "debug")
    logger.scrubber.add(['se"cret'])
    relay = TapLogRelay(logger)
    relay.feed(b'2024-01-01 00:00:00,000 | WARNING  | tap-x.s    | careful with se"cret\n')
    relay.feed(b'{"level":"info","message":"json se\\"cret","logger_name":"x","ts":1.5}\n')
    relay.feed(b"Traceback (most recent call last):\n")
    relay.feed(b'  File "x.py", line 1, in <module>\n')
    relay.feed(b"ValueError: boom\n")
    relay.feed(b"plain line\n")
    logs = [check_log(line) for line in stream.getvalue().decode().splitlines()]
    assert [(log["level"], log["msg"]) for log in logs] == [
        ("warn", "careful with ***"),
        ("info", "json ***"),
        ("error", "ValueError: boom"),
        ("info", "plain line"),
    ]
    assert logs[0]["fields"] == {"source": "tap", "logger": "tap-x.s"}
    assert relay.last_error == "ValueError: boom"
    logger.final_error("the end")
    logger.error("not written")
    assert stream.getvalue().decode().splitlines()[-1].startswith('{"ts"')
    assert json.loads(stream.getvalue().decode().splitlines()[-1])["msg"] == "the end"


def test_error_context_is_not_repeated() -> None:
    from flow_adapter.runner import _prefixed  # noqa: PLC0415 - a private helper, tested alone

    assert _prefixed("invalid endpoint config", "x: bad") == "invalid endpoint config: x: bad"
    assert _prefixed("invalid endpoint config", "Invalid endpoint config: x") == (
        "Invalid endpoint config: x"
    )
