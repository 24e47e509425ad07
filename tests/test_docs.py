"""The README, meltano.yml and the tap's settings tell the same story."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tap_stripe_flow.settings import CONFIG_SCHEMA
from tests.stripe_streams import CHILDREN, SEED_FULL_REFRESH, TOP_LEVEL

ROOT = Path(__file__).resolve().parent.parent
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
        assert (row.group(1) == "full_refresh") == (stream in SEED_FULL_REFRESH), stream
