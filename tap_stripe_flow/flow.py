"""The Stripe capture connector for Estuary Flow: the tap, wrapped by ``flow_adapter``.

The Flow endpoint config holds the four settings of the connector this project replaces at the top
level and the advanced settings under ``advanced``; the tap gets them flattened. One advanced
setting is the connector's, not the tap's: ``interval``, the seconds between two passes of the
tap in a capture session that stays open (0: one pass, then exit).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft7Validator
from typing_extensions import override

from flow_adapter import ConfigError, ConnectionCheckError, ConnectorDefinition
from flow_adapter import main as serve
from flow_adapter.shards import ShardRange
from tap_stripe_flow.connected_accounts import captures_accounts
from tap_stripe_flow.settings import (
    CONFIG_SCHEMA,
    SECRET_SETTINGS,
    requests_per_second,
    requests_per_second_per_endpoint,
    settings_errors,
)
from tap_stripe_flow.stripe_api import AccountCheckError, check_credentials

DOCUMENTATION_URL = "https://github.com/tap-stripe-flow/tap-stripe-flow#readme"
ENDPOINT_SETTINGS = ("account_id", "client_secret", "start_date", "lookback_window_days")
ADVANCED = "advanced"
INTERVAL = "interval"
DEFAULT_INTERVAL_SECONDS = 30
#: A capture session's passes come every ``interval`` seconds: one large account's backfill
#: reads for at most this long per pass, so the other accounts' changes keep flowing.
FLOW_ACCOUNT_TURN_SECONDS = 300
#: The connector's own setting (under ``advanced``), never passed to the tap.
INTERVAL_SCHEMA: dict[str, Any] = {
    "type": "integer",
    "minimum": 0,
    "default": DEFAULT_INTERVAL_SECONDS,
    "title": "Interval (seconds)",
    "description": (
        "Seconds between two passes over Stripe: the capture stays open, and after each pass"
        " waits this long, then reads what changed since (Stripe's events, and new objects)."
        " A change made in Stripe arrives about a minute (Stripe lists events up to a minute"
        " late) plus this interval plus one pass after it was made. 0 makes each run one"
        " pass: the connector then exits, and Flow starts it again after the capture's own"
        " interval."
    ),
}


def _flow_config_schema() -> dict[str, Any]:
    """The tap's settings schema, with the seed's four on top and the rest grouped apart."""
    tap_properties: dict[str, Any] = CONFIG_SCHEMA["properties"]
    properties: dict[str, Any] = {}
    for order, name in enumerate(ENDPOINT_SETTINGS):
        prop = {k: v for k, v in tap_properties[name].items() if k != "writeOnly"}
        prop["order"] = order
        properties[name] = prop
    properties["start_date"]["format"] = "date-time"
    properties[ADVANCED] = {
        "type": "object",
        "title": "Advanced",
        "description": "Settings that rarely need changing.",
        "advanced": True,
        "order": len(ENDPOINT_SETTINGS),
        "properties": {
            INTERVAL: INTERVAL_SCHEMA,
            **{
                name: schema
                for name, schema in tap_properties.items()
                if name not in ENDPOINT_SETTINGS
            },
            "account_turn_seconds": {
                **tap_properties["account_turn_seconds"],
                "default": FLOW_ACCOUNT_TURN_SECONDS,
            },
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Stripe",
        "type": "object",
        "required": [name for name in CONFIG_SCHEMA["required"] if name in ENDPOINT_SETTINGS],
        "properties": properties,
    }


FLOW_CONFIG_SCHEMA = _flow_config_schema()
_VALIDATOR = Draft7Validator(FLOW_CONFIG_SCHEMA)


def to_tap_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten and check a Flow endpoint config.

    Raises:
        ConfigError: one sentence per bad setting, each naming it, none quoting the secret.
    """
    errors = []
    for error in _VALIDATOR.iter_errors(dict(config)):
        where = "/".join(str(p) for p in error.path) or "config"
        if where in SECRET_SETTINGS:
            errors.append(f"{where}: must be a string (the secret key)")
        else:
            errors.append(f"{where}: {error.message}")
    if errors:
        raise ConfigError("Invalid endpoint config: " + "; ".join(errors))
    defaults = {
        name: spec["default"]
        for name, spec in CONFIG_SCHEMA["properties"].items()
        if "default" in spec
    }
    defaults["account_turn_seconds"] = FLOW_ACCOUNT_TURN_SECONDS
    flat = {**defaults, **{k: v for k, v in config.items() if k != ADVANCED}}
    flat.update({k: v for k, v in (config.get(ADVANCED) or {}).items() if k != INTERVAL})
    problems = settings_errors(flat)
    if problems:
        raise ConfigError("Invalid endpoint config: " + " ".join(problems))
    return flat


