"""Running a measured child process: wall time, records, CPU, peak RSS and its logged requests.

CPU comes from ``os.wait4`` on the child: user+sys of the child plus every descendant it
reaped (the Flow adapter reaps its taps). Peak RSS is sampled from ``/proc/<pid>/status``
(``VmHWM``, a high-water mark, so a late sample still holds the peak) every ``SAMPLE_SECONDS``,
for the child and for its children separately; growth in a process's last few milliseconds may
be missed. ``wait4``'s ``ru_maxrss`` is kept but is no measure of the child: on Linux it also
counts the copy of this (large, emulator-holding) process the child was forked from.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.05
KIB_PER_MB = 1024.0


@dataclass
class ProcessRun:
    """What one measured child process did."""

    code: int
    seconds: float
    records: int
    #: Seconds from start to the first record line (process start-up, discovery, first page).
    first_record_seconds: float | None
    #: user+sys CPU seconds of the process and the descendants it reaped.
    cpu_seconds: float
    #: ``ru_maxrss`` of ``wait4`` (includes the pre-exec fork of this process: see above).
    maxrss_mb: float
    #: Sampled peak RSS of the process itself.
    self_peak_mb: float
    #: Sampled peak RSS of its largest child (the tap, under the Flow adapter); 0 without one.
    child_peak_mb: float
    #: Sum of singer-sdk ``http_request_count`` metrics found in the log.
    logged_requests: int
    log_tail: list[str] = field(default_factory=list)
    #: ``time.monotonic()`` when the process was started (the emulator's request log uses the
    #: same clock when it runs in this process).
    started: float = 0.0


def _status_kib(pid: int, name: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (a scan of /proc: no ``task/*/children`` everywhere)."""
    kids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


class _Sampler(threading.Thread):
    """Polls VmHWM of a process and of its children until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid = pid
        self.self_kib = 0
        self.child_kib: dict[int, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_SECONDS):
            self.self_kib = max(self.self_kib, _status_kib(self.pid, "VmHWM"))
            for kid in _children(self.pid):
                kib = _status_kib(kid, "VmHWM")
                self.child_kib[kid] = max(self.child_kib.get(kid, 0), kib)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _metric_dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "metric" in value and "value" in value:
            yield value
        for item in value.values():
            yield from _metric_dicts(item)


_STREAM_SUMMARY = re.compile(r"Stream \S+ done: \d+ records, (\d+) requests")


def logged_request_count(line: str) -> int:
    """Requests a log line reports: the product's per-stream summary line ("Stream X done: N
    records, M requests"), or singer-sdk's ``http_request_count`` metric (the stock tap)."""
    summary = _STREAM_SUMMARY.search(line)
    if summary is not None:
        return int(summary.group(1))
    if "http_request_count" not in line:
        return 0
    try:
        parsed = json.loads(line)  # the Flow adapter's structured log line
    except ValueError:
        try:  # singer-sdk's plain text "... METRIC: {json}"
            parsed = json.loads(line.split("METRIC: ", 1)[-1])
        except ValueError:
            return 0
    return sum(
        int(m["value"]) for m in _metric_dicts(parsed) if m["metric"] == "http_request_count"
    )


class _LogReader(threading.Thread):
    """Drains a child's stderr: counts logged requests and keeps the last lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(name="stderr-reader", daemon=True)
        self.stream = stream
        self.requests = 0
        self.tail: list[str] = []

    def run(self) -> None:
        for raw in self.stream:
            line = raw.decode("utf-8", "replace").rstrip()
            self.requests += logged_request_count(line)
            self.tail = [*self.tail[-19:], line]


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, with the project root importable (``-m bench.stock_tap``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_measured(
    argv: Sequence[str],
    *,
    is_record: Callable[[bytes], bool],
    stdin_data: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800.0,
) -> ProcessRun:
    """Run ``argv``, drain its stdout counting record lines, and measure it.

    With ``stdin_data`` the bytes are written and stdin stays open until stdout ends (a Flow
    connector stops on EOF during ``open``); otherwise stdin is /dev/null.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=child_env(env),
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    sampler = _Sampler(proc.pid)
    sampler.start()
    log = _LogReader(proc.stderr)
    log.start()
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    records = 0
    first: float | None = None
    try:
        if proc.stdin is not None and stdin_data is not None:
            proc.stdin.write(stdin_data)
            proc.stdin.flush()
        for line in proc.stdout:
            if is_record(line):
                if first is None:
                    first = time.monotonic() - started
                records += 1
        if proc.stdin is not None:
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        watchdog.cancel()
        if proc.returncode is None:
            proc.kill()
            proc.wait()
        sampler.stop()
        log.join()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return ProcessRun(
        code=proc.returncode,
        seconds=seconds,
        records=records,
        first_record_seconds=first,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / KIB_PER_MB,
        self_peak_mb=sampler.self_kib / KIB_PER_MB,
        child_peak_mb=max(sampler.child_kib.values(), default=0) / KIB_PER_MB,
        logged_requests=log.requests,
        log_tail=log.tail,
        started=started,
    )
