"""Structured logging to stderr, secret scrubbing, and the relay of the tap's own logs.

Guarantees:
- Every line is one JSON object ``{"ts", "level", "msg", "fields"}``; levels are
  ``debug``/``info``/``warn``/``error``; lines below ``LOG_LEVEL`` (default ``info``) are dropped.
- Every registered secret, raw or JSON-escaped, is replaced by ``***`` in every line written,
  including lines relayed from the tap.
- After `Logger.final_error` nothing more is written, so that error is the last stderr line
  (the one the Flow runtime shows the user).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any, Final

import orjson

LEVELS: Final = {"debug": 10, "info": 20, "warn": 30, "error": 40}
_LEVEL_ALIASES: Final = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
    "critical": "error",
    "fatal": "error",
}
PYTHON_LEVEL_NAMES: Final = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "error": "ERROR"}
MASK: Final = b"***"


def normalize_level(name: str | None, default: str = "info") -> str:
    """A protocol level name for any common spelling (``WARNING`` -> ``warn``)."""
    return _LEVEL_ALIASES.get((name or "").strip().lower(), default)


class Scrubber:
    """Replaces secret values in serialised lines."""

    def __init__(self) -> None:
        """Start with no secrets."""
        self._needles: list[bytes] = []

    def add(self, values: Iterable[str]) -> None:
        """Register secrets; each is masked raw and in its JSON-escaped form."""
        needles = set(self._needles)
        for value in values:
            if not value:
                continue
            needles.add(value.encode())
            needles.add(orjson.dumps(value)[1:-1])
        # Longest first, so a secret containing another is masked whole.
        self._needles = sorted(needles, key=len, reverse=True)

    def scrub(self, line: bytes) -> bytes:
        """``line`` with every secret masked."""
        for needle in self._needles:
            if needle in line:
                line = line.replace(needle, MASK)
        return line


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _schema_secrets(schema: Any, value: Any) -> Iterable[str]:
    """Values of ``value`` at properties marked ``secret`` (or ``airbyte_secret``) in ``schema``."""
    if not isinstance(schema, dict):
        return
    if schema.get("secret") is True or schema.get("airbyte_secret") is True:
        yield from _strings(value)
        return
    for combinator in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(combinator) or ():
            yield from _schema_secrets(sub, value)
    if isinstance(value, dict):
        for name, prop in (schema.get("properties") or {}).items():
            if name in value:
                yield from _schema_secrets(prop, value[name])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for v in value.values():
                yield from _schema_secrets(extra, v)
    elif isinstance(value, list):
        items = schema.get("items")
        for v in value:
            yield from _schema_secrets(items, v)


def _field_secrets(value: Any, fields: frozenset[str]) -> Iterable[str]:
    """Values under any key named in ``fields``, at any depth."""
    if isinstance(value, dict):
        for name, v in value.items():
            if name in fields:
                yield from _strings(v)
            else:
                yield from _field_secrets(v, fields)
    elif isinstance(value, list):
        for v in value:
            yield from _field_secrets(v, fields)


def collect_secrets(
    config: Any, config_schema: Mapping[str, Any], secret_fields: Sequence[str]
) -> set[str]:
    """Every secret string in ``config``: by ``secret`` schema annotations and by key name."""
    found = set(_schema_secrets(config_schema, config))
    found.update(_field_secrets(config, frozenset(secret_fields)))
    return found


class Logger:
    """Thread-safe JSON-lines logger on a binary stream (stderr)."""

    def __init__(self, stream: IO[bytes], level: str | None = "info") -> None:
        """Log to ``stream`` at ``level`` and above."""
        self._stream = stream
        self._threshold = LEVELS[normalize_level(level)]
        self._lock = threading.Lock()
        self._closed = False
        self.scrubber = Scrubber()

    def enabled(self, level: str) -> bool:
        """Whether a line at ``level`` would be written."""
        return LEVELS.get(level, 20) >= self._threshold

    def log(
        self, level: str, msg: str, fields: Mapping[str, Any] | None = None, ts: str | None = None
    ) -> None:
        """Write one log line (``level`` must be a protocol level name)."""
        if not self.enabled(level):
            return
        self._write(level, msg, fields, ts)

    def _write(
        self, level: str, msg: str, fields: Mapping[str, Any] | None, ts: str | None
    ) -> None:
        record = {
            "ts": ts or datetime.now(UTC).isoformat(timespec="microseconds"),
            "level": level,
            "msg": msg,
            "fields": fields or {},
        }
        line = orjson.dumps(record, default=str) + b"\n"
        with self._lock:
            if self._closed:
                return
            try:
                self._stream.write(self.scrubber.scrub(line))
                self._stream.flush()
            except (OSError, ValueError):
                self._closed = True

    def debug(self, msg: str, **fields: Any) -> None:
        """Log at debug."""
        self.log("debug", msg, fields)

    def info(self, msg: str, **fields: Any) -> None:
        """Log at info."""
        self.log("info", msg, fields)

    def warn(self, msg: str, **fields: Any) -> None:
        """Log at warn."""
        self.log("warn", msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        """Log at error."""
        self.log("error", msg, fields)

    def final_error(self, msg: str, **fields: Any) -> None:
        """Log the error that ends the run (whatever the level), then write nothing more."""
        self._write("error", msg, fields, None)
        with self._lock:
            self._closed = True


# singer-sdk's default console format: "{asctime:23s} | {levelname:8s} | {name:30s} | {message}"
_TEXT_LOG = re.compile(
    r"^(?P<ts>[^|]*?)\s*\|\s*(?P<level>[A-Za-z]+)\s*\|\s*(?P<name>[^|]*?)\s*\|\s?(?P<msg>.*)$"
)


def _iso(ts: Any) -> str | None:
    if isinstance(ts, int | float):
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")
    return None


class TapLogRelay:
    """Re-emits the tap's stderr lines as structured logs at their own level.

    Understands singer-sdk's JSON logs (``StructuredFormatter``) and its text console format;
    folds a Python traceback into one error line; anything else is relayed at info. Remembers
    the last error the tap reported so a failure can be explained in one line.
    """

    def __init__(self, logger: Logger) -> None:
        """Relay to ``logger``."""
        self._logger = logger
        self._traceback: list[str] | None = None
        self.last_error: str | None = None

    def feed(self, raw: bytes) -> None:
        """Relay one stderr line of the tap."""
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if self._traceback is not None:
            if line.startswith((" ", "\t")) or not line:
                self._traceback.append(line)
                return
            self._traceback.append(line)
            self._emit_traceback(final=line)
            return
        if line.startswith("Traceback (most recent call last)"):
            self._traceback = [line]
            return
        if not line.strip():
            return
        if line.startswith("{"):
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                self._relay_json(parsed)
                return
        match = _TEXT_LOG.match(line)
        if match and match["level"].lower() in _LEVEL_ALIASES:
            self._relay_text(match)
            return
        self._logger.log("info", line, {"source": "tap"})

    def close(self) -> None:
        """Flush a traceback cut short by the end of the stream."""
        if self._traceback:
            self._emit_traceback(final=self._traceback[-1].strip())

    def _emit_traceback(self, final: str) -> None:
        lines, self._traceback = self._traceback or [], None
        self.last_error = final
        self._logger.log("error", final, {"source": "tap", "traceback": "\n".join(lines)})

    def _relay_json(self, record: Mapping[str, Any]) -> None:
        level = normalize_level(record.get("level"))
        msg = str(record.get("message", record.get("msg", "")))
        fields: dict[str, Any] = {"source": "tap"}
        if record.get("logger_name"):
            fields["logger"] = record["logger_name"]
        for name in ("stream_name", "metric_info"):
            if record.get(name) is not None:
                fields[name.removesuffix("_name").removesuffix("_info")] = record[name]
        exception = record.get("exception")
        if isinstance(exception, dict):
            fields["exception"] = f"{exception.get('type')}: {exception.get('message')}"
        if record.get("extra"):
            fields["extra"] = record["extra"]
        if level == "error":
            self.last_error = fields.get("exception", msg)
        self._logger.log(level, msg, fields, _iso(record.get("ts")))

    def _relay_text(self, match: re.Match[str]) -> None:
        level = normalize_level(match["level"])
        msg = match["msg"]
        fields: dict[str, Any] = {"source": "tap", "logger": match["name"]}
        if msg.startswith("METRIC: "):
            try:
                fields["metric"] = orjson.loads(msg.removeprefix("METRIC: "))
                msg = "METRIC"
            except orjson.JSONDecodeError:
                pass
        if level == "error":
            self.last_error = msg
        self._logger.log(level, msg, fields)
