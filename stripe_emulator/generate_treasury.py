"""Generation of Treasury: financial accounts and the money that moves through them.

Called by :func:`stripe_emulator.generate.build_account` (same guarantees as the rest of the
account: deterministic, ``created`` in the span, links to objects no newer than the linking
one), with a random generator of its own, so the other types stay as they were. An emulator
serving the account can still answer these lists as an account without Treasury does
(``FEATURES`` in ``resources.py``).

* Financial accounts, open and closed (with the reasons), some with platform restrictions.
* Per financial account, listed newest first as Stripe lists them: received credits and debits
  (succeeded, failed: with the failure code), inbound transfers (processing, succeeded,
  failed, canceled, and one returned: the return is a received debit linked both ways),
  outbound transfers and payments (processing, posted, failed, canceled, returned), credit
  reversals of succeeded received credits (processing, posted, canceled) and debit reversals
  of succeeded received debits (processing, succeeded, failed); one received credit comes
  from an outbound payment of another financial account (network ``stripe``).
* A transaction per money movement that has one (the movement's ``transaction`` and the
  transaction's ``flow``/``flow_type``/``flow_details`` name each other; a return has a
  transaction of its own, named by ``returned_details.transaction``), and its entries: the
  movement's own, then its posting, failure, cancellation or return. A transaction's
  ``balance_impact`` is the sum of its entries'; a void one's is zero; each financial
  account's ``balance`` is the sum over its transactions (pending amounts of open ones).
* One creation event per financial account and money movement (transactions and entries
  have no events at Stripe).
"""

from __future__ import annotations

from stripe_emulator.account import tiebreak
from stripe_emulator.generate_base import Gen, Obj, strip_includable
from stripe_emulator.generate_treasury_flows import (
    TreasuryGen,
    credit_reversals,
    debit_reversals,
    inbound_transfers,
    outbound,
    received,
    received_credits,
    received_debits,
)


def treasury(g: Gen, counts: dict[str, int], seed: int) -> None:
    """Add financial accounts (about one per 20 customers, at least 3) and their money
    movements (each type in every status, more on larger accounts)."""
    tr = TreasuryGen(g, seed)
    main_rng, g.rng = g.rng, tr.rng
    try:
        fas = _financial_accounts(tr, max(3, counts["customer"] // 20))
        per_type = max(0, round(counts["payment_intent"] * 0.01))
        payments = outbound(tr, fas, "outbound_payment", per_type)
        outbound(tr, fas, "outbound_transfer", per_type)
        credits = received_credits(tr, fas, per_type, payments)
        debits = received_debits(tr, fas, per_type)
        inbound_transfers(tr, fas, per_type)
        credit_reversals(tr, credits)
        debit_reversals(tr, debits)
        _finish(tr, fas)
    finally:
        g.rng = main_rng


def _financial_accounts(tr: TreasuryGen, n: int) -> list[Obj]:
    g = tr.g
    fas = []
    for i in range(n):
        closed = i % 3 == 2
        fa = g.add(
            g.make(
                "treasury.financial_account",
                g.when("treasury.financial_account"),
                status="closed" if closed else "open",
                status_details={"closed": {"reasons": ["closed_by_platform"]} if closed else None},
                metadata={"team": ("payroll", "operations")[i % 2]} if i % 2 == 0 else None,
                platform_restrictions=(
                    {"inbound_flows": "unrestricted", "outbound_flows": "restricted"}
                    if i % 4 == 1
                    else None
                ),
                restricted_features=["outbound_payments.ach"] if i % 4 == 1 else [],
                pending_features=["card_issuing"] if i % 4 == 0 else [],
            )
        )
        holder = fa["financial_addresses"][0]["aba"]
        fa["financial_addresses"] = [
            {
                **fa["financial_addresses"][0],
                "aba": {**holder, "account_number_last4": f"{tr.rng.randrange(10_000):04d}"},
            }
        ]
        if closed:
            fa["active_features"] = []
        fas.append(fa)
        # its opening deposit, so the money moved out after it is there
        received(tr, fa, "received_credit", i, "succeeded", fa["created"], 5_000_000)
    return fas


def _finish(tr: TreasuryGen, fas: list[Obj]) -> None:
    """Balances, flow details, then every child stored newest first and the events."""
    g = tr.g
    for fa in fas:
        kids = tr.kids.get(fa["id"], [])
        cash = inbound = outbound = 0
        for tx in (k for k in kids if k["object"] == "treasury.transaction"):
            flow = tx.pop("_flow")
            kind = tx["flow_type"]
            tx["flow_details"] = {"type": kind, kind: strip_includable(flow)}
            impact = tx["balance_impact"]
            cash += impact["cash"]
            if tx["status"] == "open":
                inbound += impact["inbound_pending"]
                outbound += impact["outbound_pending"]
        by_id = {k["id"]: k for k in kids}
        for entry in (k for k in kids if k["object"] == "treasury.transaction_entry"):
            entry["flow_details"] = by_id[entry["transaction"]]["flow_details"]
        fa["balance"] = {
            "cash": {"usd": cash},
            "inbound_pending": {"usd": inbound},
            "outbound_pending": {"usd": outbound},
        }
        kids.sort(key=lambda o: (-int(o["created"]), tiebreak(o["id"])))
        for kid in kids:
            g.add(kid, fa["id"])
    for obj in tr.flows:  # build_account records the financial accounts' own
        name = f"{obj['object']}.created"
        event = g.acct.record_event(name, dict(obj), int(obj["created"]), store=False)
        event["id"] = g.new_id("event")
        g.out.append((event, None))
