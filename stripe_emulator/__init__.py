"""A local Stripe API emulator for tests, demos and throughput benchmarks.

Public API::

    from stripe_emulator import Account, Emulator, build_account

    account = build_account(objects=2000, seed=1, start=..., end=...)
    with Emulator(account) as emu:
        auth = {"Authorization": f"Bearer {account.api_key}"}
        requests.get(f"{emu.url}/v1/charges", headers=auth, timeout=10)

Runtime needs only the committed ``templates.json`` (not ``../shared``).
"""

from stripe_emulator.account import Account, Query
from stripe_emulator.errors import mask_key
from stripe_emulator.generate import build_account
from stripe_emulator.server import Emulator, RequestRecord

__all__ = ["Account", "Emulator", "Query", "RequestRecord", "build_account", "mask_key"]
