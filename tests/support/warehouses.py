"""The warehouses the Meltano tests load (``tests/e2e/test_warehouses.py``): a throwaway
PostgreSQL server (Debian's ``postgresql`` package, which ``.ci/run`` installs) and how a test
reads one target's tables (PostgreSQL or DuckDB).

Without the server binaries a test skips locally and fails in CI (``CI=true``).
"""

# ruff: noqa: S608  (the SQL is the tests' own, on their own throwaway warehouses)

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support.paths import ROOT

#: Plugin virtualenvs (tap and targets), kept between runs; everything else (run files, state)
#: is per test.
MELTANO_PLUGINS = ROOT / ".venv" / "meltano-warehouses"
SCHEMA = "stripe"


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: CI must run every warehouse test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (newest major), or of ``pg_ctl``."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Postgres:
    """A running throwaway PostgreSQL cluster."""

    bin_dir: Path
    port: int
    user: str = "postgres"
    password: str = "warehouse-test"
    database: str = "postgres"

    def query(self, sql: str) -> list[list[str]]:
        """Rows of ``sql`` as text (``t``/``f`` for booleans; NULL as an empty string)."""
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "--csv",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                self.database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PGPASSWORD": self.password},
        )
        assert result.returncode == 0, f"{sql}\n{result.stderr}"
        return [row for row in csv.reader(result.stdout.splitlines()) if row]

    def scalar(self, sql: str) -> str:
        [[value]] = self.query(sql)
        return value


@contextmanager
def throwaway_postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster of its own on a free port of 127.0.0.1 (run as the ``postgres``
    user when this process is root), stopped and removed on leaving."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        unavailable("PostgreSQL server binaries not found (Debian package postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the package's own user runs it
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root, and there is no postgres user to run the server")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = Path(tempfile.mkdtemp(prefix="tap-stripe-flow-pg-"))
    if as_user:
        os.chown(data, owner.pw_uid, owner.pw_gid)
    server = Postgres(bin_dir, free_port())
    log = data / "server.log"
    password_file = data / "password"
    password_file.write_text(server.password)
    if as_user:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    try:
        subprocess.run(
            [
                *as_user,
                *(str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", server.user),
                *("-A", "scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8", "--no-sync"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = subprocess.run(
            [
                *as_user,
                *(str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-o", options),
                *("-l", str(log), "-w", "-t", "60", "start"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert started.returncode == 0, started.stdout + started.stderr + log.read_text()
        yield server
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Warehouse:
    """How a test reads one target's tables."""

    loader: str
    env: dict[str, str]
    text_type: str  # the column type of a string property
    postgres: Postgres | None = None
    duckdb_file: Path | None = None

    def rows(self, sql: str) -> list[list[Any]]:
        if self.postgres is not None:
            return [list(row) for row in self.postgres.query(sql)]
        assert self.duckdb_file is not None
        python = MELTANO_PLUGINS / "loaders" / self.loader / "venv" / "bin" / "python"
        script = (
            "import duckdb, json, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "rows = con.execute(sys.argv[2]).fetchall()\n"
            "print(json.dumps([list(r) for r in rows], default=str))\n"
        )
        result = subprocess.run(
            [str(python), "-c", script, str(self.duckdb_file), sql],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{sql}\n{result.stderr[-2000:]}"
        rows: list[list[Any]] = json.loads(result.stdout)
        return rows

    def scalar(self, sql: str) -> Any:
        [[value]] = self.rows(sql)
        return value

    def column_types(self, table: str) -> dict[str, str]:
        rows = self.rows(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{SCHEMA}' and table_name = '{table}'"
        )
        return {str(name): str(kind).lower() for name, kind in rows}

    def ids(self, stream: str) -> list[str]:
        return [str(row[0]) for row in self.rows(f"select id from {SCHEMA}.{stream}")]
