"""The bundled JSON schemas (``tap_stripe_flow/schemas/``, generated), which each stream names.

A stream whose key starts with ``account_id`` (connected accounts captured:
``account_stream.py``) gets that property in its schema, first; the files stay as generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from singer_sdk import SchemaDirectory

from tap_stripe_flow import schemas
from tap_stripe_flow.connected_accounts import ACCOUNT_ID

#: The property every record carries when connected accounts are captured.
ACCOUNT_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "The Stripe account the object belongs to: the platform's, or a connected "
    "account's (read with Stripe-Account).",
}


class AccountIdColumn:
    """singer-sdk's schema preprocessor hook: ``account_id`` added where the key names it."""

    def preprocess_schema(
        self, schema: dict[str, Any], *, key_properties: Sequence[str] = ()
    ) -> dict[str, Any]:
        """``schema`` itself, or a copy with ``account_id`` (the cached schema is shared)."""
        if ACCOUNT_ID not in key_properties or ACCOUNT_ID in schema.get("properties", {}):
            return schema
        return {**schema, "properties": {ACCOUNT_ID: ACCOUNT_ID_SCHEMA, **schema["properties"]}}


SCHEMAS = SchemaDirectory(schemas)
# SchemaDirectory takes no preprocessor argument; the hook is the attribute its base reads.
SCHEMAS._preprocessor = AccountIdColumn()