def pass_interval(config: Mapping[str, Any]) -> float | None:
    """``advanced.interval`` of an endpoint config (checked by `to_tap_config`): seconds between
    two passes of the tap, or None (0: one pass, then exit)."""
    interval = (config.get(ADVANCED) or {}).get(INTERVAL, DEFAULT_INTERVAL_SECONDS)
    return float(interval) if interval else None


def share_budget(tap_config: Mapping[str, Any], share: float) -> dict[str, Any]:
    """The tap config of a shard owning ``share`` of a split capture: its part of the request
    budget and of each endpoint's, so that the shards together stay within Stripe's limits
    (every shard reads ``/v1/events``, and may read the same parent list)."""
    return {
        **tap_config,
        "max_requests_per_second": requests_per_second(tap_config) * share,
        "max_requests_per_second_per_endpoint": (
            requests_per_second_per_endpoint(tap_config) * share
        ),
    }


def divide_shard(tap_config: Mapping[str, Any], shard: ShardRange) -> dict[str, Any] | None:
    """The tap config of a shard of a split capture of connected accounts: it reads the
    accounts whose hashed id its range holds (``connected_accounts_shard``), within its share of
    the capture's budget (each account's endpoints are its own, read by one shard alone). None
    without ``capture_connected_accounts``: the shards divide the bindings instead."""
    if not captures_accounts(tap_config):
        return None
    return {
        **tap_config,
        "max_requests_per_second": requests_per_second(tap_config) * shard.share,
        "connected_accounts_shard": {
            "key_begin": shard.key_begin,
            "key_end": shard.key_end,
            "r_clock_begin": shard.r_clock_begin,
            "r_clock_end": shard.r_clock_end,
        },
    }


def check_connection(tap_config: Mapping[str, Any]) -> None:
    """One cheap request that proves the key and the account id."""
    try:
        check_credentials(tap_config)
    except AccountCheckError as exc:
        raise ConnectionCheckError(str(exc)) from exc


def discover(tap_config: Mapping[str, Any]) -> dict[str, Any]:
    """The tap's catalog, as ``tap-stripe-flow --discover`` prints it."""
    from tap_stripe_flow.tap import TapStripeFlow  # noqa: PLC0415 - spec needs no streams

    class CatalogOnly(TapStripeFlow):
        """The tap object, without its signal handlers: this process is the connector, whose
        own SIGTERM handler must stay in charge (singer-sdk's would exit at once)."""

        @override
        def _setup_signal_handlers(self) -> None:
            return

    return CatalogOnly(config=dict(tap_config), validate_config=False).catalog_dict


STRIPE_CONNECTOR = ConnectorDefinition(
    tap_command=(sys.executable, "-m", "tap_stripe_flow"),
    config_schema=FLOW_CONFIG_SCHEMA,
    documentation_url=DOCUMENTATION_URL,
    to_tap_config=to_tap_config,
    check_connection=check_connection,
    discover=discover,
    secret_fields=SECRET_SETTINGS,
    pass_interval=pass_interval,
    share_budget=share_budget,
    divide_shard=divide_shard,
    records_last=True,  # tap_stripe_flow.message_writer.BufferedJsonWriter writes "record" last
)


def main() -> None:
    """``source-stripe-flow``: the Flow capture connector on stdin/stdout."""
    serve(STRIPE_CONNECTOR)


if __name__ == "__main__":
    main()
