"""The image: Flow's labels, a non-root user, and install commands that really work.

Docker cannot build here, so the test reads the Dockerfile, replays its COPY and RUN install steps
in a temporary folder with a fresh virtualenv, and asks the installed entrypoint for its spec.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(keyword: str) -> list[str]:
    """Arguments of every ``keyword`` instruction, with line continuations joined."""
    joined = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{keyword}\s+(.*)$", joined, re.MULTILINE)]


def test_labels_tell_flow_how_to_talk_to_the_connector() -> None:
    labels = dict(label.split("=", 1) for label in instructions("LABEL"))
    assert labels["FLOW_RUNTIME_PROTOCOL"] == "capture"
    assert labels["FLOW_RUNTIME_CODEC"] == "json"


def test_runs_as_a_non_root_user() -> None:
    users = instructions("USER")
    assert users
    assert users[-1] not in {"root", "0"}


def test_entrypoint_is_the_connector() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["/opt/connector/bin/source-stripe-flow"]


@pytest.mark.slow
def test_install_commands_succeed_and_the_entrypoint_answers_spec(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    for copy in instructions("COPY"):
        *sources, target = copy.split()
        for source in sources:
            destination = build / (source if target.endswith("/") or target == "./" else target)
            if (ROOT / source).is_dir():
                shutil.copytree(
                    ROOT / source, destination, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy(ROOT / source, destination)
    venv = tmp_path / "connector"
    (run,) = [r for r in instructions("RUN") if "pip install" in r]
    steps = [step.strip() for step in run.split("&&") if "rm -rf" not in step]
    for step in steps:
        argv = [arg.replace("/opt/connector", str(venv)) for arg in shlex.split(step)]
        subprocess.run(argv, cwd=build, check=True, capture_output=True, timeout=600)
    (entrypoint,) = instructions("ENTRYPOINT")
    command = [json.loads(entrypoint)[0].replace("/opt/connector", str(venv))]
    result = subprocess.run(
        command, input='{"spec":{}}\n', capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    spec = json.loads(result.stdout)["spec"]
    assert spec["protocol"] == 3032023
    assert spec["configSchema"]["properties"]["client_secret"]["secret"] is True
