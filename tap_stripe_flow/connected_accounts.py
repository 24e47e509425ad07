"""A Connect platform in one capture: which accounts a run reads, and where each one's state is.

With ``capture_connected_accounts`` on, a run reads the platform account (``account_id``) as it
does without the setting, then each connected account that the platform's ``/v1/accounts``
lists, acting as that account (``Stripe-Account: <id>``, the platform's key). Which accounts:

* every listed account, oldest first (a new account is read after the others), except
* one Stripe rejected (``requirements.disabled_reason`` ``rejected.*``): an info line says so;
* one outside this process's share of the platform (``connected_accounts_shard``, a Flow
  shard's range), by the hash ``flow_adapter.shards`` gives every unit of work; the platform
  account itself belongs to exactly one share too.

An account the state knows but the platform no longer lists is not read (an info line says so);
its records were written and stay, and so does its state.

State: the platform's stream state stays where it is without the setting (``bookmarks[stream]``),
so turning the setting on continues from it; a connected account's stream state has the same
shape, at ``bookmarks[stream]["accounts"][<id>]``. A Flow checkpoint (a merge patch) of a change
then carries only the accounts that changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
import requests

from flow_adapter.shards import ShardRange
from tap_stripe_flow.pagination import ListPage

#: Key of a stream state holding the connected accounts' states, by account id.
ACCOUNTS: Final = "accounts"
#: The property every record carries when connected accounts are captured (part of the key).
ACCOUNT_ID: Final = "account_id"


@dataclass(frozen=True)
class AccountScope:
    """The account a stream object reads: the platform (``account_id``) or a connected one."""

    id: str
    connected: bool = False


def captures_accounts(config: Mapping[str, Any]) -> bool:
    """Whether the capture reads the platform's connected accounts too."""
    return bool(config.get("capture_connected_accounts"))


def shard_of(config: Mapping[str, Any]) -> ShardRange:
    """This process's share of the platform's accounts (``connected_accounts_shard``)."""
    shard = config.get("connected_accounts_shard") or {}
    return ShardRange(
        key_begin=int(shard.get("key_begin", 0)),
        key_end=int(shard.get("key_end", ShardRange().key_end)),
        r_clock_begin=int(shard.get("r_clock_begin", 0)),
        r_clock_end=int(shard.get("r_clock_end", ShardRange().r_clock_end)),
    )


def account_state(tap_state: dict[str, Any], stream: str, account: str) -> dict[str, Any]:
    """The (writable) state of ``stream`` for the connected account ``account``."""
    stream_state = tap_state.setdefault("bookmarks", {}).setdefault(stream, {})
    accounts: dict[str, Any] = stream_state.setdefault(ACCOUNTS, {})
    state: dict[str, Any] = accounts.setdefault(account, {})
    return state


def known_accounts(tap_state: Mapping[str, Any]) -> set[str]:
    """The connected accounts the state holds anything of."""
    known: set[str] = set()
    for stream_state in (tap_state.get("bookmarks") or {}).values():
        if isinstance(stream_state, dict):
            known.update(stream_state.get(ACCOUNTS) or {})
    return known


def keep_owned(tap_state: dict[str, Any], shard: ShardRange, platform: str) -> None:
    """Drop from the state what belongs to other shares: a shard split from another starts from
    its parent's state and keeps only its own accounts' part (the platform's too, if not its)."""
    if shard.whole:
        return
    for stream_state in (tap_state.get("bookmarks") or {}).values():
        if not isinstance(stream_state, dict):
            continue
        accounts = stream_state.get(ACCOUNTS)
        if not shard.owns(platform):
            for key in [k for k in stream_state if k != ACCOUNTS]:
                del stream_state[key]
        if isinstance(accounts, dict):
            for account in [a for a in accounts if not shard.owns(a)]:
                del accounts[account]


@dataclass(frozen=True, slots=True)
class ListedAccount:
    """What a run needs of one account the platform lists: a few fields of its (2-10 KB)
    account object, so that a platform's 10,000 accounts cost a few MB, not a few hundred."""

    id: str
    created: int
    #: Why Stripe rejected it (``requirements.disabled_reason`` ``rejected.*``), or None.
    rejected: str | None

    @classmethod
    def of(cls, account: Mapping[str, Any]) -> ListedAccount:
        reason = (account.get("requirements") or {}).get("disabled_reason")
        return cls(
            id=str(account["id"]),
            created=int(account.get("created") or 0),
            rejected=reason if isinstance(reason, str) and reason.startswith("rejected.") else None,
        )


def list_accounts(
    fetch: Callable[[ListPage], requests.Response], now: int, pages_per_second: float
) -> list[ListedAccount]:
    """Every account the platform lists (``/v1/accounts``, created up to ``now``), walked with
    ``fetch`` (the platform's ``accounts`` stream: its retries, its rate limit) at most
    ``pages_per_second``: every shard of a split capture lists them, so each takes its share
    of the endpoint's budget."""
    listed: list[ListedAccount] = []
    token = ListPage(None, 0, now)
    sent: float | None = None
    while True:
        if sent is not None:
            time.sleep(max(0.0, sent + 1 / pages_per_second - time.monotonic()))
        sent = time.monotonic()
        body = orjson.loads(fetch(token).content)
        page = [a for a in body.get("data") or [] if isinstance(a, dict) and "id" in a]
        listed.extend(ListedAccount.of(a) for a in page)
        if not body.get("has_more") or not page:
            return listed
        token = ListPage(str(page[-1]["id"]), 0, now)


def accounts_to_read(
    listed: Iterable[ListedAccount],
    known: set[str],
    shard: ShardRange,
    logger: logging.Logger,
) -> list[AccountScope]:
    """The connected accounts this run reads, oldest first (see the module docstring)."""
    chosen: list[AccountScope] = []
    seen: set[str] = set()
    for account in sorted(listed, key=lambda a: (a.created, a.id)):
        account_id = account.id
        seen.add(account_id)
        if not shard.owns(account_id):
            continue
        if account.rejected is not None:
            logger.info(
                "Connected account %s is rejected (%s): not read.", account_id, account.rejected
            )
            continue
        chosen.append(AccountScope(account_id, connected=True))
    for account_id in sorted(known - seen):
        if shard.owns(account_id):
            logger.info(
                "Connected account %s is no longer listed by the platform: not read; its "
                "records are kept.",
                account_id,
            )
    return chosen
