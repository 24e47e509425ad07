"""A local Stripe API emulator for tests, demos and throughput benchmarks.

Public API::

    from stripe_emulator import Account, Emulator, build_account

    account = build_account(objects=2000, seed=1, start=..., end=...)
    with Emulator(account) as emu:
        auth = {"Authorization": f"Bearer {account.api_key}"}
        requests.get(f"{emu.url}/v1/charges", headers=auth, timeout=10)

A Connect platform: ``Emulator(platform, connected_accounts=build_platform(platform,
connected_accounts(count, seed, start, end)))`` serves each connected account's own data
under ``Stripe-Account`` (``stripe_emulator.platform``).

Runtime needs only the committed ``templates.json`` (not ``../shared``).
"""

from stripe_emulator.account import Account, Query
from stripe_emulator.errors import mask_key
from stripe_emulator.generate import build_account
from stripe_emulator.platform import build_platform, connected_accounts, reject_account
from stripe_emulator.server import Emulator, RequestRecord

__all__ = [
    "Account",
    "Emulator",
    "Query",
    "RequestRecord",
    "build_account",
    "build_platform",
    "connected_accounts",
    "mask_key",
    "reject_account",
]
