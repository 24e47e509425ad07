"""How ``scripts/generate_emulator_templates.py`` makes a fixture's example object look like what
Stripe sends for its component in the 2024-06-20 spec: keys the spec does not document dropped,
the documented top-level ones filled, nested list objects emptied, expandable fields as ids."""

from __future__ import annotations

from typing import Any

Json = Any
MAX_DEPTH = 4


class Conformer:
    """Conforms example values to component schemas, resolving ``$ref`` lazily."""

    def __init__(self, schemas: dict[str, Json]) -> None:
        self.schemas = schemas

    def resolve(self, schema: Json) -> Json:
        """Follow ``$ref`` chains to the referenced schema."""
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def conform(self, value: Json, schema: Json, depth: int = 0) -> Json:  # noqa: PLR0911
        """Return ``value`` reshaped to ``schema``: unknown keys dropped, missing keys filled."""
        if (
            isinstance(schema, dict)
            and "x-expansionResources" in schema
            and isinstance(value, dict)
        ):
            value = value.get("id", "")  # unexpanded, Stripe sends the id (fixtures expand some)
        schema = self.resolve(schema)
        if value is None:
            return None if schema.get("nullable") else self.fill(schema, depth)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return self._conform_any(value, [self.resolve(o) for o in options], depth)
        if isinstance(value, dict) and "properties" in schema:
            props: dict[str, Json] = schema["properties"]
            if _is_list_object(props):
                return _empty_list(value.get("url", "/v1/placeholder"))
            if depth > 0:  # nested examples keep only what they show, as Stripe omits
                return {
                    name: self.conform(value[name], sub, depth + 1)
                    for name, sub in props.items()
                    if name in value
                }
            return {
                name: self.conform(value[name], sub, depth + 1)
                if name in value
                else self.fill(sub, depth + 1)
                for name, sub in props.items()
            }
        if isinstance(value, list) and "items" in schema:
            return [self.conform(v, schema["items"], depth + 1) for v in value]
        return value

    def _conform_any(self, value: Json, options: list[Json], depth: int) -> Json:
        if not isinstance(value, dict):
            return value
        best = max(options, key=lambda o: _match_score(value, o))
        return self.conform(value, best, depth)

    def fill(self, schema: Json, depth: int) -> Json:  # noqa: PLR0911 - one return per kind
        """Return a plausible value for a property the example lacks."""
        schema = self.resolve(schema)
        if schema.get("nullable"):
            return None
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            resolved = [self.resolve(o) for o in options]
            strings = [o for o in resolved if o.get("type") == "string"]
            return self.fill(strings[0] if strings else resolved[0], depth)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type", "object")
        scalar: dict[str, Json] = {"string": "", "integer": 0, "number": 0.0, "boolean": False}
        if kind in scalar:
            return scalar[kind]
        if kind == "array":
            return []
        props = schema.get("properties")
        if not props or depth >= MAX_DEPTH:
            return {}
        if _is_list_object(props):
            return _empty_list("/v1/placeholder")
        return {name: self.fill(sub, depth + 1) for name, sub in props.items()}


def _is_list_object(props: dict[str, Json]) -> bool:
    obj = props.get("object", {})
    return "data" in props and "has_more" in props and obj.get("enum") == ["list"]


def _empty_list(url: str) -> dict[str, Json]:
    return {"data": [], "has_more": False, "object": "list", "url": url}


def _match_score(value: dict[str, Json], schema: Json) -> int:
    props = schema.get("properties", {})
    enum = props.get("object", {}).get("enum")
    bonus = 1000 if enum and value.get("object") in enum else 0
    return bonus + sum(1 for k in value if k in props)
