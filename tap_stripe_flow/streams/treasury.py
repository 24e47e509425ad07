"""Stripe Treasury: financial accounts, and what each one's lists hold.

Treasury is a product an account must be set up for: an account without it answers these lists
with "Your account is not set up to use Treasury", and each stream is skipped with one info
line that says so (``errors.py``); an account with it gets its data.

Every list but the financial accounts' needs ``?financial_account=``: each of those streams
reads the financial accounts (one request per 100) and then each account's list (one request
per 100 of its objects, at least one per financial account).

* The lists that filter ``created`` (outbound payments, transaction entries) are incremental
  on the objects' own ``created``, outbound payments with their change events, as top-level
  lists are (``TreasuryWindowedStream``); entries never change and have no events.
* Transactions (no events; an open one posts or is voided later) are read whole every run.
* The other money movements are read whole every run by default (their lists have no
  ``created`` filter); they also run ``incremental``, as the seed's child streams do
  (``child_streams.py``): after one whole read, a run reads the run's events alone and emits
  the object each event carries (Stripe sends an event for every change of status), at no
  request beyond the events.

Canceled, failed and returned money movements still exist: their events are updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from singer_sdk import StreamSchema
from typing_extensions import override

from tap_stripe_flow.changes import ChangeEvents, ParentEvents
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.fetch import ChildrenOfEvents, SharedEvents, StreamFetcher
from tap_stripe_flow.pagination import Delivered, EventsPage, ListPage, StripePage
from tap_stripe_flow.streams.schema_files import SCHEMAS

FINANCIAL_ACCOUNTS = "/v1/treasury/financial_accounts"


class TreasuryFinancialAccountsStream(StripeStream):
    name = "treasury_financial_accounts"
    object_type = "treasury.financial_account"
    # A closed financial account still exists (status closed): an update.
    event_types = ChangeEvents(
        (
            "treasury.financial_account.closed",
            "treasury.financial_account.created",
            "treasury.financial_account.features_status_updated",
        )
    )
    path = FINANCIAL_ACCOUNTS
    schema = StreamSchema(SCHEMAS)


class TreasuryChildStream(StripeChildStream):
    """Objects listed per financial account (``?financial_account=``), each carrying its
    financial account's id (``financial_account``)."""

    parent_type = "treasury.financial_account"
    parent_path = FINANCIAL_ACCOUNTS
    parent_param = "financial_account"
    parent_fields: ClassVar[dict[str, str]] = {"financial_account": "id"}
    replication_key: str | None = None


def _moved(updates: tuple[str, ...]) -> tuple[ChangeEvents, ParentEvents]:
    """A money movement's events: each carries the movement as it now is."""
    return ChangeEvents(updates), ParentEvents(child_types=updates, child_objects=True)


class TreasuryTransactionsStream(TreasuryChildStream):
    """Transactions: Stripe sends no event for them."""

    name = "treasury_transactions"
    object_type = "treasury.transaction"
    path = "/v1/treasury/transactions"
    schema = StreamSchema(SCHEMAS)


