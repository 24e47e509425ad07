"""One run over a Connect platform: the platform account's streams, then each connected account's.

Guarantees (which accounts: ``connected_accounts.py``):

* the platform account is read first, exactly as without ``capture_connected_accounts`` (its
  Connect streams included), when this process's share owns it;
* then each connected account to read, one after the other, every selected stream except the
  platform's Connect streams (``platform_only``), with fresh stream objects per account (so no
  plan, cursor or counter leaks from one account to the next), under the run's one rate limiter;
* an account the platform lost access to meanwhile (403 ``account_invalid``) is skipped with a
  warning naming it, its state as it was; the other accounts go on;
* each account (the platform too) reads for one turn of at most ``account_turn_seconds`` (0: no
  end): then each of its resumable streams stops after the page it wrote, its progress saved,
  and goes on from there in the next run, so that one large account's backfill does not hold
  up every other account's changes for hours (the Flow connector's passes come every
  ``interval`` seconds);
* STATE messages go out at most every ``STATE_EVERY_SECONDS`` while accounts are read, and once
  at the end: a crash re-reads at most those seconds of work, and resumes each account where
  its state says.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers._state import reset_state_progress_markers

from tap_stripe_flow.account_stream import StatePacer
from tap_stripe_flow.connected_accounts import (
    AccountScope,
    accounts_to_read,
    keep_owned,
    known_accounts,
    list_accounts,
    shard_of,
)
from tap_stripe_flow.errors import StripePermissionError
from tap_stripe_flow.settings import requests_per_second_per_endpoint

if TYPE_CHECKING:
    from singer_sdk import Tap

    from tap_stripe_flow.client import StripeStream
    from tap_stripe_flow.prefetch import Prefetch

#: The most seconds between two STATE messages while connected accounts are read.
STATE_EVERY_SECONDS = 5.0
#: Accounts whose streams fetch while an earlier account's records are written (each holds at
#: most its page buffer: ``page_buffer.py``).
ACCOUNTS_AHEAD = 4

#: Makes the stream objects of one connected account: its streams to read, and their prefetch.
AccountStreams = Callable[[AccountScope], "tuple[Sequence[StripeStream], Prefetch]"]


def run_platform(
    tap: Tap,
    platform_streams: Sequence[StripeStream],
    account_streams: AccountStreams,
    logger: logging.Logger,
) -> None:
    """Read the platform and its connected accounts (module docstring)."""
    lister = next(s for s in platform_streams if s.name == "accounts")
    platform = lister.account.id
    shard = shard_of(tap.config)
    keep_owned(cast("dict[str, Any]", tap.state), shard, platform)
    pacer = StatePacer(STATE_EVERY_SECONDS)
    try:
        listed = list_accounts(
            lister.fetch_page,
            lister.run_started_at,
            requests_per_second_per_endpoint(tap.config) * shard.share,
        )
    except StripePermissionError as exc:
        msg = (
            "capture_connected_accounts is on, but the secret key (setting client_secret) "
            f"cannot list the platform's connected accounts: {exc}"
        )
        raise FatalAPIError(msg) from exc
    accounts = accounts_to_read(listed, known_accounts(tap.state), shard, logger)
    logger.info(
        "Connect platform %s: %d connected accounts listed, %d to read by this process.",
        platform,
        len(listed),
        len(accounts),
    )
    tap.state_writer.write_state(tap.state)
    turn = float(tap.config.get("account_turn_seconds") or 0)
    coming = _AccountsAhead(accounts, account_streams)
    if shard.owns(platform):
        prefetch = platform_streams[0]._prefetch
        _start_turn(prefetch, turn)
        for stream in platform_streams:
            stream.pacer = pacer
            if stream.selected:
                _sync(stream)
        _end_turn(prefetch, platform, logger)
    while (next_account := coming.next()) is not None:
        account, streams, prefetch = next_account
        _start_turn(prefetch, turn)
        for stream in streams:
            stream.pacer = pacer
            _sync(stream)
            if prefetch.account_lost is not None:
                prefetch.close(prefetch.account_lost)  # its other fetches stop
                logger.warning(
                    "Connected account %s can no longer be read (access revoked?): skipping it; "
                    "the other accounts go on. Stripe said: %s",
                    account.id,
                    prefetch.account_lost.said,
                )
                break
        _end_turn(prefetch, account.id, logger)
        prefetch.limiter.forget(account.id)
        _summary(account, streams, logger)
        if pacer.due():
            tap.state_writer.write_state(tap.state)
    tap.state_writer.write_state(tap.state)


class _AccountsAhead:
    """The accounts to read, each fetching from ``ACCOUNTS_AHEAD`` accounts before its turn:
    a small account's requests then overlap the others' (its turn is mostly waiting)."""

    def __init__(self, accounts: Sequence[AccountScope], make: AccountStreams) -> None:
        self._accounts = iter(accounts)
        self._make = make
        self._ahead: deque[tuple[AccountScope, Sequence[StripeStream], Prefetch]] = deque()

    def _fill(self) -> None:
        while len(self._ahead) < ACCOUNTS_AHEAD:
            account = next(self._accounts, None)
            if account is None:
                return
            streams, prefetch = self._make(account)
            if streams:
                prefetch.start(streams[0])
            self._ahead.append((account, streams, prefetch))

    def next(self) -> tuple[AccountScope, Sequence[StripeStream], Prefetch] | None:
        """The next account to write, its streams already fetching (None: all read). The
        first account starts fetching when its turn comes (after the platform's)."""
        self._fill()
        if not self._ahead:
            return None
        coming = self._ahead.popleft()
        self._fill()
        return coming


class TurnOverError(Exception):
    """An account's turn is over: its fetches not read stop."""


def _start_turn(prefetch: Prefetch, turn: float) -> None:
    prefetch.turn_ends_at = time.monotonic() + turn if turn > 0 else None


def _end_turn(prefetch: Prefetch, account: str, logger: logging.Logger) -> None:
    """Stop what the account's turn left running; say when a stream stopped early."""
    if prefetch.turn_cut_short():
        logger.info(
            "Account %s: its turn (account_turn_seconds) is over; what it read is saved, and "
            "the next run goes on from there.",
            account,
        )
    prefetch.close(TurnOverError(account))


def _summary(
    account: AccountScope, streams: Sequence[StripeStream], logger: logging.Logger
) -> None:
    """One line per connected account (its streams' own lines are at DEBUG)."""
    read = [s.progress for s in streams if s.progress.finished is not None]
    logger.info(
        "Connected account %s: %d records, %d requests, %d retries, %.1f s, in %d streams.",
        account.id,
        sum(p.records for p in read),
        sum(p.requests for p in read),
        sum(p.retries for p in read),
        max((p.finished or 0) for p in read) - min(p.started for p in read) if read else 0.0,
        len(read),
        extra={"summary": {"account": account.id, "streams": [p.figures() for p in read]}},
    )


def _sync(stream: StripeStream) -> None:
    """singer-sdk's sync of one stream, as ``Tap.sync_all`` does it."""
    reset_state_progress_markers(stream.stream_state)  # an interrupted run's, if any
    stream.sync()
    stream.finalize_state_progress_markers()
