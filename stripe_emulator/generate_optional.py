"""The optional fields Stripe sets only on some objects of a seed type, given to a share of
them once every object exists (:func:`optional_fields`).

Among the objects a field applies to, newest first, the first one and then one in every few
get it, so the newest objects of each type together carry every field the spec documents:
destination charges (linked to a transfer), Radar sessions, charges in euros, refunds pending
on the customer or failed (their money back in the balance), embedded Checkout, threshold and
proration invoices, pending proration items, bank accounts' requirements. It runs last, from
the account's main random stream.
"""

from __future__ import annotations

from stripe_emulator.generate_base import (
    Gen,
    Obj,
    balance_transaction,
    newest_first,
    share,
    suffix,
)


def optional_fields(g: Gen) -> None:
    """Give a share of each type's objects the optional fields Stripe sets only on some."""
    _charge_options(g)
    _refund_outcomes(g)
    for tr in newest_first(g, "transfer"):  # the payment it created on the destination
        tr["destination_payment"] = f"py_{suffix(g)}"
    for cs in share(newest_first(g, "checkout.session"), 3, 1):  # embedded Checkout
        cs.update(
            ui_mode="embedded",
            redirect_on_completion=g.rng.choice(("always", "if_required")),
            return_url="https://example.com/return?session_id={CHECKOUT_SESSION_ID}",
            success_url=None,
            cancel_url=None,
            url=None,
            client_secret=f"{cs['id']}_secret_{suffix(g)}",
        )
    _subscription_billing(g)
    for ba in share(newest_first(g, "bank_account"), 2):  # nothing due
        ba.update(
            default_for_currency=False,
            requirements={k: [] for k in _REQUIREMENTS},
            future_requirements={k: [] for k in _REQUIREMENTS},
        )


_REQUIREMENTS = ("currently_due", "errors", "past_due", "pending_verification")


def _charge_options(g: Gen) -> None:
    """Radar sessions, destination charges (linked to a transfer) and charges in euros."""
    charges = [c for c in newest_first(g, "charge") if c["status"] == "succeeded"]
    for ch in share(charges, 3):
        ch["radar_options"] = {"session": f"rses_{suffix(g)}"}
    transfers = [t for t in newest_first(g, "transfer") if t["source_transaction"] is None]
    for ch in share(charges, 4, 1):
        later = [t for t in transfers if t["created"] >= ch["created"]]
        if not later:
            continue
        tr = later[-1]
        transfers.remove(tr)
        tr.update(source_transaction=ch["id"], transfer_group=f"group_{ch['id']}")
        ch.update(
            transfer=tr["id"],
            transfer_group=tr["transfer_group"],
            transfer_data={"amount": tr["amount"], "destination": tr["destination"]},
        )
    txns = {t["id"]: t for t in g.by_type.get("balance_transaction", ())}
    legacy = [c for c in charges if c["payment_intent"] is None]
    for ch in share(legacy, 2):  # paid in euros, settled in dollars
        ch["currency"] = "eur"
        rate = 1.0 + g.rng.randrange(500, 1500) / 10_000
        sources = {ch["id"]}
        for obj in (*g.by_type.get("refund", ()), *g.by_type.get("dispute", ())):
            if obj["charge"] == ch["id"]:
                obj["currency"] = "eur"
                sources.add(obj["id"])
        for txn in txns.values():
            if txn["source"] in sources:
                txn["exchange_rate"] = rate


def _refund_outcomes(g: Gen) -> None:
    """Every refund says where the money went; one pending on the customer, one failed."""
    refunds = newest_first(g, "refund")
    charges = {c["id"]: c for c in g.by_type.get("charge", ())}
    for ref in refunds:
        ref["destination_details"] = {
            "type": "card",
            "card": {
                "reference": f"{g.rng.randrange(10**22, 10**23)}",
                "reference_status": "available",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
        }
    for ref in share(refunds, 2):
        ref["description"] = "Refund requested by the customer"
    if refunds:  # the customer must tell where to send it
        ref = refunds[0]
        email = charges[ref["charge"]]["billing_details"].get("email") or "buyer@example.com"
        ref.update(
            status="requires_action",
            instructions_email=email,
            next_action={
                "type": "display_details",
                "display_details": {
                    "email_sent": {"email_sent_at": ref["created"], "email_sent_to": email},
                    "expires_at": ref["created"] + 45 * 86_400,
                },
            },
        )
    if len(refunds) > 1:  # the card could not take it back: the money returns
        ref = refunds[1]
        failed_at = min(g.end - 1, ref["created"] + 86_400)
        txn = balance_transaction(g, failed_at, ref["amount"], ref["id"], "refund_failure")
        ref.update(
            status="failed",
            failure_reason="expired_or_canceled_card",
            failure_balance_transaction=txn["id"],
        )
        ch = charges[ref["charge"]]
        ch.update(amount_refunded=ch["amount_refunded"] - ref["amount"], refunded=False)


def _subscription_billing(g: Gen) -> None:
    """Threshold and proration invoices, and pending proration items, of subscriptions."""
    invoices = [i for i in newest_first(g, "invoice") if i["subscription"]]
    threshold = share(invoices, 4)
    for inv in threshold:
        inv.update(
            billing_reason="subscription_threshold",
            threshold_reason={"amount_gte": inv["total"] or 10_000, "item_reasons": []},
        )
    for inv in share([i for i in invoices if i not in threshold], 4):
        inv.update(billing_reason="subscription_update", subscription_proration_date=inv["created"])
    items: dict[str, list[Obj]] = {}
    for obj, parent in g.out:
        if obj["object"] == "subscription_item" and parent:
            items.setdefault(parent, []).append(obj)
    subs = [s for s in newest_first(g, "subscription") if items.get(s["id"])]
    pending = [i for i in newest_first(g, "invoiceitem") if i["invoice"] is None]
    for ii in share(pending, 2):
        older = [s for s in subs if s["created"] <= ii["date"]]
        if not older:
            continue
        sub = older[0]
        ii.update(
            customer=sub["customer"],
            subscription=sub["id"],
            subscription_item=items[sub["id"]][0]["id"],
            proration=True,
            description="Remaining time after a plan change",
        )
