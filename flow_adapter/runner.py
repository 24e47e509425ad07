"""The request loop: a Flow capture connector on stdin/stdout around a Singer tap.

Guarantees:
- stdout carries only protocol lines; stray ``print`` calls go to stderr while `run` runs.
- Unary requests (spec, discover, validate, apply) are answered in order until EOF.
- ``open`` answers ``opened`` first, then runs one capture session (``session.py``): the tap's
  records as documents, its STATEs as checkpoints; one pass of the tap, or passes every
  ``ConnectorDefinition.pass_interval`` seconds until EOF, SIGTERM or a failure.
- EOF on stdin or SIGTERM stops the session (or abandons the current request) and exits 0.
- Every failure ends with exactly one error log line, last on stderr, and a non-zero exit code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from types import FrameType
from typing import IO, Any, Final

from flow_adapter import mapping
from flow_adapter.definition import ConnectorDefinition
from flow_adapter.errors import (
    AdapterError,
    BindingError,
    ConfigError,
    ConnectionCheckError,
)
from flow_adapter.logs import Logger, collect_secrets, normalize_level
from flow_adapter.protocol import (
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
    parse_request,
)
from flow_adapter.session import EXIT_OK, CaptureSession, LineReader
from flow_adapter.state import CheckpointTracker, StateBinding, tap_state_for_open
from flow_adapter.tap_process import Workspace, discover_catalog, tap_environment

EXIT_ERROR: Final = 1


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
        self.session: CaptureSession | None = None

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

    def pass_interval(self, config: Mapping[str, Any]) -> float | None:
        """Seconds between two passes of a session for an endpoint config; None: one pass."""
        hook = self.definition.pass_interval
        if hook is None:
            return None
        try:
            interval = hook(config)
        except ConfigError as exc:
            raise ConfigError(_prefixed("invalid endpoint config", str(exc))) from None
        except Exception as exc:  # noqa: BLE001 - a definition bug still gets a clear message
            msg = f"invalid endpoint config: {type(exc).__name__}: {exc}"
            raise ConfigError(msg) from None
        if interval is not None and not 0 <= interval < float("inf"):
            msg = f"invalid endpoint config: the interval between passes is {interval!r} seconds"
            raise ConfigError(msg)
        return interval

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
                resource_config_schema=mapping.RESOURCE_CONFIG_SCHEMA,
                documentation_url=self.definition.documentation_url,
                resource_path_pointers=mapping.RESOURCE_PATH_POINTERS,
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
        tap_config = self.tap_config(request.config)
        divided = None
        if not request.range.whole and self.definition.divide_shard is not None:
            divided = self.definition.divide_shard(tap_config, request.range)
        if divided is not None:
            # A split capture whose tap divides the work itself: every binding, its share.
            tap_config, owned = divided, list(request.bindings)
            self.logger.info(
                "this shard reads its part of every binding",
                bindings=len(owned),
                share=round(request.range.share, 6),
            )
        else:
            # A split capture: each shard reads the bindings its part of the range holds.
            owned = [b for b in request.bindings if request.range.owns("/".join(b.resource_path))]
        if not owned:
            self.respond(OpenedResponse(explicit_acknowledgements=False).to_line())
            self.logger.info(
                "this shard owns none of the capture's bindings: nothing to do",
                bindings=len(request.bindings),
            )
            return EXIT_OK
        if divided is None and not request.range.whole:
            self.logger.info(
                "this shard owns a part of the capture",
                bindings=len(owned),
                of_bindings=len(request.bindings),
                budget_share=round(request.range.share, 6),
            )
            if self.definition.share_budget is not None:
                tap_config = self.definition.share_budget(tap_config, request.range.share)
        interval = self.pass_interval(request.config)
        for b in request.bindings:
            if not isinstance(b.resource_config.get("stream"), str):
                msg = f"invalid bindings: binding for {b.collection_name!r} has no 'stream'"
                raise BindingError(msg)
        state_bindings = [
            StateBinding(
                stream=str(b.resource_config["stream"]),
                state_key=b.state_key or str(b.resource_config["stream"]),
                keeps_bookmark=b.resource_config.get("syncMode") == mapping.INCREMENTAL,
            )
            for b in owned
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
            mine = {s.stream for s in state_bindings}
            catalog_path = workspace.write_json(
                "catalog.json",
                mapping.select_streams(catalog, {s: m for s, m in resolved if s in mine}),
            )
            tap_command = [*self.definition.tap_command, "--catalog", catalog_path]

            def launch(state: Mapping[str, Any]) -> list[str]:
                return [*tap_command, "--state", workspace.write_json("state.json", state)]

            self.logger.info(
                "starting capture",
                bindings=len(mine),
                streams_from_scratch=fresh,
                streams_resuming=sorted(tap_state["bookmarks"]),
                seconds_between_passes=interval,
            )
            session = CaptureSession(
                self.definition,
                self.logger,
                self.stdout,
                streams=[stream for stream, _ in resolved],
                keyless=[not streams[stream].key for stream, _ in resolved],
                tracker=CheckpointTracker(state_bindings, tap_state["bookmarks"]),
                interval=interval,
            )
            env = tap_environment(self.definition, workspace, self.log_level)
            self.session = session
            try:
                return session.run(launch, tap_state, env, tap_config, reader)
            finally:
                self.session = None


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
