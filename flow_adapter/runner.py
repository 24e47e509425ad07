"""The request loop: a Flow capture connector on stdin/stdout around a Singer tap.

Guarantees:
- stdout carries only protocol lines; stray ``print`` calls go to stderr while `run` runs.
- Unary requests (spec, discover, validate, apply) are answered in order until EOF.
- ``open`` answers ``opened`` first, then streams the tap's records as ``captured`` documents of
  the binding of their stream, and each Singer STATE as a merge-patch checkpoint. A checkpoint
  is written only after every document before the STATE, so a committed checkpoint never
  claims documents the runtime hasn't got.
- When the tap exits 0 with documents after its last STATE, one no-op checkpoint commits them.
  When it fails, nothing after the failure is checkpointed and the run ends with one error line.
- EOF on stdin or SIGTERM stops the tap (SIGTERM, then SIGKILL after the grace period) and ends
  the run with exit code 0 and no further checkpoint.
- Records of streams without a binding (a tap that ignores catalog selection) are skipped, with
  one warning per stream and a count at the end.
- Every failure ends with exactly one error log line, last on stderr, and a non-zero exit code.

Known limit: records are decoded with orjson, which reads integers beyond 64 bits as floats.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import IO, Any, Final

import orjson

from flow_adapter import mapping
from flow_adapter.definition import ConnectorDefinition
from flow_adapter.errors import (
    AdapterError,
    BindingError,
    ConfigError,
    ConnectionCheckError,
    ProtocolError,
    TapError,
)
from flow_adapter.logs import Logger, collect_secrets, normalize_level
from flow_adapter.protocol import (
    CAPTURED_SUFFIX,
    AcknowledgeRequest,
    AppliedResponse,
    ApplyRequest,
    DiscoveredBinding,
    DiscoveredResponse,
    DiscoverRequest,
    OpenedResponse,
    OpenRequest,
    Request,
    SpecRequest,
    SpecResponse,
    ValidatedResponse,
    ValidateRequest,
    captured_prefix,
    checkpoint_line,
    parse_request,
)
from flow_adapter.state import CheckpointTracker, StateBinding, tap_state_for_open
from flow_adapter.tap_process import TapProcess, Workspace, discover_catalog, tap_environment

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
READ_CHUNK: Final = 1 << 20  # read the tap's stdout in chunks of up to 1 MiB

RESOURCE_CONFIG_SCHEMA: Final[Mapping[str, Any]] = {
    "type": "object",
    "title": "Resource",
    "properties": {
        "stream": {
            "type": "string",
            "title": "Stream",
            "description": "Resource from which collections are captured.",
        },
        "syncMode": {
            "type": "string",
            "enum": list(mapping.SYNC_MODES),
            "title": "Sync Mode",
            "description": "Connection method.",
        },
    },
    "required": ["stream", "syncMode"],
}
RESOURCE_PATH_POINTERS: Final = ("/stream",)


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

    A last line without a newline is still a line.
    """
    rest = b""
    while True:
        chunk = os.read(fd, READ_CHUNK)
        if not chunk:
            if rest:
                yield [rest]
            return
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield lines


_RECORD_LINE = re.compile(
    rb'\{"type":"RECORD","stream":"([^"\\]+)"(?:,"version":-?\d+)?'
    rb'(?:,"time_extracted":"[^"\\]*")?,"record":\{'
)
_UPSERT_TAIL = b',"_meta":{"op":"u"}}'


class _RecordSplicer:
    """The document of a RECORD line written with ``record`` last, from its bytes alone.

    Returns (binding index, document bytes), or None to leave the line to the general path: not
    that layout, a stream without a binding, a keyless stream (it needs a row id), or a record
    that mentions ``_sdc_deleted_at`` or ``_meta`` (its op must be read, or its ``_meta``
    replaced).
    """

    def __init__(self, routes: Mapping[str, int], keyless: list[bool]) -> None:
        self._routes = {name.encode(): index for name, index in routes.items()}
        self._keyless = keyless

    def __call__(self, line: bytes) -> tuple[int, bytes] | None:
        match = _RECORD_LINE.match(line)
        if match is None or not line.endswith(b"}}"):
            return None
        index = self._routes.get(match.group(1))
        if index is None or self._keyless[index]:
            return None
        record = line[match.end() - 1 : -1]
        if record == b"{}" or b'"_sdc_deleted_at"' in record or b'"_meta"' in record:
            return None
        return index, record[:-1] + _UPSERT_TAIL


