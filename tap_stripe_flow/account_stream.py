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

import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar, cast

import orjson
from singer_sdk import RESTStream, metrics
from singer_sdk.streams._state import StreamStateManager
from typing_extensions import override

from tap_stripe_flow.connected_accounts import (
    ACCOUNT_ID,
    AccountScope,
    account_state,
    captures_accounts,
)

_Meter = TypeVar("_Meter", bound=metrics.Meter)


class _DebugLines(logging.LoggerAdapter[logging.Logger]):
    """A logger whose info lines are debug lines."""

    @override
    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(logging.DEBUG if level == logging.INFO else level, msg, *args, **kwargs)


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
            # singer-sdk's lines of each stream ("Beginning sync"...) at DEBUG: one line per
            # account instead (platform_run.py)
            self._logger = cast("logging.Logger", _DebugLines(self._logger, {}))
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
    def detail_level(self) -> int:
        """The level of a stream's own log lines: a connected account's at DEBUG (the run
        logs one line per account instead), so that a thousand accounts do not write a hundred
        thousand lines per run."""
        return logging.DEBUG if self.account.connected else logging.INFO

    @property
    def summary_row(self) -> str | None:
        """The run summary's row this stream object counts in (None: its own)."""
        return f"{self.name} (connected accounts)" if self.account.connected else None

    @override
    def get_record_counter(
        self, *, endpoint: str | None = None, log_interval: float = metrics.DEFAULT_LOG_INTERVAL
    ) -> metrics.Counter:
        counter = super().get_record_counter(endpoint=endpoint, log_interval=log_interval)
        return self._quiet(counter)

    @override
    def get_sync_timer(self) -> metrics.Timer:
        return self._quiet(super().get_sync_timer())

    def _quiet(self, meter: _Meter) -> _Meter:
        """singer-sdk's metric lines of a connected account's stream at DEBUG, tagged with it."""
        if self.account.connected:
            meter.tags["account_id"] = self.account.id
            meter.logger = cast("logging.Logger", _DebugLines(meter.logger, {}))
        return meter

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
            # its "Starting incremental sync" line too, at DEBUG (see ``detail_level``)
            manager_logger = self._state_manager._logger
            self._state_manager._logger = cast("logging.Logger", _DebugLines(manager_logger, {}))
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
