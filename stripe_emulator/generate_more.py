"""Generation of the first resources added beyond the seed's 22 (:func:`more_resources`):
billing, risk, files and money in, in this order, from the random stream of the resources
added since (so the seed's objects stay as they were).

Called by :func:`stripe_emulator.generate.build_account` once the payments exist, with the
same guarantees: deterministic by seed, ``created`` in the account's span, links to existing
objects created no later than the linking object, each status Stripe has on some object, and
every optional field on a share of each type's newest objects.

Made here:

* Setup intents in each status, with the error, next action or attempt that status has.
* Credit notes on finalized invoices (issued or void), each with its one line embedded.
* Subscription schedules of customers (not started, active, completed, released, canceled).
* Tax rates and shipping rates (the account's small catalogues of them).

Made by the modules this one calls: Radar reviews, early fraud warnings and value lists
(``generate_radar.py``), top-ups and application fees (``generate_topups_fees.py``), files,
file links and report runs (``generate_files.py``), reversals of a share of transfers
(``generate_payouts.py``).
"""

from __future__ import annotations

from stripe_emulator.generate_base import DAY, Gen, suffix
from stripe_emulator.generate_files import files_and_reports
from stripe_emulator.generate_payouts import transfer_reversals
from stripe_emulator.generate_radar import reviews_and_warnings, value_lists
from stripe_emulator.generate_topups_fees import application_fees, topups

#: Top-level types made here -> their share of the account (a weight of ``_counts``).
WEIGHTS: dict[str, float] = {
    "setup_intent": 0.008,
    "credit_note": 0.005,
    "subscription_schedule": 0.004,
    "tax_rate": 0.002,
    "shipping_rate": 0.002,
    "review": 0.004,
    "radar.early_fraud_warning": 0.003,
    "topup": 0.003,
    "application_fee": 0.003,
    "file": 0.004,
    "file_link": 0.003,
    "reporting.report_run": 0.003,
    "radar.value_list": 0.002,
}
_TAX_RATES = (
    ("VAT", "DE", None, "vat", 19.0, False),
    ("VAT", "FR", None, "vat", 20.0, True),
    ("Sales tax", "US", "CA", "sales_tax", 7.25, False),
    ("GST", "AU", None, "gst", 10.0, True),
    ("HST", "CA", "ON", "hst", 13.0, False),
)
_SHIPPING = (("Ground shipping", 500, 3, 5), ("Express", 1500, 1, 2), ("Overnight", 2500, 1, 1))


def more_resources(g: Gen, counts: dict[str, int]) -> None:
    """Add every type of :data:`WEIGHTS`, ``counts[type]`` of each."""
    _setup_intents(g, counts["setup_intent"])
    _credit_notes(g, counts["credit_note"])
    _schedules(g, counts["subscription_schedule"])
    _rates(g, counts["tax_rate"], counts["shipping_rate"])
    reviews_and_warnings(g, counts["review"], counts["radar.early_fraud_warning"])
    topups(g, counts["topup"])
    application_fees(g, counts["application_fee"])
    files_and_reports(g, counts["file"], counts["file_link"], counts["reporting.report_run"])
    value_lists(g, counts["radar.value_list"])
    transfer_reversals(g)


def _setup_intents(g: Gen, n: int) -> None:
    statuses = ("succeeded", "requires_payment_method", "canceled", "requires_action", "processing")
    for i in range(n):
        t = g.when("setup_intent")
        status = statuses[i] if i < len(statuses) else g.rng.choice(("succeeded",) * 4 + statuses)
        cus = g.pick_before("customer", t)
        si = g.add(
            g.make(
                "setup_intent",
                t,
                status=status,
                customer=cus["id"] if cus and g.rng.random() < 0.9 else None,
                usage=g.rng.choice(("off_session", "on_session")),
                description=None,
                automatic_payment_methods={"allow_redirects": "always", "enabled": True},
                payment_method_types=["card"],
                payment_method_configuration_details={"id": f"pmc_{suffix(g)}", "parent": None},
                payment_method=None,
                latest_attempt=None,
                last_setup_error=None,
                next_action=None,
                cancellation_reason=None,
                flow_directions=None,
            )
        )
        si["client_secret"] = f"{si['id']}_secret_{suffix(g, 32)}"
        if status in ("succeeded", "processing", "requires_action"):
            si["payment_method"] = f"pm_{suffix(g)}"
            si["latest_attempt"] = f"setatt_{suffix(g)}"
        if status == "requires_payment_method" and i % 2 == 0:
            si["last_setup_error"] = {
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.",
                "type": "card_error",
            }
        if status == "requires_action":
            si["next_action"] = {
                "redirect_to_url": {
                    "return_url": "https://example.com/setup",
                    "url": "https://hooks.stripe.com/3d_secure",
                },
                "type": "redirect_to_url",
            }
        if status == "canceled":
            si["cancellation_reason"] = g.rng.choice(
                ("abandoned", "requested_by_customer", "duplicate")
            )
        if i % 3 == 1:
            si["description"] = "Save a card for later payments"
            si["flow_directions"] = ["inbound"]


