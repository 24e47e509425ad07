"""The tap's settings: their JSON schema and the checks JSON schema cannot express.

Names, titles and descriptions of the four endpoint settings are the contract of the connector
this project replaces; keep them as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from singer_sdk import typing as th

DEFAULT_API_BASE_URL = "https://api.stripe.com"
DEFAULT_API_VERSION = "2024-06-20"

SECRET_SETTINGS = ("client_secret",)
#: Stripe's read rate limits per account (requests per second).
LIVE_REQUESTS_PER_SECOND = 100.0
TEST_MODE_REQUESTS_PER_SECOND = 25.0
#: Stripe's limit per endpoint (requests per second), on top of the global one.
ENDPOINT_REQUESTS_PER_SECOND = 25
#: The largest bound of ``connected_accounts_shard`` (Flow's key and r-clock space).
SHARD_SPACE = 0xFFFF_FFFF

_KEY_PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_")
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:00)$")
#: Stripe's API versions: a release date, since 2024-09-30 followed by the release's name.
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")

CONFIG_SCHEMA: dict[str, Any] = th.PropertiesList(
    th.Property(
        "account_id",
        th.StringType,
        required=True,
        title="Account ID",
        description=(
            "Your Stripe account ID (starts with 'acct_', find yours here "
            "https://dashboard.stripe.com/settings/account"
        ),
    ),
    th.Property(
        "client_secret",
        th.StringType,
        required=True,
        secret=True,
        title="Secret Key",
        description=(
            "Stripe API key (usually starts with 'sk_live_'; find yours here "
            "https://dashboard.stripe.com/apikeys"
        ),
    ),
    th.Property(
        "start_date",
        th.StringType,
        required=True,
        title="Replication start date",
        description=(
            "UTC date and time in the format 2017-01-25T00:00:00Z. Only data generated after "
            "this date will be replicated."
        ),
    ),
    th.Property(
        "lookback_window_days",
        th.IntegerType(minimum=0),
        default=0,
        title="Lookback Window in days (Optional)",
        description=(
            "When set, the connector will always re-export data from the past N days, where N is "
            "the value set here. This is useful if your data is frequently updated after creation."
        ),
    ),
    th.Property(
        "max_requests_per_second",
        th.NumberType(exclusive_minimum=0),
        title="Max requests per second (advanced)",
        description=(
            "Budget of requests per second for the whole capture. Defaults to Stripe's read "
            "limit: 100 for live keys, 25 for test keys. Lower it to leave room for other "
            "programs using the same account."
        ),
    ),
    th.Property(
        "max_requests_per_second_per_endpoint",
        th.NumberType(exclusive_minimum=0),
        default=ENDPOINT_REQUESTS_PER_SECOND,
        title="Max requests per second per endpoint (advanced)",
        description=(
            "Budget of requests per second for each Stripe endpoint, within the whole "
            "capture's budget. Stripe counts an operation as one endpoint whatever the ids in "
            "its path (every customer's balance transactions are one). Defaults to Stripe's "
            "limit of 25; its stricter limits (Files, Search: 20) apply anyway."
        ),
    ),
    th.Property(
        "capture_changes",
        th.BooleanType,
        default=True,
        title="Capture updates and deletions (advanced)",
        description=(
            "After the first run, also read Stripe's events since the last run and capture the "
            "objects they changed or deleted, whatever their age. Needs read access to Events; "
            "turn it off for a key without it, and only the lookback window re-reads objects."
        ),
    ),
    th.Property(
        "full_read_every_days",
        th.IntegerType(minimum=0),
        default=7,
        title="Whole re-read of incremental child streams, in days (advanced)",
        description=(
            "A child stream run incrementally (bank_accounts, cards, payment_methods, "
            "invoice_line_items...: the README lists them) reads only the parents that events "
            "name; "
            "this often it reads every parent again, to catch changes no event reports (an "
            "edited balance transaction's description, say). 0: never."
        ),
    ),
    th.Property(
        "capture_connected_accounts",
        th.BooleanType,
        default=False,
        title="Capture connected accounts (advanced)",
        description=(
            "For a Connect platform: besides the platform account (account_id), read every "
            "selected stream of each connected account that /v1/accounts lists, acting as it "
            "(Stripe-Account header). Every record then carries account_id, part of its key. "
            "New accounts are read from start_date on; accounts that leave the platform or are "
            "rejected stop being read, and their records are kept."
        ),
    ),
    th.Property(
        "account_turn_seconds",
        th.NumberType(minimum=0),
        default=0,
        title="Turn per account, in seconds (advanced)",
        description=(
            "With capture_connected_accounts: the longest a run reads one account before it "
            "moves on to the next; an account not done by then (a large backfill) goes on from "
            "where it stopped in the next run, so that it does not hold up the other accounts' "
            "changes. 0: no limit (each run reads every account to the end)."
        ),
    ),
    th.Property(
        "connected_accounts_shard",
        th.ObjectType(
            *(
                th.Property(
                    name,
                    th.IntegerType(minimum=0, maximum=SHARD_SPACE),
                    description=f"{what} (default {default}).",
                )
                for name, what, default in (
                    ("key_begin", "First key of the share", 0),
                    ("key_end", "Last key of the share", SHARD_SPACE),
                    ("r_clock_begin", "First r-clock of the share", 0),
                    ("r_clock_end", "Last r-clock of the share", SHARD_SPACE),
                )
            ),
        ),
        title="Share of the connected accounts (advanced)",
        description=(
            "With capture_connected_accounts: read only the accounts whose hashed id falls in "
            "this part of the space (each bound 0..4294967295, inclusive), so that several "
            "processes divide a platform. The Flow connector sets it from the shard's range; "
            "leave it unset to read every account."
        ),
    ),
    th.Property(
        "api_base_url",
        th.StringType,
        default=DEFAULT_API_BASE_URL,
        title="API base URL (advanced)",
        description=(
            "Base URL of the Stripe API. Change it only for a proxy or the bundled local emulator."
        ),
    ),
    th.Property(
        "stripe_api_version",
        th.StringType,
        default=DEFAULT_API_VERSION,
        title="Stripe API version (advanced)",
        description=(
            "Sent as the Stripe-Version header on every request, so that objects keep the shape "
            "of the bundled schemas."
        ),
    ),
).to_dict()


def parse_utc_timestamp(value: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp such as 2017-01-25T00:00:00Z.

    Raises:
        ValueError: the value is not an RFC 3339 timestamp in UTC.
    """
    if not _RFC3339_UTC.match(value):
        msg = "must be a UTC date and time like 2017-01-25T00:00:00Z"
        raise ValueError(msg)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def settings_errors(config: Mapping[str, Any], *, now: datetime | None = None) -> list[str]:
    """Return one clear sentence per bad setting; an empty list means the settings are usable.

    Guarantees: every sentence names the setting; none contains the value of a secret setting.
    Type and presence errors are left to the JSON schema check that runs first.
    """
    errors: list[str] = []
    account_id = config.get("account_id")
    if isinstance(account_id, str) and not account_id.startswith("acct_"):
        errors.append(f"account_id must start with 'acct_' (got {account_id!r}).")
    secret = config.get("client_secret")
    if isinstance(secret, str) and not secret.startswith(_KEY_PREFIXES):
        errors.append(
            "client_secret must be a Stripe secret key (sk_live_..., sk_test_...) or a "
            "restricted key (rk_live_..., rk_test_...); the value given is neither."
        )
    start_date = config.get("start_date")
    if isinstance(start_date, str):
        try:
            start = parse_utc_timestamp(start_date)
        except ValueError as exc:
            errors.append(f"start_date {exc} (got {start_date!r}).")
        else:
            if start > (now or datetime.now(UTC)):
                errors.append(f"start_date is in the future ({start_date}).")
    lookback = config.get("lookback_window_days", 0)
    if isinstance(lookback, int) and lookback < 0:
        errors.append(f"lookback_window_days must be 0 or more (got {lookback}).")
    for name in ("max_requests_per_second", "max_requests_per_second_per_endpoint"):
        budget = config.get(name)
        if isinstance(budget, int | float) and not isinstance(budget, bool) and budget <= 0:
            errors.append(f"{name} must be more than 0 (got {budget}).")
    base_url = config.get("api_base_url", DEFAULT_API_BASE_URL)
    if isinstance(base_url, str) and not base_url.startswith(("https://", "http://")):
        errors.append(f"api_base_url must be an http(s) URL (got {base_url!r}).")
    version = config.get("stripe_api_version", DEFAULT_API_VERSION)
    if isinstance(version, str) and not _valid_api_version(version):
        errors.append(
            "stripe_api_version must be a Stripe API version like 2024-06-20 (newer ones add a "
            f"name: 2024-09-30.acacia); got {version!r}, which Stripe would refuse on every "
            "request."
        )
    return errors


def _valid_api_version(version: str) -> bool:
    if not _API_VERSION.match(version):
        return False
    try:
        date.fromisoformat(version[:10])  # a real day: 2024-02-30 is refused too
    except ValueError:
        return False
    return True


def requests_per_second(config: Mapping[str, Any]) -> float:
    """The request budget: the setting, or Stripe's read limit for this kind of key."""
    if config.get("max_requests_per_second"):
        return float(config["max_requests_per_second"])
    secret = str(config.get("client_secret", ""))
    return TEST_MODE_REQUESTS_PER_SECOND if "_test_" in secret else LIVE_REQUESTS_PER_SECOND


def requests_per_second_per_endpoint(config: Mapping[str, Any]) -> float:
    """Each endpoint's request budget: the setting, or Stripe's per-endpoint limit."""
    value = config.get("max_requests_per_second_per_endpoint")
    return float(value) if value else float(ENDPOINT_REQUESTS_PER_SECOND)
