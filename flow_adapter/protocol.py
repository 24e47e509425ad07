"""Flow capture protocol messages, JSON codec (see shared/flow-capture-protocol.md).

Guarantees:
- Requests are read leniently: unknown fields are ignored and missing fields take their
  default, but a line that is not one JSON object with exactly one known top-level key raises
  `ProtocolError` naming the problem.
- Responses are written strictly: each response type serialises to exactly the fields the
  protocol defines, lowerCamelCase, one object per line terminated by ``\\n``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from flow_adapter.errors import ProtocolError
from flow_adapter.shards import ShardRange

PROTOCOL_VERSION = 3032023

# ---------------------------------------------------------------------------------------------
# Requests (stdin)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecRequest:
    """``spec``: describe the connector."""


@dataclass(frozen=True)
class DiscoverRequest:
    """``discover``: list the bindings the source offers."""

    config: Mapping[str, Any]


@dataclass(frozen=True)
class ValidateBinding:
    """One binding of a ``validate`` request."""

    resource_config: Mapping[str, Any]
    collection_name: str
    backfill: int


@dataclass(frozen=True)
class ValidateRequest:
    """``validate``: check a config and its bindings."""

    name: str
    config: Mapping[str, Any]
    bindings: Sequence[ValidateBinding]


@dataclass(frozen=True)
class ApplyRequest:
    """``apply``: make the source ready for a published capture (nothing to do for a tap)."""

    capture_name: str
    version: str


@dataclass(frozen=True)
class OpenBinding:
    """One binding of an ``open`` request; its position is the ``captured.binding`` index."""

    resource_config: Mapping[str, Any]
    resource_path: Sequence[str]
    collection_name: str
    backfill: int
    state_key: str


@dataclass(frozen=True)
class OpenRequest:
    """``open``: start a capture session."""

    capture_name: str
    config: Mapping[str, Any]
    bindings: Sequence[OpenBinding]
    interval_seconds: int
    version: str
    #: The share of the capture this shard owns (the whole, unless Flow split the task).
    range: ShardRange
    state: Any = field(default_factory=dict)


@dataclass(frozen=True)
class AcknowledgeRequest:
    """``acknowledge``: the runtime committed some checkpoints (ignored: we don't ask for it)."""

    checkpoints: int


Request = (
    SpecRequest
    | DiscoverRequest
    | ValidateRequest
    | ApplyRequest
    | OpenRequest
    | AcknowledgeRequest
)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        msg = f"protocol error: {where} must be a JSON object, got {type(value).__name__}"
        raise ProtocolError(msg)
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"protocol error: {where} must be a JSON array, got {type(value).__name__}"
        raise ProtocolError(msg)
    return value


def _str(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        msg = f"protocol error: {where} must be a string, got {type(value).__name__}"
        raise ProtocolError(msg)
    return value


def _int(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"protocol error: {where} must be an integer, got {type(value).__name__}"
        raise ProtocolError(msg)
    return value


def _collection_name(binding: Mapping[str, Any], where: str) -> str:
    return _str(_object(binding.get("collection"), f"{where}.collection").get("name"), where)


def _parse_validate(body: Mapping[str, Any]) -> ValidateRequest:
    bindings = []
    for i, raw in enumerate(_list(body.get("bindings"), "validate.bindings")):
        where = f"validate.bindings[{i}]"
        b = _object(raw, where)
        bindings.append(
            ValidateBinding(
                resource_config=_object(b.get("resourceConfig"), f"{where}.resourceConfig"),
                collection_name=_collection_name(b, where),
                backfill=_int(b.get("backfill"), f"{where}.backfill"),
            )
        )
    return ValidateRequest(
        name=_str(body.get("name"), "validate.name"),
        config=_object(body.get("config"), "validate.config"),
        bindings=bindings,
    )


def _parse_open(body: Mapping[str, Any]) -> OpenRequest:
    capture = _object(body.get("capture"), "open.capture")
    bindings = []
    for i, raw in enumerate(_list(capture.get("bindings"), "open.capture.bindings")):
        where = f"open.capture.bindings[{i}]"
        b = _object(raw, where)
        path = [_str(p, f"{where}.resourcePath") for p in _list(b.get("resourcePath"), where)]
        bindings.append(
            OpenBinding(
                resource_config=_object(b.get("resourceConfig"), f"{where}.resourceConfig"),
                resource_path=path,
                collection_name=_collection_name(b, where),
                backfill=_int(b.get("backfill"), f"{where}.backfill"),
                state_key=_str(b.get("stateKey"), f"{where}.stateKey"),
            )
        )
    range_ = _object(body.get("range"), "open.range")
    try:
        shard = ShardRange(
            key_begin=_int(range_.get("keyBegin"), "open.range.keyBegin"),
            key_end=_int(range_.get("keyEnd"), "open.range.keyEnd"),
            r_clock_begin=_int(range_.get("rClockBegin"), "open.range.rClockBegin"),
            r_clock_end=_int(range_.get("rClockEnd"), "open.range.rClockEnd"),
        )
    except ValueError as exc:
        raise ProtocolError(f"protocol error: {exc}") from None
    return OpenRequest(
        capture_name=_str(capture.get("name"), "open.capture.name"),
        config=_object(capture.get("config"), "open.capture.config"),
        bindings=bindings,
        interval_seconds=_int(capture.get("intervalSeconds"), "open.capture.intervalSeconds"),
        version=_str(body.get("version"), "open.version"),
        range=shard,
        state=body.get("state") if body.get("state") is not None else {},
    )


def parse_request(line: bytes) -> Request:
    """Parse one stdin line into a request.

    Raises:
        ProtocolError: the line is not a JSON object with exactly one known top-level key, or a
            known field has the wrong JSON type.
    """
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        msg = f"protocol error: request is not valid JSON ({exc})"
        raise ProtocolError(msg) from None
    if not isinstance(message, dict):
        msg = "protocol error: request must be a JSON object"
        raise ProtocolError(msg)
    if len(message) != 1:
        keys = ", ".join(sorted(message)) or "none"
        msg = f"protocol error: request must have exactly one top-level key, got: {keys}"
        raise ProtocolError(msg)
    ((kind, raw_body),) = message.items()
    if kind not in _PARSERS:
        msg = f"protocol error: unknown request {kind!r}; expected one of {', '.join(_PARSERS)}"
        raise ProtocolError(msg)
    body = _object(raw_body, kind)
    return _PARSERS[kind](body)


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Request]] = {
    "spec": lambda body: SpecRequest(),
    "discover": lambda body: DiscoverRequest(config=_object(body.get("config"), "discover.config")),
    "validate": _parse_validate,
    "apply": lambda body: ApplyRequest(
        capture_name=_str(_object(body.get("capture"), "apply.capture").get("name"), "apply"),
        version=_str(body.get("version"), "apply.version"),
    ),
    "open": _parse_open,
    "acknowledge": lambda body: AcknowledgeRequest(
        checkpoints=_int(body.get("checkpoints"), "acknowledge.checkpoints")
    ),
}

# ---------------------------------------------------------------------------------------------
# Responses (stdout)
# ---------------------------------------------------------------------------------------------


def _line(kind: str, body: Mapping[str, Any]) -> bytes:
    return orjson.dumps({kind: body}) + b"\n"


@dataclass(frozen=True)
class SpecResponse:
    """``spec`` response."""

    config_schema: Mapping[str, Any]
    resource_config_schema: Mapping[str, Any]
    documentation_url: str
    resource_path_pointers: Sequence[str]

    def to_line(self) -> bytes:
        """Serialise with exactly the protocol's fields."""
        return _line(
            "spec",
            {
                "protocol": PROTOCOL_VERSION,
                "configSchema": self.config_schema,
                "resourceConfigSchema": self.resource_config_schema,
                "documentationUrl": self.documentation_url,
                "resourcePathPointers": list(self.resource_path_pointers),
            },
        )


@dataclass(frozen=True)
class DiscoveredBinding:
    """One binding of a ``discovered`` response."""

    recommended_name: str
    resource_config: Mapping[str, Any]
    document_schema: Mapping[str, Any]
    key: Sequence[str]

    def to_json(self) -> dict[str, Any]:
        """Serialise with exactly the protocol's fields."""
        return {
            "recommendedName": self.recommended_name,
            "resourceConfig": self.resource_config,
            "documentSchema": self.document_schema,
            "key": list(self.key),
        }


@dataclass(frozen=True)
class DiscoveredResponse:
    """``discovered`` response."""

    bindings: Sequence[DiscoveredBinding]

    def to_line(self) -> bytes:
        """Serialise with exactly the protocol's fields."""
        return _line("discovered", {"bindings": [b.to_json() for b in self.bindings]})


@dataclass(frozen=True)
class ValidatedResponse:
    """``validated`` response: one resource path per request binding, in order."""

    resource_paths: Sequence[Sequence[str]]

    def to_line(self) -> bytes:
        """Serialise with exactly the protocol's fields."""
        bindings = [{"resourcePath": list(p)} for p in self.resource_paths]
        return _line("validated", {"bindings": bindings})


@dataclass(frozen=True)
class AppliedResponse:
    """``applied`` response."""

    action_description: str = ""

    def to_line(self) -> bytes:
        """Serialise with exactly the protocol's fields."""
        return _line("applied", {"actionDescription": self.action_description})


@dataclass(frozen=True)
class OpenedResponse:
    """``opened`` response: the first message of a session."""

    explicit_acknowledgements: bool = False

    def to_line(self) -> bytes:
        """Serialise with exactly the protocol's fields."""
        return _line("opened", {"explicitAcknowledgements": self.explicit_acknowledgements})


def checkpoint_line(updated: Mapping[str, Any]) -> bytes:
    """A ``checkpoint`` that merge-patches ``updated`` into the connector state."""
    return _line("checkpoint", {"state": {"updated": updated, "mergePatch": True}})


def captured_prefix(binding: int) -> bytes:
    """The bytes before the document of a ``captured`` line for ``binding``.

    A captured line is ``captured_prefix(i) + orjson.dumps(doc) + CAPTURED_SUFFIX``: the hot path
    builds it without an intermediate dict.
    """
    return b'{"captured":{"binding":%d,"doc":' % binding


CAPTURED_SUFFIX = b"}}\n"
