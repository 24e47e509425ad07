"""The bundled JSON schemas (``tap_stripe_flow/schemas/``, generated), which each stream names."""

from __future__ import annotations

from singer_sdk import SchemaDirectory

from tap_stripe_flow import schemas

SCHEMAS = SchemaDirectory(schemas)
