"""Generate the tap's stream schemas from Stripe's OpenAPI description.

Usage::

    .venv/bin/python scripts/generate_schemas.py            # (re)write the schema files
    .venv/bin/python scripts/generate_schemas.py --check    # exit 1 if a file is stale
    .venv/bin/python scripts/generate_schemas.py --spec PATH

The spec defaults to ``../shared/stripe-openapi/spec3.2024-06-20.json`` resolved against the
repository root. It is read, never copied into the repository.

Guarantees for every generated ``tap_stripe_flow/schemas/<stream>.json``:

* The top level is ``{"type": "object", "properties": {...}, "required": ["id"]}``; ``id`` is a
  non-null string. Every property Stripe documents for the stream's component is present
  except the includable ones (see below), plus the properties the tap adds
  (``TAP_ADDED_PROPERTIES``).
* Keywords are limited to ``type``, ``properties``, ``items``, ``required`` (top level only) and
  ``format: date-time``. So there is no ``enum`` (Stripe adds values), no ``additionalProperties``
  (so never ``false``), no other ``format`` (Stripe's ``unix-time`` timestamps stay plain
  integers, ``decimal`` strings stay plain strings), no ``x-`` vendor key, no ``description``,
  ``title``, ``maxLength`` or ``pattern``. Nested objects carry no ``required`` list.
* ``nullable: true`` adds ``"null"`` to the type, and so does a property missing from its
  object's ``required`` list: Stripe sends ``null`` for optional properties it has no value for
  (a charge's ``radar_options``), and a Singer target that validates records must accept it. A
  ``type`` is a string when it names one type,
  else a list in the fixed order of ``TYPE_ORDER``.
* ``$ref``s are resolved. Nested objects are inlined while they are at most ``MAX_DEPTH`` levels
  below the record (a top-level property's object is level 1). Deeper objects, Stripe's maps
  (``additionalProperties`` schemas such as ``metadata``) and free-form objects become the
  permissive ``{"type": ["object", "null"]}``, so no value is ever rejected for its shape.
* Polymorphic ``anyOf``/``oneOf`` unions of objects are merged into one object whose properties
  are the union of the variants' properties (a widening: anything a variant accepts is accepted).
  So is a stream's own polymorphic component (``external_account``: a bank account or a card),
  where a property some variant lacks also accepts null.
* Expandable fields (``anyOf: [id string, $ref...]``) are typed as what the tap sends. Stripe
  sends an expandable field as its id string unless the request asks to expand it, so a field is
  ``{"type": "string"}`` (plus ``"null"`` when nullable), at any depth, unless the stream's own
  list request expands it for the records it emits (``expand[]`` in the stream class's
  ``list_params``, or for a child stream in ``parent_params`` under the embedded child list, see
  ``emitted_expansions``): then it is the permissive ``{"type": ["object", "null"]}`` (an
  expanded object is a whole resource; inlining them makes files several hundred KB). No stream
  does today: ``bank_accounts`` and ``checkout_sessions_line_items`` expand their parent's child
  list, not a field of the records they emit. Why not ``["string", "object"]``: a type list with
  two non-null types cannot be one warehouse column, and strict targets fail on it
  (pipelinewise-target-postgres and target-duckdb make a JSON column and reject the id string;
  meltanolabs-target-postgres makes ``jsonb`` holding a JSON string, which no join on an id
  matches).
* Schemas say what is sent: an includable field, which Stripe leaves out of an object unless
  the request expands it (``customer.sources``, ``customer.tax``, ``charge.refunds``,
  ``plan.tiers``, ``coupon.applies_to``; a nested price's ``tiers`` and ``currency_options``),
  is left out of the schema, at any depth, unless the stream's own list request expands it for
  the records it emits (the same ``emitted_expansions`` as above; no stream does today). A
  field is includable when its spec description says "This field is not included by default"
  (Stripe's wording since late 2024) or when ``stripe_emulator.resources.INCLUDABLE`` lists it:
  the 2024-06-20 spec says it of none of them, so the emulator's table, which serves them only
  when expanded, is the one list of them (see ``includable_fields``). So is a field a list or
  retrieve never sends at all (``OMITTED_FIELDS``: a webhook endpoint's ``secret``, sent only
  in the answer that creates the endpoint).
* Every node has a ``type`` naming at most one type besides ``"null"``, so a target maps each
  property to one column type: ``generate`` fails on anything else.
* Nullable objects and arrays keep this shape: ``{"type": ["object", "null"]}`` (with
  ``properties`` within the depth bound) and ``{"type": ["array", "null"], "items": {...}}``
  (``items`` always, when Stripe documents them). target-duckdb stores SQL NULL for a null or
  missing value of either; meltanolabs-target-postgres makes an array with ``items`` a Postgres
  array (SQL NULL when null) but an array without ``items``, or an object, a ``jsonb`` column
  that holds JSON ``null`` (its own bug, which no schema shape avoids).
* Known limit: singer-sdk drops keys that a level listing ``properties`` does not list, and
  Stripe sends some keys this spec does not document (``subscription_item.plan``,
  ``charge.source``); keeping those is the tap's concern, not the schema's.
* Output is deterministic: sorted keys, 2-space indent, trailing newline.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from stripe_emulator.resources import OMITTED_FIELDS
from tap_stripe_flow.changes import DELETED_AT
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams import CHANGE_EVENTS, STREAM_TYPES, STREAMS

JsonSchema = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT / ".." / "shared" / "stripe-openapi" / "spec3.2024-06-20.json"
SCHEMA_DIR = REPO_ROOT / "tap_stripe_flow" / "schemas"

MAX_DEPTH = 2
"""Nested objects up to this many levels below the record keep their ``properties``."""

STREAM_COMPONENTS: dict[str, str] = {name: t.object_type for name, t in STREAMS.items()}
"""Stream name -> name of its component schema in Stripe's OpenAPI description."""

