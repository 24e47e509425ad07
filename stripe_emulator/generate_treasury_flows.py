"""Treasury's money movements, per financial account, and the ledger they leave: a
transaction per movement and its entries (``generate_treasury.py`` says what an account holds).

Each builder makes one kind of movement in each status Stripe gives it; each movement that
moved money gets a transaction naming it (``flow``, ``flow_type``) and named by it
(``transaction``), with entries whose balance impacts sum to the transaction's.
"""

from __future__ import annotations

import random
from typing import Any

from stripe_emulator.generate_base import DAY, Gen, Obj

Impact = tuple[int, int, int]  # cash, inbound_pending, outbound_pending

_RECEIPT = "https://payments.stripe.com/regulatory-receipt/"
_STATUSES: dict[str, tuple[str, ...]] = {
    # enough succeeded ones to reverse one in each of the reversals' statuses
    "received_credit": ("succeeded", "failed", "succeeded", "succeeded", "succeeded"),
    "received_debit": ("succeeded", "failed", "succeeded", "succeeded"),
    "inbound_transfer": ("succeeded", "processing", "failed", "canceled", "succeeded"),
    "outbound_transfer": ("posted", "processing", "failed", "canceled", "returned"),
    "outbound_payment": ("posted", "processing", "failed", "canceled", "returned"),
    "credit_reversal": ("posted", "processing", "canceled"),
    "debit_reversal": ("succeeded", "processing", "failed"),
}


class TreasuryGen:
    """The state of one account's Treasury while it is generated."""

    def __init__(self, g: Gen, seed: int) -> None:
        self.g = g
        self.rng = random.Random(f"{seed}-treasury")
        #: financial account id -> its children of each type (added newest first at the end)
        self.kids: dict[str, list[Obj]] = {}
        self.flows: list[Obj] = []

    def when(self, fa: Obj) -> int:
        return max(self.g.when("treasury.financial_account", fa["created"]), int(fa["created"]))

    def later(self, t: int) -> int:
        return min(self.g.end - 1, t + DAY)

    def amount(self) -> int:
        return self.rng.randrange(1_000, 200_000, 100)

    def child(self, kind: str, fa: Obj, t: int, **fields: Any) -> Obj:
        obj = self.g.make(f"treasury.{kind}", t, financial_account=fa["id"], **fields)
        self.kids.setdefault(fa["id"], []).append(obj)
        return obj

    def flow(self, kind: str, fa: Obj, t: int, i: int, **fields: Any) -> Obj:
        obj = self.child(kind, fa, t, **fields)
        if "hosted_regulatory_receipt_url" in obj:
            receipt = f"{_RECEIPT}{self.g.new_id('coupon')}{i}" if i % 3 != 2 else None
            obj["hosted_regulatory_receipt_url"] = receipt
        if "metadata" in obj:
            obj["metadata"] = {"ledger_ref": f"L-{i:04d}"} if i % 2 == 0 else {}
        self.flows.append(obj)
        return obj

    def transaction(
        self,
        flow: Obj,
        status: str,
        entries: list[tuple[str, Impact, int]],
        description: str,
        amount: int,
    ) -> Obj:
        """A transaction of ``flow`` moving ``amount`` (signed: negative out of the account),
        with ``entries`` (type, balance impact, time); the caller links ``flow`` to it."""
        fa = {"id": flow["financial_account"], "created": flow["created"]}
        kind = flow["object"].removeprefix("treasury.")
        impact = (0, 0, 0)
        if status != "void":
            impact = tuple(sum(e[1][k] for e in entries) for k in range(3))  # type: ignore[assignment]
        ends = max(t for _, _, t in entries)
        tx = self.child(
            "transaction",
            fa,
            entries[0][2],
            amount=amount,
            balance_impact=_impact(impact),
            currency="usd",
            description=description,
            flow=flow["id"],
            flow_type=kind,
            flow_details=None,
            status=status,
            status_transitions={
                "posted_at": ends if status == "posted" else None,
                "void_at": ends if status == "void" else None,
            },
        )
        tx["_flow"] = flow
        for entry_type, entry_impact, t in entries:
            self.child(
                "transaction_entry",
                fa,
                t,
                balance_impact=_impact(entry_impact),
                currency="usd",
                effective_at=t,
                flow=flow["id"],
                flow_type=kind,
                flow_details=None,
                transaction=tx["id"],
                type=entry_type,
            )
        return tx


def _impact(values: Impact | tuple[int, ...]) -> Obj:
    cash, inbound, outbound = values
    return {"cash": cash, "inbound_pending": inbound, "outbound_pending": outbound}


