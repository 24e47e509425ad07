"""Pure translations between Singer and Flow shapes.

Guarantees:
- One discovered binding per catalog stream, in catalog order, named after the stream
  (``tap_stream_id``), with ``resourceConfig = {"stream", "syncMode"}`` and resource path
  ``[stream]``.
- Keys are the stream's Singer key properties as escaped JSON pointers; a keyless stream is keyed
  on ``/_meta/row_id``, an integer the adapter numbers from 0 in every session (so a full-refresh
  keyless stream overwrites its previous rows in order; a keyless incremental stream would
  overwrite earlier sessions' rows, so give incremental streams a key).
- Document schemas are object schemas with every key location required and non-null, loosened
  where Flow would be stricter than the source (no ``enum``, no ``additionalProperties: false``,
  only well-known ``format`` values), with ``x-infer-schema`` and the delete reduction.
- Every document is the Singer record, all fields kept, plus ``_meta.op``: ``"d"`` when the record
  has a non-null ``_sdc_deleted_at``, otherwise ``"u"``. A Singer tap does not say whether a
  record is new, so ``"c"`` is never claimed; ``"u"`` and ``"c"`` reduce identically. A ``_meta``
  field of the record itself is replaced.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from flow_adapter.errors import BindingError, TapError

INCREMENTAL: Final = "incremental"
FULL_REFRESH: Final = "full_refresh"
SYNC_MODES: Final = (INCREMENTAL, FULL_REFRESH)

ROW_ID_POINTER: Final = "/_meta/row_id"
DELETED_AT: Final = "_sdc_deleted_at"

# Shared, never mutated: serialised by orjson for every document.
META_UPSERT: Final[Mapping[str, str]] = {"op": "u"}
META_DELETE: Final[Mapping[str, str]] = {"op": "d"}

# Formats Flow validates the way JSON schema defines them; any other `format` is dropped.
KNOWN_FORMATS: Final = frozenset(
    {"date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uri", "uuid"}
)

DELETE_REDUCTION: Final[Mapping[str, Any]] = {
    "if": {
        "required": ["_meta"],
        "properties": {"_meta": {"required": ["op"], "properties": {"op": {"const": "d"}}}},
    },
    "then": {"reduce": {"strategy": "merge", "delete": True}},
}


@dataclass(frozen=True)
class CatalogStream:
    """What the adapter needs to know about one Singer catalog stream."""

    name: str
    key: tuple[str, ...]
    #: Whether the stream runs incrementally unless told otherwise (its discovered method).
    incremental: bool
    schema: Mapping[str, Any]
    #: Whether it may run incrementally when a binding asks (``SUPPORTED_METHODS``).
    can_be_incremental: bool = False

    @property
    def sync_modes(self) -> tuple[str, ...]:
        """The sync modes this stream supports."""
        return SYNC_MODES if self.incremental or self.can_be_incremental else (FULL_REFRESH,)

    @property
    def default_sync_mode(self) -> str:
        """The sync mode recommended by ``discover``."""
        return INCREMENTAL if self.incremental else FULL_REFRESH


#: Root metadata of a catalog entry listing the replication methods a stream supports, when it
#: supports more than its discovered one (a full-table stream that can also run incrementally).
#: Not a Singer standard key (Singer has none for this); a tap without it loses nothing.
SUPPORTED_METHODS: Final = "supported-replication-methods"


def _root_metadata(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    for item in entry.get("metadata") or ():
        if isinstance(item, dict) and item.get("breadcrumb") in ([], ()):
            meta = item.get("metadata")
            return meta if isinstance(meta, dict) else {}
    return {}


def stream_name(entry: Mapping[str, Any]) -> str:
    """The name RECORD messages use for a catalog entry (``tap_stream_id``, else ``stream``)."""
    name = entry.get("tap_stream_id") or entry.get("stream")
    if not isinstance(name, str) or not name:
        msg = "the tap's catalog has a stream without a tap_stream_id"
        raise TapError(msg)
    return name


def parse_catalog(catalog: Any) -> dict[str, CatalogStream]:
    """Read a Singer catalog into streams by name, in catalog order.

    Raises:
        TapError: the catalog is not ``{"streams": [...]}`` of stream objects.
    """
    streams = catalog.get("streams") if isinstance(catalog, dict) else None
    if not isinstance(streams, list):
        msg = 'the tap\'s --discover output is not a Singer catalog ({"streams": [...]})'
        raise TapError(msg)
    result: dict[str, CatalogStream] = {}
    for entry in streams:
        if not isinstance(entry, dict):
            msg = "the tap's catalog has a stream entry that is not an object"
            raise TapError(msg)
        name = stream_name(entry)
        meta = _root_metadata(entry)
        key = entry.get("key_properties") or meta.get("table-key-properties") or ()
        method = entry.get("replication_method") or meta.get("forced-replication-method")
        incremental = method == "INCREMENTAL" or (
            method in (None, "")
            and bool(entry.get("replication_key") or meta.get("replication-key"))
        )
        schema = entry.get("schema")
        supported = meta.get(SUPPORTED_METHODS)
        result[name] = CatalogStream(
            name=name,
            key=tuple(str(k) for k in key),
            incremental=incremental,
            schema=schema if isinstance(schema, dict) else {},
            can_be_incremental=isinstance(supported, list) and "INCREMENTAL" in supported,
        )
    return result


def json_pointer(*names: str) -> str:
    """The JSON pointer to nested property ``names`` (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return "".join("/" + n.replace("~", "~0").replace("/", "~1") for n in names)


def flow_key(stream: CatalogStream) -> list[str]:
    """The collection key: the Singer key properties, or ``/_meta/row_id`` when there are none."""
    return [json_pointer(k) for k in stream.key] if stream.key else [ROW_ID_POINTER]


def _loosen(node: Any) -> Any:
    """Copy of a schema node without constraints Flow would enforce harder than the source."""
    if isinstance(node, list):
        return [_loosen(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in ("enum", "$schema") or (keyword == "additionalProperties" and value is False):
            continue
        if keyword == "format" and value not in KNOWN_FORMATS:
            continue
        if keyword in ("properties", "patternProperties", "$defs", "definitions"):
            out[keyword] = (
                {k: _loosen(v) for k, v in value.items()} if isinstance(value, dict) else value
            )
        elif keyword in (
            "items",
            "prefixItems",
            "additionalProperties",
            "additionalItems",
            "anyOf",
            "oneOf",
            "allOf",
            "not",
            "if",
            "then",
            "else",
            "contains",
        ):
            out[keyword] = _loosen(value)
        else:
            out[keyword] = copy.deepcopy(value)
    return out


def _non_null(prop: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a property schema that does not admit null."""
    out = dict(prop)
    kind = out.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        out["type"] = kinds[0] if len(kinds) == 1 else kinds
    for combinator in ("anyOf", "oneOf"):
        variants = out.get(combinator)
        if isinstance(variants, list):
            kept = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
            out[combinator] = kept
    return out


def _with_required(schema: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    existing = schema.get("required")
    base = existing if isinstance(existing, list) else []
    return list(dict.fromkeys([*base, *names]))


def document_schema(stream: CatalogStream) -> dict[str, Any]:
    """The Flow document schema for a Singer stream schema."""
    schema: dict[str, Any] = _loosen(stream.schema)
    schema["type"] = "object"
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    for name in stream.key:
        properties[name] = _non_null(properties.get(name) or {})
    meta_properties: dict[str, Any] = {
        "op": {
            "type": "string",
            "description": "Change operation: 'u' upsert, 'd' delete.",
        }
    }
    meta_required = ["op"]
    if not stream.key:
        meta_properties["row_id"] = {
            "type": "integer",
            "description": "Row number within the session (the key of a keyless stream).",
        }
        meta_required.append("row_id")
    properties["_meta"] = {
        "type": "object",
        "properties": meta_properties,
        "required": meta_required,
    }
    schema["properties"] = properties
    schema["required"] = _with_required(schema, [*stream.key, "_meta"])
    schema["x-infer-schema"] = True
    schema["reduce"] = {"strategy": "merge"}
    schema.update(copy.deepcopy(DELETE_REDUCTION))
    return schema


def resource_config(stream: str, sync_mode: str) -> dict[str, str]:
    """The resource config of a binding."""
    return {"stream": stream, "syncMode": sync_mode}


def resource_path(stream: str) -> list[str]:
    """The resource path of a binding (what ``resourcePathPointers: ["/stream"]`` picks out)."""
    return [stream]


def select_streams(catalog: Mapping[str, Any], selected: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``catalog`` selecting exactly the streams in ``selected`` (name -> sync mode).

    Other streams are deselected. A stream bound as ``full_refresh`` runs with replication method
    ``FULL_TABLE`` and no replication key, whatever it supports; one bound as ``incremental``
    with replication method ``INCREMENTAL``.
    """
    result = copy.deepcopy(dict(catalog))
    for entry in result.get("streams", []):
        name = stream_name(entry)
        metadata = entry.setdefault("metadata", [])
        root = next((m for m in metadata if m.get("breadcrumb") in ([], ())), None)
        if root is None:
            root = {"breadcrumb": [], "metadata": {}}
            metadata.append(root)
        root_meta = root.setdefault("metadata", {})
        root_meta["selected"] = name in selected
        if selected.get(name) == FULL_REFRESH:
            entry["replication_method"] = "FULL_TABLE"
            entry.pop("replication_key", None)
            root_meta["forced-replication-method"] = "FULL_TABLE"
            root_meta.pop("replication-key", None)
        elif selected.get(name) == INCREMENTAL:
            entry["replication_method"] = "INCREMENTAL"
            root_meta["forced-replication-method"] = "INCREMENTAL"
    return result


def resolve_bindings(
    resource_configs: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    streams: Mapping[str, CatalogStream],
) -> list[tuple[str, str]]:
    """``(stream, sync_mode)`` for each binding, in order.

    ``full_refresh`` is allowed for every stream; ``incremental`` for incremental streams and
    those whose catalog entry lists it (``SUPPORTED_METHODS``).

    Raises:
        BindingError: naming every binding that is invalid (unknown stream, missing or unsupported
            sync mode, stream bound twice).
    """
    problems: list[str] = []
    resolved: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for index, (config, label) in enumerate(zip(resource_configs, labels, strict=True)):
        name = f"binding {index} ({label})" if label else f"binding {index}"
        stream, mode = config.get("stream"), config.get("syncMode")
        if not isinstance(stream, str) or not stream:
            problems.append(f"{name}: resource config has no 'stream'")
            continue
        found = streams.get(stream)
        if found is None:
            available = ", ".join(streams) or "none"
            problems.append(f"{name}: unknown stream {stream!r} (available: {available})")
            continue
        if mode not in SYNC_MODES:
            problems.append(
                f"{name}: syncMode must be one of {', '.join(SYNC_MODES)}, got {mode!r}"
            )
            continue
        if mode not in found.sync_modes:
            problems.append(
                f"{name}: stream {stream!r} can only be captured with syncMode"
                f" {FULL_REFRESH!r}, not {mode!r}"
            )
            continue
        if stream in seen:
            problems.append(f"{name}: stream {stream!r} is already bound by binding {seen[stream]}")
            continue
        seen[stream] = index
        resolved.append((stream, str(mode)))
    if problems:
        raise BindingError("invalid bindings: " + "; ".join(problems))
    return resolved


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
            "enum": list(SYNC_MODES),
            "title": "Sync Mode",
            "description": "Connection method.",
        },
    },
    "required": ["stream", "syncMode"],
}
RESOURCE_PATH_POINTERS: Final = ("/stream",)


_RECORD_LINE = re.compile(
    rb'\{"type":"RECORD","stream":"([^"\\]+)"(?:,"version":-?\d+)?'
    rb'(?:,"time_extracted":"[^"\\]*")?,"record":\{'
)
_UPSERT_TAIL = b',"_meta":{"op":"u"}}'


class RecordSplicer:
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