_DELETION: dict[str, JsonSchema] = {DELETED_AT: {"type": ["string", "null"], "format": "date-time"}}
"""A deletion read from an event (or from an incremental child stream's) carries its time."""

TAP_ADDED_PROPERTIES: dict[str, dict[str, JsonSchema]] = {
    # Child records carry their parent; the parent's `created` is the replication key.
    "checkout_sessions_line_items": {
        "checkout_session": {"type": "string"},
        "checkout_session_created": {"type": "integer"},
    },
    "invoice_line_items": {"invoice": {"type": ["string", "null"]}, **_DELETION},
    "subscription_items": {"subscription": {"type": "string"}, **_DELETION},
    "credit_note_line_items": {"credit_note": {"type": "string"}},
    "quote_line_items": {"quote": {"type": "string"}},
    "payment_link_line_items": {"payment_link": {"type": "string"}},
    # bank_accounts and customer_balance_transactions carry `customer`, which Stripe documents.
    "bank_accounts": _DELETION,
    "cards": _DELETION,
    "payment_methods": _DELETION,
    "customer_tax_ids": _DELETION,
    "product_features": {"product": {"type": "string"}},
    # Streams whose objects Stripe deletes: a deletion read from an event carries its time.
    **{stream: _DELETION for stream, changes in CHANGE_EVENTS.items() if changes.deletions},
}
"""Properties the tap sets on records; they replace a documented property of the same name."""

FieldPath = tuple[str, ...]
"""Property names from the record's root to a field; arrays add nothing (as in ``expand[]``)."""

NOT_INCLUDED_BY_DEFAULT = "This field is not included by default"
"""How Stripe's spec describes an includable field (in versions later than 2024-06-20)."""

TYPE_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")
PERMISSIVE_TYPES = ("object", "null")
KEPT_FORMATS = frozenset({"date-time"})
REF_PREFIX = "#/components/schemas/"


def type_set(schema: Mapping[str, Any]) -> set[str]:
    """Return the JSON types a converted schema names (empty when it names none)."""
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def type_value(types: Iterable[str]) -> str | list[str]:
    """Return ``types`` as a ``type`` value: a lone name, or a list in ``TYPE_ORDER``.

    Raises:
        ValueError: a name is not a JSON Schema type (it would otherwise be lost silently).
    """
    wanted = set(types)
    unknown = wanted.difference(TYPE_ORDER)
    if unknown:
        msg = f"unknown JSON types {sorted(unknown)}"
        raise ValueError(msg)
    ordered = [name for name in TYPE_ORDER if name in wanted]
    return ordered[0] if len(ordered) == 1 else ordered


