"""Meltano users: `meltano run tap-stripe-flow target-jsonl`, twice, against the emulator.

Installs Meltano into a virtualenv of its own (once; kept under ``.venv/`` between runs) and uses
the project's real ``meltano.yml``; only the emulator's port and the output folders are passed as
environment overrides, which is how Meltano users override settings too.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from stripe_emulator import Account, Emulator
from tests.support.accounts import ACCOUNT_ID, API_KEY, DAY
from tests.support.paths import ROOT

MELTANO_VERSION = "4.4.1"
MELTANO_HOME = ROOT / ".venv" / "meltano"


def meltano_bin() -> Path:
    """A virtualenv with Meltano, made on first use."""
    executable = MELTANO_HOME / "bin" / "meltano"
    MELTANO_HOME.parent.mkdir(exist_ok=True)
    # one maker at a time: pytest-xdist workers may ask at once
    with (MELTANO_HOME.parent / "meltano.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not executable.exists():
            venv.create(MELTANO_HOME, with_pip=True)
            subprocess.run(
                [
                    str(MELTANO_HOME / "bin" / "pip"),
                    "install",
                    "--quiet",
                    f"meltano=={MELTANO_VERSION}",
                ],
                check=True,
                timeout=900,
            )
    return executable


@pytest.mark.slow
def test_meltano_run_twice_resumes_from_stored_state(account: Account, tmp_path: Path) -> None:
    meltano = meltano_bin()
    output = tmp_path / "jsonl"
    output.mkdir()
    with Emulator(account) as emulator:
        env = {
            **os.environ,
            "MELTANO_SYS_DIR_ROOT": str(tmp_path / ".meltano"),
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_STRIPE_FLOW_API_BASE_URL": emulator.url,
            "TAP_STRIPE_FLOW_ACCOUNT_ID": ACCOUNT_ID,
            "TAP_STRIPE_FLOW_CLIENT_SECRET": API_KEY,
            "TAP_STRIPE_FLOW_LOOKBACK_WINDOW_DAYS": "2",
            "TAP_STRIPE_FLOW__SELECT": json.dumps(["charges.*", "customers.*"]),
            "TARGET_JSONL_DESTINATION_PATH": str(output),
            "PYTHON": sys.executable,
        }

        def meltano_cmd(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(meltano), *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )

        installed = meltano_cmd("install")
        assert installed.returncode == 0, installed.stderr[-3000:]
        first = meltano_cmd("run", "tap-stripe-flow", "target-jsonl")
        assert first.returncode == 0, first.stderr[-6000:]
        charges = [json.loads(line) for line in (output / "charges.jsonl").read_text().splitlines()]
        assert sorted(c["id"] for c in charges) == sorted(
            c["id"] for c in account.objects("charge")
        )

        newest = max(c["created"] for c in account.objects("charge"))
        emulator.clear_requests()
        second = meltano_cmd("run", "tap-stripe-flow", "target-jsonl")
        assert second.returncode == 0, second.stderr[-3000:]
        asked = [
            int(r.query["created[gte]"][0]) for r in emulator.requests if r.path == "/v1/charges"
        ]
        assert asked == [newest - 2 * DAY]
