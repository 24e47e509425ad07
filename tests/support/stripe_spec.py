"""Stripe's OpenAPI spec (API 2024-06-20) as JSON Schema: whether an object the emulator serves
is exactly what Stripe documents. Needs ``../shared/stripe-openapi`` beside the repository; a
test that checks an object is skipped without it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from tests.support.paths import STRIPE_SPEC

SPEC_FILE = STRIPE_SPEC

Json = Any


def _convert(node: Json, *, ids: bool = True) -> Json:
    """OpenAPI 3.0 schema -> JSON Schema 2020-12: refs into ``$defs``, ``nullable`` as a null
    alternative, ``additionalProperties: false`` wherever ``properties`` are listed, and (with
    ``ids``) every expandable field (``x-expansionResources``) an id string, as Stripe sends it
    unless the request expands it."""
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": "#/$defs/" + node["$ref"].rsplit("/", 1)[-1]}
    if ids and "x-expansionResources" in node:
        text: Json = {"type": "string"}
        return {"anyOf": [{"type": "null"}, text]} if node.get("nullable") else text
    out: dict[str, Json] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in ("nullable", "description", "title"):
            continue
        if key == "properties":
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in ("enum", "required"):
            out[key] = value
        else:
            out[key] = _convert(value)
    if "properties" in node:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [{"type": "null"}, out]}
    return out


@cache
def _spec() -> dict[str, Json]:
    if not SPEC_FILE.is_file():
        pytest.skip(f"Stripe's OpenAPI spec is not at {SPEC_FILE} (see ../shared/README)")
    schemas: dict[str, Json] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))["components"][
        "schemas"
    ]
    return schemas


@cache
def _defs() -> dict[str, Json]:
    return {name: _convert(s) for name, s in _spec().items()}


@cache
def _validator(component: str, expanded: frozenset[str] = frozenset()) -> Draft202012Validator:
    """Validates ``component``; the ``expanded`` top-level fields may hold their object."""
    defs = _defs()
    root: Json = {"$ref": f"#/$defs/{component}"}
    if expanded:
        raw = _spec()[component]["properties"]
        props = dict(defs[component]["properties"])
        for name in expanded & set(raw):
            props[name] = _convert(raw[name], ids=False)
        root = {**defs[component], "properties": props}
    return Draft202012Validator({**root, "$defs": defs})


def assert_conforms(
    obj: Json,
    component: str | None = None,
    where: str = "",
    expanded: frozenset[str] = frozenset(),
) -> None:
    """``obj`` validates against its component schema, with no undocumented property and
    every expandable field an id (or null) but the ``expanded`` ones."""
    name = component or obj["object"]
    error = best_match(_validator(name, expanded).iter_errors(obj))
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path)
        raise AssertionError(f"{where} {name} {obj.get('id')}: at {path}: {error.message}")