def with_null(schema: JsonSchema, nullable: bool) -> JsonSchema:
    """Return ``schema`` with ``"null"`` added to its type when ``nullable`` and it has a type."""
    if not nullable or "type" not in schema:
        return schema
    return {**schema, "type": type_value(type_set(schema) | {"null"})}


def is_open_object(schema: Mapping[str, Any]) -> bool:
    """Whether ``schema`` accepts any object (object type without listed properties)."""
    return "object" in type_set(schema) and "properties" not in schema


def merge_properties(
    left: Mapping[str, JsonSchema], right: Mapping[str, JsonSchema]
) -> dict[str, JsonSchema]:
    """Union of two property maps; a name in both gets the widened merge of its schemas."""
    merged = dict(left)
    for name, schema in right.items():
        merged[name] = merge_schemas(merged[name], schema) if name in merged else schema
    return merged


def merge_schemas(left: JsonSchema, right: JsonSchema) -> JsonSchema:
    """Return a schema accepting every value either converted schema accepts.

    A schema without ``type`` accepts anything, so it absorbs the other. An open object absorbs
    listed properties; an array without ``items`` absorbs an ``items`` schema.
    """
    if "type" not in left or "type" not in right:
        return {}
    merged: JsonSchema = {"type": type_value(type_set(left) | type_set(right))}
    open_object = is_open_object(left) or is_open_object(right)
    if not open_object and ("properties" in left or "properties" in right):
        merged["properties"] = merge_properties(
            left.get("properties", {}), right.get("properties", {})
        )
    both_arrays = "array" in type_set(left) and "array" in type_set(right)
    if "items" in left and "items" in right:
        merged["items"] = merge_schemas(left["items"], right["items"])
    elif not both_arrays and ("items" in left or "items" in right):
        merged["items"] = left.get("items", right.get("items"))
    if left.get("format") == right.get("format") and "format" in left:
        merged["format"] = left["format"]
    return merged


