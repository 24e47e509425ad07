"""How one node of Stripe's OpenAPI description becomes a node of the generated stream schemas
(``scripts/generate_schemas.py`` lists the guarantees): ``$ref``s resolved, objects inlined
within a depth bound, unions widened, expandable and includable fields as Stripe sends them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from stripe_emulator.resources import OMITTED_FIELDS

JsonSchema = dict[str, Any]

MAX_DEPTH = 2
"""Nested objects up to this many levels below the record keep their ``properties``."""

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
