"""A stream object reads one account of a platform: its state, its records, its rate limits.

The singer-sdk overrides the capture of connected accounts needs (``connected_accounts.py``),
in one place. A stream object of a connected account (``AccountScope.connected``):

* sends ``Stripe-Account: <its id>`` (its config's ``account_id`` is that account's);
* keeps its state at ``bookmarks[stream]["accounts"][<id>]`` of the tap's one state, which every
  STATE message carries whole; those messages are paced to one per ``STATE_EVERY_SECONDS``
  across all accounts (the run writes the last one), so that thousands of small accounts do not
  each write the whole state several times;
* writes no SCHEMA message when another account's object of the same stream already did;
* counts its requests against its own account's endpoints (``ratelimit.py``).

With ``capture_connected_accounts`` on, every record (the platform's too) carries
``account_id``, and the key is ``account_id`` followed by the stream's own key.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, ClassVar, cast

import orjson
from singer_sdk import RESTStream
from singer_sdk.streams._state import StreamStateManager
from typing_extensions import override

from tap_stripe_flow.connected_accounts import (
    ACCOUNT_ID,
    AccountScope,
    account_state,
    captures_accounts,
)


class StatePacer:
    """One per run: whether a connected account's STATE message may go out now."""

    def __init__(self, every_seconds: float) -> None:
        self.every = every_seconds
        self._last = time.monotonic()
        #: Stream names whose SCHEMA message has gone out in this run.
        self.schemas_written: set[str] = set()

    def due(self) -> bool:
        """True at most once per ``every`` seconds (and then the clock restarts)."""
        now = time.monotonic()
        if now - self._last < self.every:
            return False
        self._last = now
        return True


class AccountScoped(RESTStream[Any]):
    """The account-related face of ``StripeStream`` (see the module docstring)."""

    #: Streams of the platform's view of its connected accounts (``/v1/accounts`` and what
    #: each holds): read for the platform only, never as a connected account.
    platform_only: ClassVar[bool] = False

    account: AccountScope
    #: The run's STATE pacing, shared by every account's stream objects (None: not paced).
    pacer: StatePacer | None = None

    def scope_to(self, account: AccountScope | None) -> None:
        """Make this stream object read ``account`` (None: the platform, ``account_id``)."""
        self.account = account or AccountScope(str(self.config.get("account_id", "")))
        if self.account.connected:
            self._config["account_id"] = self.account.id
        key = tuple(self.primary_keys)
        if captures_accounts(self.config) and ACCOUNT_ID not in key:
            # an instance attribute over the class's key (singer-sdk reads it per stream)
            self.primary_keys = (ACCOUNT_ID, *key)
        #: The bytes each raw record gains (``fast_path``), after its opening brace.
        self.record_lead = (
            orjson.dumps({ACCOUNT_ID: self.account.id})[1:-1] + b","
            if captures_accounts(self.config)
            else b""
        )

    def take_catalog_of(self, platform: AccountScoped) -> None:
        """What the input catalog says of this stream, taken from the platform's object of it,
        which applied it: the same for every account. singer-sdk's ``apply_catalog`` and its
        selection mask cost 7 ms of CPU per stream object (``Schema.to_dict`` 4.7 ms,
        ``resolve_selection`` 2.4 ms: a profile of 40 accounts x 22 streams), that is 0.15 s
        per account and two thirds of the tap's CPU on small accounts."""
        self._tap_input_catalog = platform._tap_input_catalog
        self.primary_keys = platform.primary_keys
        self.replication_key = platform.replication_key
        self.forced_replication_method = platform.forced_replication_method
        self._input_schema = platform._input_schema
        self._metadata = platform.metadata
        self._mask = platform.mask

    @property
    def progress_name(self) -> str:
        """The stream as its progress lines name it (a connected account's: with its id)."""
        return f"{self.name} of {self.account.id}" if self.account.connected else self.name

    @property
    def limit_scope(self) -> str | None:
        """Whose endpoints this stream's requests count against (None: the platform's)."""
        return self.account.id if self.account.connected else None

    def tagged(self, records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """``records``, each carrying ``account_id`` when connected accounts are captured."""
        if not self.record_lead:
            return records
        account = self.account.id
        return ({ACCOUNT_ID: account, **record} for record in records)

    @override
    @property
    def state_manager(self) -> StreamStateManager:
        if self._state_manager is None and self.account.connected:
            # singer-sdk's manager over a one-stream state whose stream state is the
            # account's, held inside the tap's state: every write lands there
            nested = account_state(
                cast("dict[str, Any]", self._tap_state), self.name, self.account.id
            )
            self._state_manager = StreamStateManager(
                tap_name=self.tap_name,
                stream_name=self.name,
                tap_state={"bookmarks": {self.name: nested}},
                state_partitioning_keys=self.state_partitioning_keys,
                is_sorted=self.is_sorted,
                check_sorted=self.check_sorted,
            )
        return super().state_manager

    @override
    def _write_schema_message(self) -> None:
        if self.pacer is None:
            super()._write_schema_message()
        elif self.name not in self.pacer.schemas_written:
            self.pacer.schemas_written.add(self.name)
            super()._write_schema_message()

    @override
    def _write_state_message(self) -> None:
        if self.account.connected and self.pacer is not None and not self.pacer.due():
            return  # the state stays unflushed: a later message (or the run's last) carries it
        super()._write_state_message()
