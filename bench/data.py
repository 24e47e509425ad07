"""Emulated accounts for the benchmarks: realistic mixes and large charge-only accounts.

A realistic account of N objects holds only about 8.5 % charges, so the charge-only accounts
are made by cloning the charges of a small generated account under fresh ids and ``created``
times. Stored objects are never mutated by the emulator, so clones may share nested values.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from stripe_emulator import Account, build_account

ACCOUNT_ID = "acct_1BenchAccount000"
API_KEY = "sk_test_bench_0000000000000000"
#: Data spans the year before this instant; the tap reads from START_DATE.
DATA_END = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
DATA_START = DATA_END - timedelta(days=365)
START_DATE = (DATA_START - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def realistic_account(objects: int, seed: int = 1) -> Account:
    """A generated account of about ``objects`` objects over all 22 streams."""
    return build_account(objects, seed, DATA_START, DATA_END, ACCOUNT_ID, API_KEY)


def charges_account(charges: int, seed: int = 1, *, prerender: bool = True) -> Account:
    """An account holding exactly ``charges`` realistic charges (and nothing else).

    With ``prerender`` every object is rendered once here, so the emulator serves cached bytes
    during the run; without, it renders each page as it serves it and keeps nothing (an
    account of a million charges then fits in memory).
    """
    models = realistic_account(2000, seed).objects("charge")
    rng = random.Random(seed)
    account = Account(ACCOUNT_ID, API_KEY, seed=seed, keep_rendered=prerender)
    lo, hi = int(DATA_START.timestamp()), int(DATA_END.timestamp())
    clones: list[tuple[dict[str, Any], str | None]] = []
    for i in range(charges):
        obj = dict(models[i % len(models)])
        obj["id"] = account.new_id("charge")
        obj["created"] = rng.randrange(lo, hi)
        clones.append((obj, None))
    account.load(clones)
    if prerender:
        account.objects("charge")  # renders (and caches) every object's JSON now
    return account


#: The connector's request budgets (global and per endpoint) when the emulator enforces no rate
#: limit: high enough that the CPU scenarios measure the pipeline itself, not the budget (a test
#: key's default is 25/s, and 25/s per endpoint).
UNTHROTTLED_REQUESTS_PER_SECOND = 10_000


def tap_config(
    url: str,
    max_rps: float = UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = UNTHROTTLED_REQUESTS_PER_SECOND,
) -> dict[str, Any]:
    """The Singer tap's config for an emulator at ``url``."""
    return {
        "account_id": ACCOUNT_ID,
        "client_secret": API_KEY,
        "start_date": START_DATE,
        "api_base_url": url,
        "max_requests_per_second": int(max_rps),
        "max_requests_per_second_per_endpoint": int(max_rps_per_endpoint),
    }


def flow_config(
    url: str,
    max_rps: float = UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = UNTHROTTLED_REQUESTS_PER_SECOND,
) -> dict[str, Any]:
    """The Flow endpoint config for an emulator at ``url``."""
    return {
        "account_id": ACCOUNT_ID,
        "client_secret": API_KEY,
        "start_date": START_DATE,
        "advanced": {
            "api_base_url": url,
            "interval": 0,  # one pass, then exit: the scenarios time a backfill
            "max_requests_per_second": int(max_rps),
            "max_requests_per_second_per_endpoint": int(max_rps_per_endpoint),
        },
    }