def _prefixed(context: str, message: str) -> str:
    """``"context: message"``, unless the message already starts with that context."""
    if message.lower().startswith(context.lower()):
        return message
    return f"{context}: {message}"


class _Terminated(Exception):  # noqa: N818 - a signal, not an error
    """SIGTERM arrived outside a capture session."""


class _Connector:
    """Answers requests for one connector definition."""

    def __init__(self, definition: ConnectorDefinition, logger: Logger, stdout: IO[bytes]) -> None:
        self.definition = definition
        self.logger = logger
        self.stdout = stdout
        self.log_level = normalize_level(os.environ.get("LOG_LEVEL"))
        self.session: _Session | None = None

    def on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        """Stop the running capture, or abandon the current request (cleaning up on the way)."""
        if self.session is not None:
            self.session.request_stop("SIGTERM")
        else:
            raise _Terminated

    def respond(self, line: bytes) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def tap_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The tap config for an endpoint config; registers every secret of both."""
        d = self.definition
        self.logger.scrubber.add(collect_secrets(config, d.config_schema, d.secret_fields))
        try:
            tap_config = d.to_tap_config(config)
        except ConfigError as exc:
            raise ConfigError(_prefixed("invalid endpoint config", str(exc))) from None
        except Exception as exc:  # noqa: BLE001 - a definition bug still gets a clear message
            msg = f"invalid endpoint config: {type(exc).__name__}: {exc}"
            raise ConfigError(msg) from None
        self.logger.scrubber.add(collect_secrets(tap_config, {}, d.secret_fields))
        return tap_config

    def discover_streams(
        self, tap_config: Mapping[str, Any], workspace: Workspace
    ) -> tuple[Any, dict[str, mapping.CatalogStream]]:
        env = tap_environment(self.definition, workspace, self.log_level)
        catalog = discover_catalog(self.definition, tap_config, workspace, env, self.logger)
        return catalog, mapping.parse_catalog(catalog)

    def handle(self, request: Request) -> None:
        """Answer one unary request."""
        if isinstance(request, SpecRequest):
            self.spec()
        elif isinstance(request, DiscoverRequest):
            self.discover(request)
        elif isinstance(request, ValidateRequest):
            self.validate(request)
        elif isinstance(request, ApplyRequest):
            self.respond(AppliedResponse("").to_line())
        elif isinstance(request, AcknowledgeRequest):
            self.logger.debug("ignoring acknowledge outside a capture session")

    def spec(self) -> None:
        self.respond(
            SpecResponse(
                config_schema=self.definition.config_schema,
                resource_config_schema=RESOURCE_CONFIG_SCHEMA,
                documentation_url=self.definition.documentation_url,
                resource_path_pointers=RESOURCE_PATH_POINTERS,
            ).to_line()
        )

    def discover(self, request: DiscoverRequest) -> None:
        tap_config = self.tap_config(request.config)
        with Workspace() as workspace:
            _, streams = self.discover_streams(tap_config, workspace)
        bindings = [
            DiscoveredBinding(
                recommended_name=s.name,
                resource_config=mapping.resource_config(s.name, s.default_sync_mode),
                document_schema=mapping.document_schema(s),
                key=mapping.flow_key(s),
            )
            for s in streams.values()
        ]
        self.logger.info("discovered streams", count=len(bindings))
        self.respond(DiscoveredResponse(bindings).to_line())

    def validate(self, request: ValidateRequest) -> None:
        tap_config = self.tap_config(request.config)
        check = self.definition.check_connection
        if check is not None:
            try:
                check(tap_config)
            except ConnectionCheckError as exc:
                msg = _prefixed("connection check failed", str(exc))
                raise ConnectionCheckError(msg) from None
            except Exception as exc:  # noqa: BLE001 - reported as a failed check, not a crash
                msg = f"connection check failed: {type(exc).__name__}: {exc}"
                raise ConnectionCheckError(msg) from None
        with Workspace() as workspace:
            _, streams = self.discover_streams(tap_config, workspace)
        resolved = mapping.resolve_bindings(
            [b.resource_config for b in request.bindings],
            [b.collection_name for b in request.bindings],
            streams,
        )
        paths = [mapping.resource_path(stream) for stream, _ in resolved]
        self.respond(ValidatedResponse(paths).to_line())

    def open(self, request: OpenRequest, reader: LineReader) -> int:
        if request.key_begin != 0 or request.r_clock_begin != 0:
            # The tap cannot split its work: only the shard owning the start of the range runs.
            self.respond(OpenedResponse(explicit_acknowledgements=False).to_line())
            self.logger.info("this shard does not own the start of the key range: nothing to do")
            return EXIT_OK
        tap_config = self.tap_config(request.config)
        for b in request.bindings:
            if not isinstance(b.resource_config.get("stream"), str):
                msg = f"invalid bindings: binding for {b.collection_name!r} has no 'stream'"
                raise BindingError(msg)
        state_bindings = [
            StateBinding(
                stream=str(b.resource_config["stream"]),
                state_key=b.state_key or str(b.resource_config["stream"]),
                keeps_state=b.resource_config.get("syncMode") == mapping.INCREMENTAL,
            )
            for b in request.bindings
        ]
        tap_state, fresh = tap_state_for_open(request.state, state_bindings)
        self.respond(OpenedResponse(explicit_acknowledgements=False).to_line())
        with Workspace() as workspace:
            catalog, streams = self.discover_streams(tap_config, workspace)
            resolved = mapping.resolve_bindings(
                [b.resource_config for b in request.bindings],
                [b.collection_name for b in request.bindings],
                streams,
            )
            catalog_path = workspace.write_json(
                "catalog.json", mapping.select_streams(catalog, dict(resolved))
            )
            state_path = workspace.write_json("state.json", tap_state)
            argv = [
                *self.definition.tap_command,
                *("--catalog", catalog_path, "--state", state_path),
            ]
            self.logger.info(
                "starting capture",
                bindings=len(resolved),
                streams_from_scratch=fresh,
                streams_resuming=sorted(tap_state["bookmarks"]),
            )
            session = _Session(
                connector=self,
                streams=[stream for stream, _ in resolved],
                keyless=[not streams[stream].key for stream, _ in resolved],
                tracker=CheckpointTracker(state_bindings, tap_state["bookmarks"]),
            )
            env = tap_environment(self.definition, workspace, self.log_level)
            self.session = session
            try:
                return session.run(argv, env, tap_config, reader)
            finally:
                self.session = None


class _Session:
    """One ``open``: the tap's stdout pumped into captured documents and checkpoints."""

    def __init__(
        self,
        connector: _Connector,
        streams: list[str],
        keyless: list[bool],
        tracker: CheckpointTracker,
    ) -> None:
        self.connector = connector
        self.logger = connector.logger
        self.streams = streams
        self.keyless = keyless
        self.tracker = tracker
        self.tap: TapProcess | None = None
        self.stop_reason: str | None = None
        self.failure: AdapterError | None = None
        self.skipped: dict[str, int] = {}
        self.documents = 0
        self.checkpoints = 0

    # -- control, from any thread ------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        if self.stop_reason is None and self.failure is None:
            self.stop_reason = reason
        if self.tap is not None:
            self.tap.stop()

    def fail(self, error: AdapterError) -> None:
        if self.failure is None:
            self.failure = error
        if self.tap is not None:
            self.tap.stop()

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
        argv: list[str],
        env: Mapping[str, str],
        tap_config: Mapping[str, Any],
        reader: LineReader,
    ) -> int:
        definition = self.connector.definition
        self.tap = TapProcess(argv, env, self.logger, definition.stop_grace_seconds, tap_config)
        if self.stop_reason is not None:  # SIGTERM while the tap was starting
            self.tap.stop()
        threading.Thread(target=self._watch_stdin, args=(reader,), daemon=True).start()
        pending = 0
        try:
            pending = self._pump(self.tap.stdout.fileno())
        except AdapterError as exc:
            self.fail(exc)
        except OSError as exc:  # stdout closed by the runtime
            self.fail(AdapterError(f"cannot write to stdout: {exc}"))
        finally:
            code = self.tap.wait()
        for stream, count in self.skipped.items():
            self.logger.warn(
                "skipped records of a stream without a binding", stream=stream, count=count
            )
        if self.failure is not None:
            raise self.failure
        if self.stop_reason is not None:
            self.logger.info("capture stopped", reason=self.stop_reason, documents=self.documents)
            return EXIT_OK
        if code != 0:
            reason = self.tap.relay.last_error or "no error message"
            msg = f"the tap failed (exit code {code}): {reason}"
            raise TapError(msg)
        if pending:  # documents after the tap's last STATE: commit them
            self.connector.respond(checkpoint_line({}))
            self.documents += pending
            self.checkpoints += 1
        self.logger.info("capture finished", documents=self.documents, checkpoints=self.checkpoints)
        return EXIT_OK

    def _pump(self, source: int) -> int:
        """Translate the tap's stdout (a file descriptor) until EOF.

        Reads whatever is available (up to 1 MiB), translates it, and writes the result before
        reading again, so output is batched under load and never held back while the tap is
        quiet. Returns the number of documents written after the last checkpoint.
        """
        write, flush = self.connector.stdout.write, self.connector.stdout.flush
        loads, dumps, decode_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError
        routes = {stream: index for index, stream in enumerate(self.streams)}
        prefixes = [captured_prefix(index) for index in range(len(self.streams))]
        keyless = self.keyless
        row_ids = [0] * len(self.streams)
        upsert, delete, deleted_at = mapping.META_UPSERT, mapping.META_DELETE, mapping.DELETED_AT
        out = bytearray()
        pending = 0  # documents since the last checkpoint
        splice = _RecordSplicer(routes, keyless) if self.connector.definition.records_last else None
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
                    message = loads(line)
                except decode_error:
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
        self.connector.stdout.write(out)
        self.connector.stdout.flush()
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


