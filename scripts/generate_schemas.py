"""Generate the tap's stream schemas from Stripe's OpenAPI description.

Usage::

    .venv/bin/python scripts/generate_schemas.py            # (re)write the schema files
    .venv/bin/python scripts/generate_schemas.py --check    # exit 1 if a file is stale
    .venv/bin/python scripts/generate_schemas.py --spec PATH

The spec defaults to ``../shared/stripe-openapi/spec3.2024-06-20.json`` resolved against the
repository root. It is read, never copied into the repository.

How a spec node becomes a schema node is ``scripts/schema_conversion.py`` (``Converter``,
``MAX_DEPTH``, ``TYPE_ORDER``, ``includable_fields``); this module gives it each stream's
component, the properties the tap adds and the expansions its records carry, and writes the files.

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scripts.schema_conversion import Converter, FieldPath, JsonSchema, type_set
from tap_stripe_flow.changes import DELETED_AT
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams import CHANGE_EVENTS, STREAM_TYPES, STREAMS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT / ".." / "shared" / "stripe-openapi" / "spec3.2024-06-20.json"
SCHEMA_DIR = REPO_ROOT / "tap_stripe_flow" / "schemas"

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