class Converter:
    """Converts Stripe OpenAPI schema nodes into the generated JSON Schema dialect."""

    def __init__(
        self,
        components: Mapping[str, JsonSchema],
        max_depth: int = MAX_DEPTH,
        expanded: AbstractSet[FieldPath] = frozenset(),
    ) -> None:
        """Keep the spec's ``components.schemas``, the inlining depth bound and the paths of
        the expandable and includable fields that the records carry expanded."""
        self.components = components
        self.max_depth = max_depth
        self.expanded = expanded
        self.includable = includable_fields(components)

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow ``$ref`` links until a node that is not a reference."""
        return self.resolve_named(node)[1]

    def resolve_named(self, node: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
        """Follow ``$ref`` links; return the last component name followed (None when
        ``node`` is no reference) and the node that is not a reference."""
        name = None
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith(REF_PREFIX):
                msg = f"unsupported $ref {ref!r}"
                raise ValueError(msg)
            name = ref.removeprefix(REF_PREFIX)
            node = self.components[name]
        return name, node

    def convert(self, node: Mapping[str, Any], depth: int, path: FieldPath) -> JsonSchema:
        """Convert ``node``, found ``depth`` object levels below the record at ``path``."""
        component, node = self.resolve_named(node)
        nullable = bool(node.get("nullable"))
        variants = node.get("anyOf", node.get("oneOf"))
        if variants is not None:
            return with_null(self.convert_union(variants, depth, path), nullable)
        return with_null(self.convert_typed(node, depth, path, component), nullable)

    def convert_union(
        self, variants: Sequence[Mapping[str, Any]], depth: int, path: FieldPath
    ) -> JsonSchema:
        """Convert an ``anyOf``/``oneOf``: an expandable field as sent, or a widened merge."""
        if is_expandable(variants):
            if path in self.expanded:
                return {"type": list(PERMISSIVE_TYPES)}
            return {"type": "string"}
        converted = [self.convert(variant, depth, path) for variant in variants]
        merged = converted[0]
        for schema in converted[1:]:
            merged = merge_schemas(merged, schema)
        return merged

    def convert_typed(
        self, node: Mapping[str, Any], depth: int, path: FieldPath, component: str | None = None
    ) -> JsonSchema:
        """Convert a node with a plain ``type`` (or none: then any value is accepted);
        ``component`` names the spec component it is, if any."""
        declared = node.get("type")
        if declared is None:
            return {}
        if declared == "object":
            return self.convert_object(node, depth, path, component)
        if declared == "array":
            return self.convert_array(node, depth, path)
        schema: JsonSchema = {"type": declared}
        if node.get("format") in KEPT_FORMATS:
            schema["format"] = node["format"]
        return schema

    def convert_object(
        self, node: Mapping[str, Any], depth: int, path: FieldPath, component: str | None
    ) -> JsonSchema:
        """Inline an object's properties within the depth bound, else a permissive object."""
        properties = node.get("properties")
        if not properties or "additionalProperties" in node or depth > self.max_depth:
            return {"type": list(PERMISSIVE_TYPES)}
        return {
            "type": "object",
            "properties": self.convert_properties(node, depth + 1, path, component),
        }

    def convert_properties(
        self, node: Mapping[str, Any], depth: int, path: FieldPath, component: str | None
    ) -> dict[str, JsonSchema]:
        """Convert the properties of an object (of spec ``component``, if any) that Stripe
        sends: without the includable ones the records do not carry expanded. Those it does
        not require also accept null."""
        required = set(node.get("required", ()))
        hidden = self.includable.get(component or "", frozenset())
        return {
            name: with_null(self.convert(child, depth, (*path, name)), name not in required)
            for name, child in node.get("properties", {}).items()
            if name not in hidden or (*path, name) in self.expanded
        }

    def convert_array(self, node: Mapping[str, Any], depth: int, path: FieldPath) -> JsonSchema:
        """Convert an array; its items sit at the array's own depth and path."""
        items = node.get("items")
        if items is None:
            return {"type": "array"}
        return {"type": "array", "items": self.convert(items, depth, path)}

    def stream_schema(self, component: str, added: Mapping[str, JsonSchema]) -> JsonSchema:
        """Return the top-level schema of the stream reading ``component``."""
        node = self.resolve(self.components[component])
        variants = node.get("anyOf", node.get("oneOf"))
        if variants is not None:  # a polymorphic list (external accounts: banks and cards)
            properties: dict[str, JsonSchema] = {}
            parts = [self.resolve_named(variant) for variant in variants]
            for name, part in parts:
                converted = self.convert_properties(part, 1, (), name)
                properties = merge_properties(properties, converted)
            everywhere = set.intersection(*(set(part["properties"]) for _, part in parts))
            for name in set(properties) - everywhere:  # a card's brand: a bank account has none
                properties[name] = with_null(properties[name], True)
        else:
            properties = self.convert_properties(node, 1, (), component)
        properties.update({name: dict(schema) for name, schema in added.items()})
        properties["id"] = {"type": "string"}
        return {"type": "object", "properties": properties, "required": ["id"]}


def includable_fields(components: Mapping[str, JsonSchema]) -> dict[str, frozenset[str]]:
    """Component name -> its includable properties: Stripe sends one only when the request
    expands it. Those whose description says so (``NOT_INCLUDED_BY_DEFAULT``), and those
    ``stripe_emulator.resources.OMITTED_FIELDS`` lists (its includable ones, as 2024-06-20
    documents none in words, and those no list sends, such as a webhook endpoint's
    ``secret``).

    Raises:
        ValueError: ``OMITTED_FIELDS`` names a property the spec does not document.
    """
    found: dict[str, set[str]] = {}
    for name, node in components.items():
        for prop, child in (node.get("properties") or {}).items():
            if NOT_INCLUDED_BY_DEFAULT in str(child.get("description", "")):
                found.setdefault(name, set()).add(prop)
    for name, props in OMITTED_FIELDS.items():
        unknown = set(props).difference(components[name].get("properties", {}))
        if unknown:
            msg = f"{name}: includable fields the spec does not document: {sorted(unknown)}"
            raise ValueError(msg)
        found.setdefault(name, set()).update(props)
    return {name: frozenset(props) for name, props in found.items()}


