"""One ``open``: passes of the tap, their stdout pumped into captured documents and checkpoints.

Guarantees:
- The tap's records become ``captured`` documents of the binding of their stream, and each
  Singer STATE a merge-patch checkpoint. A checkpoint is written only after every document
  before the STATE, so a committed checkpoint never claims documents the runtime hasn't got.
- Each pass that exits 0 ends with a checkpoint: when documents follow the tap's last STATE,
  one no-op checkpoint commits them. When a pass fails, nothing after the failure is
  checkpointed and the session raises (a failure in any pass is fatal: the runtime restarts
  the connector, which resumes from the last checkpoint).
- Without an interval the session is one pass. With one, the session stays open: after each
  pass it waits ``interval`` seconds, then runs the tap again with the state checkpointed so
  far (the bookmarks of the binding's last checkpoints, as the next ``open`` would give it).
- EOF on stdin or SIGTERM (``request_stop``) ends the session with exit code 0 and no further
  checkpoint: between passes at once; during a pass by stopping the tap (SIGTERM, then SIGKILL
  after the grace period) without committing the documents after its last STATE.
- Records of streams without a binding (a tap that ignores catalog selection) are skipped, with
  one warning per stream and a count at the end.

Known limit: records are decoded with orjson, which reads integers beyond 64 bits as floats.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Final

import orjson

from flow_adapter import mapping
from flow_adapter.definition import ConnectorDefinition
from flow_adapter.errors import AdapterError, ProtocolError, TapError
from flow_adapter.logs import Logger
from flow_adapter.protocol import (
    CAPTURED_SUFFIX,
    AcknowledgeRequest,
    captured_prefix,
    checkpoint_line,
    parse_request,
)
from flow_adapter.state import STATE_LINE_STARTS, CheckpointTracker, loads_state
from flow_adapter.tap_process import TapProcess

EXIT_OK: Final = 0
READ_CHUNK: Final = 1 << 20  # read the tap's stdout in chunks of up to 1 MiB
#: How often a session waiting between passes looks for a stop (EOF, SIGTERM, a failure).
STOP_POLL_SECONDS: Final = 0.1

#: Writes the tap's ``--state`` for a pass and returns the tap's argv (without ``--config``).
Launch = Callable[[Mapping[str, Any]], list[str]]


class LineReader:
    """Reads request lines from a binary stream.

    Reads the file descriptor directly when there is one: a thread blocked here holds no
    Python-level lock, so the interpreter can always exit while it waits.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        """Read from ``stream``."""
        self._stream = stream
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            self._fd = None
        self._buffer = bytearray()
        self._eof = False

    def readline(self) -> bytes | None:
        """The next line (with its newline, if any), or None at EOF."""
        if self._fd is None:
            return self._stream.readline() or None
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if self._eof:
                if not self._buffer:
                    return None
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
            chunk = os.read(self._fd, 1 << 16)
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True


def _line_batches(fd: int) -> Iterator[list[bytes]]:
    """The lines of ``fd`` until EOF, in batches of whatever one read returned (up to 1 MiB).

    A last line without a newline is still a line. A line longer than a read (a Connect
    platform's STATE: 10 MB at 10,000 accounts, in 64 KiB pipe reads) is joined once from its
    pieces, not copied again at every read (that took 0.36 s of CPU per 10 MB line).
    """
    pieces: list[bytes] = []  # the line being read, up to the last read
    while True:
        chunk = os.read(fd, READ_CHUNK)
        if not chunk:
            if pieces:
                yield [b"".join(pieces)]
            return
        if b"\n" not in chunk:
            pieces.append(chunk)
            continue
        lines = chunk.split(b"\n")
        if pieces:
            pieces.append(lines[0])
            lines[0] = b"".join(pieces)
        rest = lines.pop()
        pieces = [rest] if rest else []
        yield lines


