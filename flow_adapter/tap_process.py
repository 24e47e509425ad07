"""Running the Singer tap as a child process.

Guarantees:
- The tap's config, which holds the secrets, never touches the disk: it reaches the tap through
  a pipe (`ConfigPipe`, ``--config /dev/fd/N``), so even a connector killed with SIGKILL leaves no
  file holding a secret. The catalog and state live in a private directory (mode 0700, files
  0600) that is deleted when the `Workspace` closes.
- The tap runs in its own process group; `TapProcess.stop` sends SIGTERM to that group and SIGKILL
  after the grace period, and is safe to call from any thread, any number of times.
- Every stderr line of the tap is relayed through `TapLogRelay` (so secrets are scrubbed) by a
  thread that has finished when `TapProcess.wait` returns.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

import orjson

from flow_adapter.definition import ConnectorDefinition
from flow_adapter.errors import TapError
from flow_adapter.logs import PYTHON_LEVEL_NAMES, Logger, TapLogRelay

READ_BUFFER: Final = 1 << 20

# A logging.config.dictConfig document (JSON is YAML) making singer-sdk log JSON to stderr.
_SINGER_SDK_LOG_CONFIG: Final = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "singer_sdk.logging.StructuredFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"]},
}


class Workspace:
    """A private temporary directory for the tap's input files."""

    def __init__(self) -> None:
        """Create the directory (``mkdtemp`` makes it 0700)."""
        self.path = Path(tempfile.mkdtemp(prefix="flow-adapter-"))

    def write_json(self, name: str, value: Any) -> str:
        """Write ``value`` to a new 0600 file ``name``; returns its path."""
        path = self.path / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(orjson.dumps(value))
        return str(path)

    def close(self) -> None:
        """Delete the directory and everything in it."""
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Workspace:
        """Use as a context manager."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Delete the directory."""
        self.close()


class ConfigPipe:
    """The tap's config handed over a pipe, read by the tap as ``--config /dev/fd/N``.

    The bytes are written from a thread (a config larger than the pipe's buffer must not block
    the caller); the read end is inherited by the tap (``pass_fds``) and closed here once the tap
    has started. Nothing is written to disk.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        body = orjson.dumps(config)  # before the pipe: a config that cannot be sent leaks no fd
        self._read, write = os.pipe()

        def send() -> None:
            with contextlib.suppress(OSError), os.fdopen(write, "wb") as pipe:
                pipe.write(body)  # OSError: the tap exited before reading it

        threading.Thread(target=send, name="tap-config", daemon=True).start()

    @property
    def fd(self) -> int:
        """The read end, for the tap to inherit."""
        return self._read

    @property
    def path(self) -> str:
        """The path the tap opens to read the config."""
        return f"/dev/fd/{self._read}"

    def close(self) -> None:
        """Close the read end in this process (the tap holds its own copy)."""
        with contextlib.suppress(OSError):
            os.close(self._read)


def tap_environment(
    definition: ConnectorDefinition, workspace: Workspace, log_level: str
) -> dict[str, str]:
    """The tap's environment: ours, plus log settings, plus the definition's ``tap_env``."""
    env = dict(os.environ)
    level = PYTHON_LEVEL_NAMES[log_level]
    env["LOGLEVEL"] = level
    if definition.structured_tap_logs:
        config = dict(_SINGER_SDK_LOG_CONFIG, root={"handlers": ["stderr"], "level": level})
        env["SINGER_SDK_LOG_CONFIG"] = workspace.write_json("logging.yaml", config)
    env.update(definition.tap_env)
    return env


class TapProcess:
    """A running tap: stdout for the caller to read, stderr relayed to the log."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        logger: Logger,
        grace_seconds: float,
        config: Mapping[str, Any],
    ) -> None:
        """Start the tap with ``argv`` followed by ``--config`` (``config`` over a pipe).

        Raises:
            TapError: the tap command cannot be started.
        """
        pipe = ConfigPipe(config)
        try:
            self._proc = subprocess.Popen(
                [*argv, "--config", pipe.path],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env),
                bufsize=READ_BUFFER,
                start_new_session=True,
                pass_fds=(pipe.fd,),
            )
        except OSError as exc:
            msg = f"cannot start the tap {argv[0]!r}: {exc.strerror or exc}"
            raise TapError(msg) from None
        finally:
            pipe.close()
        self.relay = TapLogRelay(logger)
        self._grace = grace_seconds
        self._lock = threading.RLock()  # stop() may run in a signal handler
        self._kill_timer: threading.Timer | None = None
        self.stopping = False
        self._stderr_thread = threading.Thread(
            target=self._pump_stderr, name="tap-stderr", daemon=True
        )
        self._stderr_thread.start()

    @property
    def stdout(self) -> IO[bytes]:
        """The tap's stdout."""
        assert self._proc.stdout is not None
        return self._proc.stdout

    def _pump_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self.relay.feed(line)
        self.relay.close()

    def _signal(self, signum: int) -> None:
        if self._proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signum)

    def stop(self) -> None:
        """Ask the tap to stop: SIGTERM now, SIGKILL after the grace period."""
        with self._lock:
            if self.stopping:
                return
            self.stopping = True
            self._signal(signal.SIGTERM)
            self._kill_timer = threading.Timer(self._grace, self._signal, (signal.SIGKILL,))
            self._kill_timer.daemon = True
            self._kill_timer.start()

    def wait(self) -> int:
        """Wait for the tap to exit and its stderr to be relayed; returns the exit code."""
        code = self._proc.wait()
        self._stderr_thread.join()
        with self._lock:
            if self._kill_timer is not None:
                self._kill_timer.cancel()
        for pipe in (self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                pipe.close()
        return code


def discover_catalog(
    definition: ConnectorDefinition,
    tap_config: Mapping[str, Any],
    workspace: Workspace,
    env: Mapping[str, str],
    logger: Logger,
) -> Any:
    """Run the tap with ``--discover`` (or the definition's ``discover``) and return its catalog
    (parsed JSON).

    Raises:
        TapError: the tap fails or prints something that is not JSON.
    """
    if definition.discover is not None:
        # A tap object may install its own signal handlers (singer-sdk's do, for SIGTERM and
        # SIGINT, on the main thread): the adapter's must stay in charge of this process.
        main = threading.current_thread() is threading.main_thread()
        sigs = (signal.SIGTERM, signal.SIGINT)
        handlers = {sig: signal.getsignal(sig) for sig in sigs} if main else {}
        try:
            return definition.discover(tap_config)
        except Exception as exc:  # noqa: BLE001 - whatever the tap raised, one clear line
            msg = f"the tap's discovery failed: {type(exc).__name__}: {exc}"
            raise TapError(msg) from None
        finally:
            for sig, handler in handlers.items():
                if handler is not None:  # None: not installed from Python, nothing to restore
                    signal.signal(sig, handler)
    argv = [*definition.tap_command, "--discover"]
    tap = TapProcess(argv, env, logger, definition.stop_grace_seconds, tap_config)
    try:
        output = tap.stdout.read()
    except BaseException:
        tap.stop()
        raise
    finally:
        code = tap.wait()
    if code != 0:
        reason = tap.relay.last_error or "no error message"
        msg = f"the tap's discovery failed (exit code {code}): {reason}"
        raise TapError(msg)
    try:
        return orjson.loads(output)
    except orjson.JSONDecodeError as exc:
        msg = f"the tap's --discover output is not JSON ({exc})"
        raise TapError(msg) from None