def _credit_notes(g: Gen, n: int) -> None:
    invoices = [i for i in g.by_type.get("invoice", []) if i["status"] in ("paid", "open")]
    invoices.sort(key=lambda i: i["created"])
    lines_of: dict[str, list[str]] = {}
    for obj, parent in g.out:
        if obj["object"] == "line_item" and parent:
            lines_of.setdefault(parent, []).append(obj["id"])
    for k in range(min(n, len(invoices))):
        inv = invoices[(k * 7) % len(invoices)]
        t = g.when("credit_note", inv["created"])
        total = max(100, int(inv["total"] or inv["amount_due"] or 1000) // g.rng.choice((1, 2, 4)))
        void = k % 5 == 2
        cn = g.add(
            g.make(
                "credit_note",
                t,
                amount=total,
                amount_shipping=0,
                currency=inv["currency"],
                customer=inv["customer"],
                customer_balance_transaction=None,
                discount_amount=0,
                discount_amounts=[],
                effective_at=t,
                invoice=inv["id"],
                memo=None,
                number=f"{g.new_id('coupon')[:8]}-CN-{k + 1:02d}",
                out_of_band_amount=None,
                reason=g.rng.choice((None, "duplicate", "order_change", "product_unsatisfactory")),
                refund=None,
                shipping_cost=None,
                status="void" if void else "issued",
                subtotal=total,
                subtotal_excluding_tax=total,
                tax_amounts=[],
                total=total,
                total_excluding_tax=total,
                type="post_payment" if inv["status"] == "paid" else "pre_payment",
                voided_at=min(g.end - 1, t + DAY) if void else None,
            )
        )
        cn["pdf"] = f"https://pay.stripe.com/credit_notes/acct_emulator/{cn['id']}/pdf"
        if k % 3 == 0:
            cn.update(memo="Credit for the service outage", out_of_band_amount=0)
        n_lines = 12 if k == 0 else g.rng.choice((1, 1, 2))  # one past the embedded 10
        for j in range(n_lines):
            amount = total // n_lines + (total % n_lines if j == 0 else 0)
            line = g.make(
                "credit_note_line_item",
                None,
                amount=amount,
                amount_excluding_tax=amount,
                description="Credit",
                quantity=1,
                type="custom_line_item",
                unit_amount=amount,
                unit_amount_decimal=str(amount),
                unit_amount_excluding_tax=str(amount),
            )
            if j == 0 and k % 2 == 0 and lines_of.get(inv["id"]):  # credits an invoice line
                line.update(type="invoice_line_item", invoice_line_item=lines_of[inv["id"]][0])
            else:
                line.pop("invoice_line_item", None)  # a custom line credits no invoice line
            g.add(line, cn["id"])


def _schedules(g: Gen, n: int) -> None:
    statuses = ("active", "not_started", "completed", "released", "canceled")
    subs = g.by_type.get("subscription", [])
    plans = g.by_type.get("plan", [])
    for i in range(n):
        status = statuses[i % len(statuses)]
        sub = subs[(i * 5) % len(subs)] if status in ("active", "released", "completed") else None
        t = g.when("subscription_schedule", sub["created"] if sub else None)
        cus = (
            sub["customer"]
            if sub
            else (g.pick_before("customer", t) or g.by_type["customer"][0])["id"]
        )
        plan = g.pick_before("plan", t) or plans[0]
        start = t if status != "not_started" else min(g.end - 1, t + 7 * DAY)
        end = start + 30 * DAY
        sched = g.add(g.make("subscription_schedule", t, customer=cus, status=status))
        phase = dict(sched["phases"][0])
        items = [{**phase["items"][0], "price": plan["id"], "quantity": 1}]
        phase.update(start_date=start, end_date=end, currency=plan["currency"], items=items)
        done_at = min(g.end - 1, t + DAY)
        sched.update(
            phases=[phase],
            current_phase={"start_date": start, "end_date": end} if status == "active" else None,
            subscription=sub["id"] if sub else None,
            released_subscription=sub["id"] if status == "released" and sub else None,
            canceled_at=done_at if status == "canceled" else None,
            completed_at=done_at if status == "completed" else None,
            released_at=done_at if status == "released" else None,
            end_behavior=g.rng.choice(("release", "cancel")),
            test_clock=None,
            application=None,
        )
        settings = dict(sched["default_settings"])
        settings.update(transfer_data=None, on_behalf_of=None, default_payment_method=None)
        sched["default_settings"] = settings


def _rates(g: Gen, taxes: int, shipping: int) -> None:
    for i in range(taxes):
        name, country, state, kind, pct, inclusive = _TAX_RATES[i % len(_TAX_RATES)]
        jurisdiction = f"{country}-{state}" if state else country
        g.add(
            g.make(
                "tax_rate",
                g.when("tax_rate"),
                active=i % 4 != 3,
                country=country,
                description=f"{name} {jurisdiction}",
                display_name=name,
                effective_percentage=pct if i % 2 == 0 else None,
                inclusive=inclusive,
                jurisdiction=jurisdiction,
                jurisdiction_level="state" if state else "country",
                percentage=pct,
                state=state,
                tax_type=kind,
            )
        )
    for i in range(shipping):
        name, amount, low, high = _SHIPPING[i % len(_SHIPPING)]
        g.add(
            g.make(
                "shipping_rate",
                g.when("shipping_rate"),
                active=i % 4 != 3,
                display_name=name,
                fixed_amount={"amount": amount, "currency": "usd"},
                delivery_estimate={
                    "maximum": {"unit": "business_day", "value": high},
                    "minimum": {"unit": "business_day", "value": low},
                }
                if i % 2 == 0
                else None,
                tax_behavior=g.rng.choice(("exclusive", "inclusive", "unspecified")),
                tax_code="txcd_92010001" if i % 3 == 0 else None,
                type="fixed_amount",
            )
        )