class CaptureSession:
    """One ``open``: the tap's stdout pumped into captured documents and checkpoints."""

    def __init__(
        self,
        definition: ConnectorDefinition,
        logger: Logger,
        stdout: IO[bytes],
        *,
        streams: list[str],
        keyless: list[bool],
        tracker: CheckpointTracker,
        interval: float | None = None,
    ) -> None:
        self.definition = definition
        self.logger = logger
        self.stdout = stdout
        self.streams = streams
        self.keyless = keyless
        self.tracker = tracker
        self.interval = interval
        self.tap: TapProcess | None = None
        self.stop_reason: str | None = None
        self.failure: AdapterError | None = None
        self.skipped: dict[str, int] = {}
        self.documents = 0
        self.checkpoints = 0
        self.passes = 0

    # -- control, from any thread ------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        if self.stop_reason is None and self.failure is None:
            self.stop_reason = reason
        tap = self.tap
        if tap is not None:
            tap.stop()

    def fail(self, error: AdapterError) -> None:
        if self.failure is None:
            self.failure = error
        tap = self.tap
        if tap is not None:
            tap.stop()

    @property
    def stopping(self) -> bool:
        return self.stop_reason is not None or self.failure is not None

    def _watch_stdin(self, reader: LineReader) -> None:
        """Acknowledgements are ignored; EOF means stop; anything else is a protocol error."""
        while True:
            try:
                line = reader.readline()
            except OSError:
                line = None
            if line is None:
                self.request_stop("stdin closed")
                return
            if not line.strip():
                continue
            try:
                request = parse_request(line)
            except ProtocolError as exc:
                self.fail(exc)
                return
            if not isinstance(request, AcknowledgeRequest):
                kind = type(request).__name__.removesuffix("Request").lower()
                self.fail(ProtocolError(f"protocol error: unexpected {kind!r} request during open"))
                return

    # -- the session ---------------------------------------------------------------------------

    def run(
        self,
        launch: Launch,
        initial_state: Mapping[str, Any],
        env: Mapping[str, str],
        tap_config: Mapping[str, Any],
        reader: LineReader,
    ) -> int:
        """Run passes of the tap until the last one (one pass without an interval), EOF on
        stdin, SIGTERM or a failure; returns the exit code or raises `AdapterError`."""
        threading.Thread(target=self._watch_stdin, args=(reader,), daemon=True).start()
        state: Mapping[str, Any] = initial_state
        try:
            while self._pass(launch(state), env, tap_config):
                if self.interval is None:
                    self.logger.info(
                        "capture finished", documents=self.documents, checkpoints=self.checkpoints
                    )
                    return EXIT_OK
                if not self._wait(self.interval):
                    break
                state = {"bookmarks": self.tracker.bookmarks()}
        finally:
            for stream, count in self.skipped.items():
                self.logger.warn(
                    "skipped records of a stream without a binding", stream=stream, count=count
                )
        if self.failure is not None:
            raise self.failure
        self.logger.info(
            "capture stopped", reason=self.stop_reason, documents=self.documents, passes=self.passes
        )
        return EXIT_OK

    def _pass(self, argv: list[str], env: Mapping[str, str], tap_config: Mapping[str, Any]) -> bool:
        """Run the tap once: True when it exited 0 and all its documents are checkpointed,
        False when the session was stopped (or failed) first; raises when the tap failed."""
        if self.stopping:
            return False
        self.passes += 1
        started, documents = time.monotonic(), self.documents
        if self.passes > 1:
            self.logger.info("starting pass", number=self.passes)
        definition = self.definition
        tap = TapProcess(argv, env, self.logger, definition.stop_grace_seconds, tap_config)
        self.tap = tap
        if self.stopping:  # EOF or SIGTERM while the tap was starting
            tap.stop()
        pending = 0
        try:
            pending = self._pump(tap.stdout.fileno())
        except AdapterError as exc:
            self.fail(exc)
        except OSError as exc:  # stdout closed by the runtime
            self.fail(AdapterError(f"cannot write to stdout: {exc}"))
        except BaseException:
            tap.stop()  # nobody reads its stdout any more: it would block, and wait for ever
            raise
        finally:
            code = tap.wait()
            self.tap = None
        if self.stopping:
            return False
        if code != 0:
            reason = tap.relay.last_error or "no error message"
            msg = f"the tap failed (exit code {code}): {reason}"
            raise TapError(msg)
        if pending:  # documents after the tap's last STATE: commit them
            self.stdout.write(checkpoint_line({}))
            self.stdout.flush()
            self.documents += pending
            self.checkpoints += 1
        if self.interval is not None:
            self.logger.info(
                "pass finished",
                number=self.passes,
                documents=self.documents - documents,
                seconds=round(time.monotonic() - started, 3),
                next_pass_in_seconds=self.interval,
            )
        return True

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the session stops first; True when it did not stop.

        Polls rather than waiting on an event: SIGTERM's handler runs on this thread, where
        setting a `threading.Event` could deadlock on the event's own lock.
        """
        deadline = time.monotonic() + seconds
        while not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            time.sleep(min(remaining, STOP_POLL_SECONDS))
        return False

    def _pump(self, source: int) -> int:
        """Translate the tap's stdout (a file descriptor) until EOF.

        Reads whatever is available (up to 1 MiB), translates it, and writes the result before
        reading again, so output is batched under load and never held back while the tap is
        quiet. Returns the number of documents written after the last checkpoint.
        """
        write, flush = self.stdout.write, self.stdout.flush
        loads, dumps = orjson.loads, orjson.dumps
        state_starts = STATE_LINE_STARTS
        routes = {stream: index for index, stream in enumerate(self.streams)}
        prefixes = [captured_prefix(index) for index in range(len(self.streams))]
        keyless = self.keyless
        row_ids = [0] * len(self.streams)
        upsert, delete, deleted_at = mapping.META_UPSERT, mapping.META_DELETE, mapping.DELETED_AT
        out = bytearray()
        pending = 0  # documents since the last checkpoint
        splice = mapping.RecordSplicer(routes, keyless) if self.definition.records_last else None
        for lines in _line_batches(source):
            for line in lines:
                if splice is not None and (spliced := splice(line)) is not None:
                    out += prefixes[spliced[0]]
                    out += spliced[1]
                    out += CAPTURED_SUFFIX
                    pending += 1
                    continue
                # Hot path: one loads, one dict update, one dumps per record; no validation.
                try:
                    message = loads_state(line) if line.startswith(state_starts) else loads(line)
                except ValueError:  # orjson's and json's decode errors
                    message = None
                if type(message) is not dict:
                    self._stray(line)
                    continue
                kind = message.get("type")
                if kind == "RECORD":
                    index = routes.get(message.get("stream"))  # type: ignore[arg-type]
                    record = message.get("record")
                    if index is None or type(record) is not dict:
                        self._unroutable(message)
                        continue
                    meta: Any = upsert if record.get(deleted_at) is None else delete
                    if keyless[index]:
                        meta = {"op": meta["op"], "row_id": row_ids[index]}
                        row_ids[index] += 1
                    record["_meta"] = meta
                    out += prefixes[index]
                    out += dumps(record)
                    out += CAPTURED_SUFFIX
                    pending += 1
                elif kind == "STATE":
                    pending = self._checkpoint(message.get("value"), out, pending)
                else:
                    self._other_message(kind)
            if out:
                write(out)
                flush()
                out.clear()
        return pending

    def _checkpoint(self, singer_state: Any, out: bytearray, pending: int) -> int:
        """Write ``out`` and a checkpoint for a Singer STATE (unless it changes nothing).

        Returns the number of documents still pending.
        """
        patch = self.tracker.update(singer_state)
        if not patch and not pending:
            return 0
        out += checkpoint_line(patch)
        self.stdout.write(out)
        self.stdout.flush()
        out.clear()
        self.documents += pending
        self.checkpoints += 1
        return 0

    def _other_message(self, kind: Any) -> None:
        if kind in ("SCHEMA", "ACTIVATE_VERSION"):
            return
        if kind == "BATCH":
            msg = "the tap wrote a BATCH message; run it without batch_config (not supported)"
            raise TapError(msg)
        self.logger.warn("ignoring an unknown Singer message", type=str(kind))

    def _stray(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip()
        if text:
            self.logger.info(text, source="tap stdout")

    def _unroutable(self, message: Mapping[str, Any]) -> None:
        stream = str(message.get("stream"))
        if stream not in self.skipped:
            self.skipped[stream] = 0
            self.logger.warn("the tap wrote records for a stream without a binding", stream=stream)
        self.skipped[stream] += 1
