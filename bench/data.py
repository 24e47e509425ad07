"""Emulated accounts for the benchmarks: realistic mixes and large charge-only accounts.

A realistic account of N objects holds only about 8.5 % charges, so the charge-only accounts
are made by cloning the charges of a small generated account under fresh ids and ``created``
times. Stored objects are never mutated by the emulator, so clones may share nested values.
The scenarios name their account by kind (:data:`ACCOUNT_KINDS`); :func:`account` builds each
kind and size once per run and keeps it for the scenarios that follow.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
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


ACCOUNT_KINDS: dict[str, Callable[[int], Account]] = {
    "charges": charges_account,
    # the same, held without rendered JSON: a million charges fit in memory
    "charges-rendered-per-page": lambda size: charges_account(size, prerender=False),
    "realistic": realistic_account,
}
"""The accounts a scenario can name, each built for a size (charges, or objects)."""

_accounts: dict[tuple[str, int], tuple[Account, float]] = {}


def account(kind: str, size: int) -> tuple[Account, float]:
    """The account of ``kind`` (:data:`ACCOUNT_KINDS`) and ``size``, built on first use and
    kept until :func:`forget_accounts`, and the seconds it took to build."""
    key = (kind, size)
    if key not in _accounts:
        started = time.monotonic()
        gc.disable()  # building ~10^5 dicts: the cyclic GC would make it quadratic-ish
        try:
            made = ACCOUNT_KINDS[kind](size)
        finally:
            gc.enable()
        gc.freeze()  # the stored objects live for the whole run: keep the GC off them
        _accounts[key] = (made, time.monotonic() - started)
    return _accounts[key]


def forget_accounts() -> None:
    """Drop the kept accounts (their memory is large)."""
    _accounts.clear()
    gc.unfreeze()
    gc.collect()


#: The connector's request budgets (global and per endpoint) when the emulator enforces no rate
#: limit: high enough that the CPU scenarios measure the pipeline itself, not the budget (a test
#: key's default is 25/s, and 25/s per endpoint).
UNTHROTTLED_REQUESTS_PER_SECOND = 10_000


def credentials() -> dict[str, str]:
    """The bench account's id and key and the tap's start date: what every config holds."""
    return {"account_id": ACCOUNT_ID, "client_secret": API_KEY, "start_date": START_DATE}


def _budgets(max_rps: float, max_rps_per_endpoint: float) -> dict[str, int]:
    return {
        "max_requests_per_second": int(max_rps),
        "max_requests_per_second_per_endpoint": int(max_rps_per_endpoint),
    }


def tap_config(
    url: str,
    max_rps: float = UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = UNTHROTTLED_REQUESTS_PER_SECOND,
) -> dict[str, Any]:
    """The Singer tap's config for an emulator at ``url``."""
    return {**credentials(), "api_base_url": url, **_budgets(max_rps, max_rps_per_endpoint)}


def flow_config(
    url: str,
    max_rps: float = UNTHROTTLED_REQUESTS_PER_SECOND,
    max_rps_per_endpoint: float = UNTHROTTLED_REQUESTS_PER_SECOND,
) -> dict[str, Any]:
    """The Flow endpoint config for an emulator at ``url``."""
    return {
        **credentials(),
        "advanced": {
            "api_base_url": url,
            "interval": 0,  # one pass, then exit: the scenarios time a backfill
            **_budgets(max_rps, max_rps_per_endpoint),
        },
    }
