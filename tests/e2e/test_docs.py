"""The README, meltano.yml and the tap's settings tell the same story."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tap_stripe_flow.settings import CONFIG_SCHEMA
from tap_stripe_flow.streams import CHANGE_EVENTS
from tests.support.paths import ROOT
from tests.support.streams import ALL_STREAMS, CHILDREN, FULL_REFRESH, TOP_LEVEL

README = (ROOT / "README.md").read_text()


def settings_table(markdown: str) -> list[str]:
    """The rows of the markdown table that starts with ``| Setting |``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Setting |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_readme_settings_table_is_the_about_output() -> None:
    about = subprocess.run(
        [sys.executable, "-m", "tap_stripe_flow", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert settings_table(README) == settings_table(about)


def test_meltano_yml_declares_every_tap_setting() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (extractor,) = project["plugins"]["extractors"]
    assert extractor["name"] == "tap-stripe-flow"
    assert extractor["pip_url"] == "-e ."
    declared = {s["name"]: s for s in extractor["settings"]}
    assert set(declared) == set(CONFIG_SCHEMA["properties"])
    assert declared["client_secret"]["kind"] == "password"
    for name, spec in CONFIG_SCHEMA["properties"].items():
        if "default" in spec:
            assert str(declared[name]["value"]) == str(spec["default"]), name
    assert {"catalog", "discover", "state", "about", "stream-maps"} <= set(
        extractor["capabilities"]
    )


def test_readme_lists_every_stream_with_its_sync_mode() -> None:
    for stream in [*TOP_LEVEL, *CHILDREN]:
        row = re.search(rf"^\| {stream} \| ([a-z_]+)", README, re.MULTILINE)
        assert row, stream
        assert (row.group(1) == "full_refresh") == (stream in FULL_REFRESH), stream


def test_readme_events_table_is_each_streams_change_events() -> None:
    rows = re.findall(
        r"^\| ([a-z_]+) \| (`[^|]*`|none) \| (`[^|]*`|none) \|$", README, re.MULTILINE
    )
    table = {
        stream: (tuple(re.findall(r"`([^`]+)`", up)), tuple(re.findall(r"`([^`]+)`", down)))
        for stream, up, down in rows
    }
    assert table == {
        stream: (tuple(sorted(c.updates)), tuple(sorted(c.deletions)))
        for stream, c in CHANGE_EVENTS.items()
    }


def test_the_readmes_hand_run_commands_work(tmp_path: Path) -> None:
    """`python -m stripe_emulator ...` then `tap-stripe-flow --config config.json`, as written."""
    assert "python -m stripe_emulator --port 12111 --objects 2000 &" in README
    assert '"account_id": "acct_emulator", "client_secret": "sk_test_emulator"' in README
    emulator = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--port", "0", "--objects", "2000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        url, account, key = emulator.stdout.readline().split()
        assert (account, key) == ("account=acct_emulator", "key=sk_test_emulator")
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "account_id": "acct_emulator",
                    "client_secret": "sk_test_emulator",
                    "start_date": "2017-01-25T00:00:00Z",
                    "api_base_url": url,
                }
            )
        )
        tap = ROOT / ".venv" / "bin" / "tap-stripe-flow"
        command = [str(tap)] if tap.exists() else [sys.executable, "-m", "tap_stripe_flow"]
        result = subprocess.run(
            [*command, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
        if emulator.stdout is not None:
            emulator.stdout.close()
    assert result.returncode == 0, result.stderr[-2000:]
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    assert len({m["stream"] for m in messages if m["type"] == "RECORD"}) == len(ALL_STREAMS)