def outbound(tr: TreasuryGen, fas: list[Obj], kind: str, extra: int) -> list[Obj]:
    """Outbound transfers or payments (``kind``) in each status."""
    statuses = _STATUSES[kind]
    made = []
    word = "payment" if kind == "outbound_payment" else "transfer"
    for i in range(len(statuses) + extra):
        fa = fas[i % len(fas)]
        status = statuses[i % len(statuses)]
        t, a = tr.when(fa), tr.amount()
        done = tr.later(t)
        fields: Obj = {}
        if kind == "outbound_payment":
            cus = tr.g.pick_before("customer", t) if i % 2 == 0 else None
            fields = {
                "customer": cus["id"] if cus else None,
                "end_user_details": (
                    {"present": True, "ip_address": f"203.0.113.{i % 250}"}
                    if i % 3 == 0
                    else {"present": False, "ip_address": None}
                ),
            }
        flow = tr.flow(
            kind,
            fa,
            t,
            i,
            amount=a,
            cancelable=status == "processing",
            currency="usd",
            description=f"Outbound {word} {i + 1}" if i % 4 != 3 else None,
            destination_payment_method=f"pm_{tr.g.new_id('coupon')}" if i % 2 == 0 else None,
            expected_arrival_date=t + 2 * DAY,
            statement_descriptor=word,
            status=status,
            status_transitions={
                "canceled_at": done if status == "canceled" else None,
                "failed_at": done if status == "failed" else None,
                "posted_at": done if status in ("posted", "returned") else None,
                "returned_at": tr.later(done) if status == "returned" else None,
            },
            tracking_details=(
                {"type": "ach", "ach": {"trace_id": f"{tr.rng.randrange(10**14, 10**15)}"}}
                if status in ("posted", "returned")
                else None
            ),
            returned_details=None,
            **fields,
        )
        entries: list[tuple[str, Impact, int]] = [(kind, (-a, 0, a), t)]
        tx_status = {"processing": "open", "failed": "void", "canceled": "void"}.get(
            status, "posted"
        )
        if status in ("posted", "returned"):
            entries.append((f"{kind}_posting", (0, 0, -a), done))
        elif status == "failed":
            entries.append((f"{kind}_failure", (a, 0, -a), done))
        elif status == "canceled":
            entries.append((f"{kind}_cancellation", (a, 0, -a), done))
        tx = tr.transaction(flow, tx_status, entries, f"Outbound {word} | {flow['id']}", -a)
        flow["transaction"] = tx["id"]
        if status == "returned":
            back = tr.transaction(
                flow, "posted", [(f"{kind}_return", (a, 0, 0), tr.later(done))], "Return", a
            )
            flow["returned_details"] = {"code": "declined", "transaction": back["id"]}
        made.append(flow)
    return made


def received(  # noqa: PLR0917 - one money movement, as the callers' loops have it
    tr: TreasuryGen, fa: Obj, kind: str, i: int, status: str, t: int, a: int
) -> Obj:
    failure = {"received_credit": "account_frozen", "received_debit": "insufficient_funds"}
    flow = tr.flow(
        kind,
        fa,
        t,
        i,
        amount=a,
        currency="usd",
        description=f"ACH {'credit' if kind == 'received_credit' else 'debit'} {i + 1}",
        failure_code=failure[kind] if status == "failed" else None,
        network="ach",
        status=status,
        transaction=None,
        reversal_details=(
            {"deadline": t + 5 * DAY, "restricted_reason": None} if status == "succeeded" else None
        ),
    )
    if status == "succeeded":
        sign = 1 if kind == "received_credit" else -1
        tx = tr.transaction(
            flow, "posted", [(kind, (sign * a, 0, 0), t)], flow["description"], sign * a
        )
        flow["transaction"] = tx["id"]
    return flow


def received_credits(tr: TreasuryGen, fas: list[Obj], extra: int, payments: list[Obj]) -> list[Obj]:
    statuses = _STATUSES["received_credit"]
    made = []
    for i in range(len(statuses) + extra):
        fa, status = fas[i % len(fas)], statuses[i % len(statuses)]
        t, a = tr.when(fa), tr.amount()
        source = next(
            (p for p in payments if p["financial_account"] != fa["id"] and p["created"] <= t),
            None,
        )
        if i == 2 and source is not None:  # money sent from another financial account
            t, a = max(t, source["created"]), int(source["amount"])
        flow = received(tr, fa, "received_credit", i, status, t, a)
        if i == 2 and source is not None:
            flow["network"] = "stripe"
            flow["linked_flows"] = {
                **flow["linked_flows"],
                "source_flow": source["id"],
                "source_flow_type": "outbound_payment",
            }
        made.append(flow)
    return made


def received_debits(tr: TreasuryGen, fas: list[Obj], extra: int) -> list[Obj]:
    statuses = _STATUSES["received_debit"]
    made = []
    for i in range(len(statuses) + extra):
        fa, status = fas[i % len(fas)], statuses[i % len(statuses)]
        flow = received(tr, fa, "received_debit", i, status, tr.when(fa), tr.amount())
        if i % 2 == 1:  # a debit pulled by a card network carries no payment method details
            flow.pop("initiating_payment_method_details", None)
        made.append(flow)
    return made