def run(
    definition: ConnectorDefinition,
    stdin: IO[bytes],
    stdout: IO[bytes],
    stderr: IO[bytes] | None = None,
) -> int:
    """Serve Flow capture requests from ``stdin`` until EOF (or the end of an ``open``).

    Returns the process exit code: 0 on success, non-zero after logging one final error line.
    """
    logger = Logger(
        stderr if stderr is not None else sys.stderr.buffer, os.environ.get("LOG_LEVEL")
    )
    connector = _Connector(definition, logger, stdout)
    reader = LineReader(stdin)
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, connector.on_sigterm)
    with contextlib.redirect_stdout(sys.stderr):
        try:
            while (line := reader.readline()) is not None:
                if not line.strip():
                    continue
                request = parse_request(line)
                if isinstance(request, OpenRequest):
                    return connector.open(request, reader)
                connector.handle(request)
        except _Terminated:
            logger.info("terminated by SIGTERM")
            return EXIT_OK
        except AdapterError as exc:
            logger.final_error(str(exc))
            return EXIT_ERROR
        except BrokenPipeError:
            logger.final_error("stdout was closed before the response was written")
            return EXIT_ERROR
        except Exception as exc:  # noqa: BLE001 - the last line must be one clear error
            logger.debug("internal error", traceback=traceback.format_exc())
            logger.final_error(f"internal error: {type(exc).__name__}: {exc}")
            return EXIT_ERROR
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def main(definition: ConnectorDefinition) -> None:
    """Console-script entry point: serve stdin/stdout and exit with the run's code."""
    sys.exit(run(definition, sys.stdin.buffer, sys.stdout.buffer))
