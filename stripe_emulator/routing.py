"""Which account a request acts on: a Connect platform and its connected accounts.

Guarantees (the rules are :class:`~stripe_emulator.server.Emulator`'s "Connect"):
* A ``Stripe-Account`` is served from a connected account's data only while the platform
  lists that account (``/v1/accounts``); any other id gets the platform's :class:`Api`,
  which answers 403 ``account_invalid``.
* Each connected account has its own :class:`Api` (made on first use), taking the
  platform's key and sharing the platform's restricted keys (the same dict: a key revoked
  on the platform is revoked on every account).
* Thread-safe: requests may arrive while a test connects or disconnects an account.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from stripe_emulator.account import Account
from stripe_emulator.api import Api
from stripe_emulator.platform import add_account, empty_account, reject_account


class Platform:
    """The platform ``api.account`` and its connected accounts' data (``connected``)."""

    def __init__(self, api: Api, connected: Mapping[str, Account] | None = None) -> None:
        self.api = api
        self._data: dict[str, Account] = dict(connected or {})
        self._apis: dict[str, Api] = {}
        self._lock = threading.Lock()

    @property
    def account(self) -> Account:
        return self.api.account

    def connected(self, account_id: str) -> Account:
        """The data of a connected account: the one given, else (when the platform lists
        the account) an empty :class:`Account` made now and kept (:func:`empty_account`);
        KeyError otherwise."""
        with self._lock:
            found = self._data.get(account_id)
            if found is None:
                if not self.account.has_parent("account", account_id):
                    raise KeyError(account_id)
                found = self._data[account_id] = empty_account(self.account, account_id)
            return found

    def connect(self, account: Account, kind: str) -> dict[str, Any]:
        """List ``account`` on the platform from now on (created at the platform's clock)."""
        with self._lock:
            if self.account.has_parent("account", account.id) or account.id == self.account.id:
                raise ValueError(f"{account.id} is already an account of the platform")
            self._data[account.id] = account
            self._apis.pop(account.id, None)
        return add_account(self.account, account.id, self.account.clock(), kind)

    def disconnect(self, account_id: str) -> None:
        """The platform deletes the account object: 403 for that account from now on."""
        self.account.delete("account", account_id)
        with self._lock:
            self._apis.pop(account_id, None)

    def reject(self, account_id: str, reason: str) -> dict[str, Any]:
        """:func:`reject_account`, with ``account.updated`` in the account's own log."""
        connected = self.connected(account_id)
        return reject_account(self.account, account_id, reason, connected=connected)

    def acting(self, stripe_account: str | None) -> tuple[str, Api]:
        """The id of the account a request with this ``Stripe-Account`` acts on, and the
        :class:`Api` that answers it (the platform's for an account it does not list)."""
        platform = self.account
        if (
            stripe_account is None
            or stripe_account == platform.id
            or "/v1/accounts" in self.api.unavailable  # not a platform: it lists none
            or not platform.has_parent("account", stripe_account)
        ):
            return platform.id, self.api
        with self._lock:
            api = self._apis.get(stripe_account)
        if api is None:
            api = Api(self.connected(stripe_account), platform=platform)
            api.restricted = self.api.restricted
            with self._lock:
                api = self._apis.setdefault(stripe_account, api)
        return stripe_account, api