def inbound_transfers(tr: TreasuryGen, fas: list[Obj], extra: int) -> None:
    statuses = _STATUSES["inbound_transfer"]
    for i in range(len(statuses) + extra):
        fa, status = fas[i % len(fas)], statuses[i % len(statuses)]
        t, a = tr.when(fa), tr.amount()
        done = tr.later(t)
        returned = i == len(statuses) - 1  # succeeded, then its funds were returned
        flow = tr.flow(
            "inbound_transfer",
            fa,
            t,
            i,
            amount=a,
            cancelable=status == "processing",
            currency="usd",
            description=f"Inbound transfer {i + 1}" if i % 4 != 3 else None,
            failure_details={"code": "insufficient_funds"} if status == "failed" else None,
            origin_payment_method=f"pm_{tr.g.new_id('coupon')}",
            returned=returned if status == "succeeded" else None,
            statement_descriptor="transfer",
            status=status,
            status_transitions={
                "failed_at": done if status == "failed" else None,
                "succeeded_at": done if status == "succeeded" else None,
            },
            transaction=None,
        )
        if status == "succeeded":
            entry: tuple[str, Impact, int] = ("inbound_transfer", (a, 0, 0), t)
        else:  # pending; voided before any funds moved when failed or canceled
            entry = ("inbound_transfer", (0, a, 0), t)
        tx_status = {"succeeded": "posted", "processing": "open"}.get(status, "void")
        tx = tr.transaction(flow, tx_status, [entry], "Inbound transfer", a)
        flow["transaction"] = tx["id"]
        if returned:
            back = received(tr, fa, "received_debit", i, "succeeded", tr.later(done), a)
            back["linked_flows"] = {**back["linked_flows"], "inbound_transfer": flow["id"]}
            back["reversal_details"] = None
            flow["linked_flows"] = {"received_debit": back["id"]}
            tr.kids[fa["id"]][-1]["type"] = "inbound_transfer_return"  # the return's entry


def credit_reversals(tr: TreasuryGen, credits: list[Obj]) -> None:
    statuses = _STATUSES["credit_reversal"]
    reversible = [c for c in credits if c["status"] == "succeeded" and c["network"] == "ach"]
    for i, credit in enumerate(reversible[: len(statuses) + 1]):
        status = statuses[i % len(statuses)]
        flow, t, a = _reversal(tr, credit, i, status, ("posted_at", "posted"))
        if status != "canceled":
            entries: list[tuple[str, Impact, int]] = [("credit_reversal", (-a, 0, a), t)]
            if status == "posted":
                entries.append(("credit_reversal_posting", (0, 0, -a), tr.later(t)))
            tx_status = "posted" if status == "posted" else "open"
            tx = tr.transaction(flow, tx_status, entries, "Credit reversal", -a)
            flow["transaction"] = tx["id"]


def debit_reversals(tr: TreasuryGen, debits: list[Obj]) -> None:
    statuses = _STATUSES["debit_reversal"]
    reversible = [d for d in debits if d["status"] == "succeeded"]
    for i, debit in enumerate(reversible[: len(statuses) + 1]):
        status = statuses[i % len(statuses)]
        disputed = {"linked_flows": {"issuing_dispute": None} if i % 2 == 0 else None}
        flow, t, a = _reversal(tr, debit, i, status, ("completed_at", "succeeded"), **disputed)
        if status == "succeeded":
            tx = tr.transaction(flow, "posted", [("debit_reversal", (a, 0, 0), t)], "Reversal", a)
            flow["transaction"] = tx["id"]
        elif status == "processing":
            tx = tr.transaction(flow, "open", [("debit_reversal", (0, a, 0), t)], "Reversal", a)
            flow["transaction"] = tx["id"]


def _reversal(
    tr: TreasuryGen, received: Obj, i: int, status: str, done: tuple[str, str], **fields: Any
) -> tuple[Obj, int, int]:
    """The ``i``-th reversal of a received credit or debit, in ``status``, made a day after it
    and of its whole amount, linked both ways (``done``: the status transition that is set, and
    the status that sets it); the reversal, its time and amount."""
    kind = received["object"].removeprefix("treasury.")  # received_credit or received_debit
    reversal = kind.replace("received_", "") + "_reversal"
    fa = {"id": received["financial_account"], "created": received["created"]}
    t, a = tr.later(received["created"]), int(received["amount"])
    transition, when = done
    flow = tr.flow(
        reversal,
        fa,
        t,
        i,
        amount=a,
        currency="usd",
        network="ach",
        **{kind: received["id"]},
        status=status,
        status_transitions={transition: tr.later(t) if status == when else None},
        **fields,
        transaction=None,
    )
    received["linked_flows"] = {**received["linked_flows"], reversal: flow["id"]}
    return flow, t, a