class TreasuryWindowedStream(TreasuryChildStream):
    """A list per financial account that filters ``created``, read incrementally on the
    objects' own ``created``, as a top-level list is (and, where Stripe sends events for its
    objects, with its change events: ``client.py``).

    Each run lists every financial account (no window: an old account gets new objects) and
    asks each one's list for the run's window (``created[gte]`` = bookmark minus the lookback,
    ``created[lte]`` = the run's start). An interrupted run reads its window again.
    """

    replication_key = "created"

    @property
    @override
    def resumable(self) -> bool:
        # Resume progress counts windows of parents; the window here is the children's.
        return False

    @override
    def fetcher_of(
        self,
        windows: Sequence[ListPage],
        *,
        read_events: bool = False,
        shared_events: SharedEvents | None = None,
    ) -> StreamFetcher:
        # One walk of the financial accounts, unwindowed (``created`` None: no filter).
        walks = (ListPage(),) if windows else ()
        return super().fetcher_of(walks, read_events=read_events, shared_events=shared_events)

    @override
    def child_request(self, parent: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        path, params = super().child_request(parent)
        (window,) = self.plan.windows  # not resumable: one window, the run's
        params["created[gte]"], params["created[lte]"] = window.gte, window.lte
        return path, params

    @override
    def children_of_events(self) -> ChildrenOfEvents | None:
        if self.change_events is None:
            return None
        # events carry the objects themselves (newest version, as a top-level stream's)
        return lambda events: (list(self.changed_objects(events)), [])

    @override
    def page_records(self, token: Delivered, page: StripePage) -> Iterable[dict[str, Any]]:
        if isinstance(token, EventsPage):
            return page.data  # records already (``children_of_events``)
        return super().page_records(token, page)

    @override
    def retrieve_path(self) -> str:
        return self.path


class TreasuryTransactionEntriesStream(TreasuryWindowedStream):
    """Transaction entries: an entry never changes once written (Stripe sends no event for
    them)."""

    name = "treasury_transaction_entries"
    object_type = "treasury.transaction_entry"
    path = "/v1/treasury/transaction_entries"
    schema = StreamSchema(SCHEMAS)


class TreasuryReceivedCreditsStream(TreasuryChildStream):
    name = "treasury_received_credits"
    object_type = "treasury.received_credit"
    event_types, parent_events = _moved(
        (
            "treasury.received_credit.created",
            "treasury.received_credit.failed",
            "treasury.received_credit.succeeded",
        )
    )
    path = "/v1/treasury/received_credits"
    schema = StreamSchema(SCHEMAS)


class TreasuryReceivedDebitsStream(TreasuryChildStream):
    name = "treasury_received_debits"
    object_type = "treasury.received_debit"
    event_types, parent_events = _moved(("treasury.received_debit.created",))
    path = "/v1/treasury/received_debits"
    schema = StreamSchema(SCHEMAS)


class TreasuryInboundTransfersStream(TreasuryChildStream):
    name = "treasury_inbound_transfers"
    object_type = "treasury.inbound_transfer"
    event_types, parent_events = _moved(
        (
            "treasury.inbound_transfer.canceled",
            "treasury.inbound_transfer.created",
            "treasury.inbound_transfer.failed",
            "treasury.inbound_transfer.succeeded",
        )
    )
    path = "/v1/treasury/inbound_transfers"
    schema = StreamSchema(SCHEMAS)


def _outbound(kind: str) -> tuple[ChangeEvents, ParentEvents]:
    return _moved(
        tuple(
            f"treasury.{kind}.{change}"
            for change in (
                "canceled",
                "created",
                "expected_arrival_date_updated",
                "failed",
                "posted",
                "returned",
                "tracking_details_updated",
            )
        )
    )


class TreasuryOutboundTransfersStream(TreasuryChildStream):
    name = "treasury_outbound_transfers"
    object_type = "treasury.outbound_transfer"
    event_types, parent_events = _outbound("outbound_transfer")
    path = "/v1/treasury/outbound_transfers"
    schema = StreamSchema(SCHEMAS)


class TreasuryOutboundPaymentsStream(TreasuryWindowedStream):
    """Outbound payments: their list filters ``created``, and their events carry them."""

    name = "treasury_outbound_payments"
    object_type = "treasury.outbound_payment"
    event_types, _ = _outbound("outbound_payment")
    path = "/v1/treasury/outbound_payments"
    schema = StreamSchema(SCHEMAS)


class TreasuryCreditReversalsStream(TreasuryChildStream):
    name = "treasury_credit_reversals"
    object_type = "treasury.credit_reversal"
    event_types, parent_events = _moved(
        ("treasury.credit_reversal.created", "treasury.credit_reversal.posted")
    )
    path = "/v1/treasury/credit_reversals"
    schema = StreamSchema(SCHEMAS)


class TreasuryDebitReversalsStream(TreasuryChildStream):
    name = "treasury_debit_reversals"
    object_type = "treasury.debit_reversal"
    event_types, parent_events = _moved(
        (
            "treasury.debit_reversal.completed",
            "treasury.debit_reversal.created",
            "treasury.debit_reversal.initial_credit_granted",
        )
    )
    path = "/v1/treasury/debit_reversals"
    schema = StreamSchema(SCHEMAS)


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    TreasuryCreditReversalsStream,
    TreasuryDebitReversalsStream,
    TreasuryFinancialAccountsStream,
    TreasuryInboundTransfersStream,
    TreasuryOutboundPaymentsStream,
    TreasuryOutboundTransfersStream,
    TreasuryReceivedCreditsStream,
    TreasuryReceivedDebitsStream,
    TreasuryTransactionEntriesStream,
    TreasuryTransactionsStream,
)
"""This module's streams, in the order discovery lists them."""