def is_expandable(variants: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a union is Stripe's expandable shape: an id string, then referenced objects."""
    first, *rest = variants
    return first.get("type") == "string" and bool(rest) and all("$ref" in v for v in rest)


def expand_values(params: Mapping[str, Any]) -> list[str]:
    """The ``expand[]`` values of a request's query parameters."""
    value = params.get("expand[]", [])
    return [value] if isinstance(value, str) else list(value)


def emitted_expansions(stream: type[StripeStream]) -> frozenset[FieldPath]:
    """Paths of the fields that ``stream``'s emitted records carry expanded.

    ``expand[]=data.a.b`` on a list expands ``a.b`` of each listed object. A list stream emits
    the listed objects; a child stream emits the objects of each parent's ``embedded_field``
    list, so only ``data.<embedded_field>.data.x`` expands a field (``x``) of its records. Child
    lists read past the embedded ones and change events carry no expansion, so a stream whose
    records carry an expanded field would emit it in both forms: ``generate`` refuses that.
    """
    if issubclass(stream, StripeChildStream):
        params, prefix = stream.parent_params, f"data.{stream.embedded_field}.data."
    else:
        params, prefix = stream.list_params, "data."
    return frozenset(
        tuple(value.removeprefix(prefix).split("."))
        for value in expand_values(params)
        if value.startswith(prefix)
    )


def one_type_problems(schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Nodes of a converted schema without a ``type``, or naming two types besides null."""
    problems = []
    if "type" not in schema:
        problems.append(f"{path}: no type")
    elif len(type_set(schema) - {"null"}) > 1:
        problems.append(f"{path}: {schema['type']}")
    for name, child in schema.get("properties", {}).items():
        problems.extend(one_type_problems(child, f"{path}.{name}"))
    if "items" in schema:
        problems.extend(one_type_problems(schema["items"], f"{path}[]"))
    return problems


def load_components(spec_path: Path) -> dict[str, JsonSchema]:
    """Read ``components.schemas`` from the OpenAPI description at ``spec_path``."""
    with spec_path.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    components: dict[str, JsonSchema] = spec["components"]["schemas"]
    return components


def render(schema: JsonSchema) -> str:
    """Serialise deterministically: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(spec_path: Path) -> dict[str, str]:
    """Return ``{file name: file text}`` for every stream's schema.

    Raises:
        ValueError: a schema would name two types for one field, or leave its type open, or a
            stream that reads change events or child lists would carry an expanded field.
    """
    components = load_components(spec_path)
    classes = {str(vars(stream)["name"]): stream for stream in STREAM_TYPES}
    files = {}
    for stream, component in sorted(STREAM_COMPONENTS.items()):
        expanded = emitted_expansions(classes[stream])
        if expanded and (stream in CHANGE_EVENTS or classes[stream].child_lists):
            msg = f"{stream}: records would carry {sorted(expanded)} expanded and not expanded"
            raise ValueError(msg)
        converter = Converter(components, expanded=expanded)
        schema = converter.stream_schema(component, TAP_ADDED_PROPERTIES.get(stream, {}))
        problems = one_type_problems(schema)
        if problems:
            msg = f"{stream}: not one column type: {problems}"
            raise ValueError(msg)
        files[f"{stream}.json"] = render(schema)
    return files


def stale_files(expected: Mapping[str, str], schema_dir: Path) -> list[str]:
    """Return the names of files in ``schema_dir`` that are missing or differ from ``expected``."""
    stale = []
    for name, text in sorted(expected.items()):
        path = schema_dir / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(name)
    return stale


def write_files(files: Mapping[str, str], schema_dir: Path) -> None:
    """Write every file into ``schema_dir`` (created if absent) as UTF-8 with LF endings."""
    schema_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (schema_dir / name).write_bytes(text.encode("utf-8"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="Stripe OpenAPI JSON")
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR, help="schema directory")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing stale files"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the schemas, or with ``--check`` report stale ones; return the exit status."""
    args = parse_args(argv)
    spec_path: Path = args.spec.resolve()
    if not spec_path.is_file():
        print(f"Stripe OpenAPI spec not found: {spec_path}", file=sys.stderr)
        return 2
    files = generate(spec_path)
    if args.check:
        stale = stale_files(files, args.out)
        for name in stale:
            print(f"stale: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    write_files(files, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
