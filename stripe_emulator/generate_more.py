"""Generation of the resources beyond the seed's 22: billing, risk, files and money in.

Called by :func:`stripe_emulator.generate.build_account` once the payments exist, with the
same guarantees: deterministic by seed, ``created`` in the account's span, links to existing
objects created no later than the linking object, each status Stripe has on some object, and
every optional field on a share of each type's newest objects.

* Setup intents in each status, with the error, next action or attempt that status has.
* Credit notes on finalized invoices (issued or void), each with its one line embedded.
* Subscription schedules of customers (not started, active, completed, released, canceled).
* Tax rates and shipping rates (the account's small catalogues of them).
* Reviews of charges (open ones listed; closed ones only arrive by events, as at Stripe),
  early fraud warnings of charges, top-ups with their balance transactions, application
  fees of charges (some refunded, the refund embedded), files and the file links that point
  at them (embedded in the file), report runs (their result a file), Radar value lists and
  their items (the first list with more than 10, so that ``has_more`` is exercised).
* Reversals of a share of transfers (whole or partial; one transfer with more than 10).
"""

from __future__ import annotations

from stripe_emulator.generate_base import (
    DAY,
    Gen,
    Obj,
    balance_transaction,
    embedded_list,
    suffix,
)

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
_REPORT_TYPES = (
    "balance.summary.1",
    "balance_change_from_activity.itemized.3",
    "payouts.itemized.3",
)


def more_resources(g: Gen, counts: dict[str, int]) -> None:
    """Add every type of :data:`WEIGHTS`, ``counts[type]`` of each."""
    _setup_intents(g, counts["setup_intent"])
    _credit_notes(g, counts["credit_note"])
    _schedules(g, counts["subscription_schedule"])
    _rates(g, counts["tax_rate"], counts["shipping_rate"])
    _risk(g, counts["review"], counts["radar.early_fraud_warning"])
    _topups(g, counts["topup"])
    _application_fees(g, counts["application_fee"])
    _files(g, counts["file"], counts["file_link"], counts["reporting.report_run"])
    _value_lists(g, counts["radar.value_list"])
    _reversals(g)


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


def _risk(g: Gen, reviews: int, warnings: int) -> None:
    charges = [c for c in g.by_type.get("charge", []) if c["status"] == "succeeded"]
    reasons = ("approved", "refunded", "refunded_as_fraud", "disputed", "redacted")
    for i in range(min(reviews, len(charges))):
        ch = charges[(i * 11) % len(charges)]
        t = g.when("review", ch["created"])
        is_open = i % 3 != 1
        closed = None if is_open else reasons[(i // 3) % len(reasons)]
        opened = g.rng.choice(("rule", "manual"))
        review = g.add(
            g.make(
                "review",
                t,
                charge=ch["id"],
                payment_intent=ch["payment_intent"] or "",
                open=is_open,
                opened_reason=opened,
                reason=closed or opened,
                closed_reason=closed,
                billing_zip=None,
                ip_address=None,
                ip_address_location=None,
                session=None,
            )
        )
        ch["review"] = review["id"]
        if i % 2 == 0:
            review.update(
                billing_zip="94107",
                ip_address=f"203.0.113.{g.rng.randrange(1, 255)}",
                ip_address_location={
                    "city": "San Francisco",
                    "country": "US",
                    "latitude": 37.7749,
                    "longitude": -122.4194,
                    "region": "CA",
                },
                session={
                    "browser": "Chrome",
                    "device": "Mac",
                    "platform": "macOS",
                    "version": "126.0",
                },
            )
    types = (
        "fraudulent_card_application",
        "made_with_stolen_card",
        "unauthorized_use_of_card",
        "misc",
    )
    for i in range(min(warnings, len(charges))):
        ch = charges[(i * 13 + 5) % len(charges)]
        g.add(
            g.make(
                "radar.early_fraud_warning",
                g.when("radar.early_fraud_warning", ch["created"]),
                actionable=i % 3 != 2,
                charge=ch["id"],
                fraud_type=types[i % len(types)],
                payment_intent=ch["payment_intent"] or "",
            )
        )


def _topups(g: Gen, n: int) -> None:
    statuses = ("succeeded", "pending", "failed", "canceled", "reversed")
    for i in range(n):
        t = g.when("topup")
        status = statuses[i] if i < len(statuses) else g.rng.choice(("succeeded",) * 3 + statuses)
        amount = g.amount(10_000, 200_000)
        tu = g.add(
            g.make(
                "topup",
                t,
                amount=amount,
                currency="usd",
                description="Top-up for Connect payouts" if i % 2 == 0 else None,
                expected_availability_date=t + 5 * DAY,
                failure_code="insufficient_funds" if status == "failed" else None,
                failure_message="The bank account has insufficient funds."
                if status == "failed"
                else None,
                statement_descriptor="TOPUP" if i % 3 == 0 else None,
                status=status,
                transfer_group=f"group_{suffix(g, 8)}" if i % 4 == 1 else None,
                balance_transaction=None,
            )
        )
        if tu["source"]:
            tu["source"] = {**tu["source"], "id": f"src_{suffix(g)}", "created": t}
        if status in ("succeeded", "reversed"):
            tu["balance_transaction"] = balance_transaction(g, t, amount, tu["id"], "topup")["id"]


def _application_fees(g: Gen, n: int) -> None:
    charges = [c for c in g.by_type.get("charge", []) if c["status"] == "succeeded"]
    application = f"ca_{suffix(g, 32)}"
    for i in range(min(n, len(charges))):
        ch = charges[(i * 17 + 3) % len(charges)]
        t = ch["created"]
        amount = max(50, int(ch["amount"]) // 10)
        fee = g.add(
            g.make(
                "application_fee",
                t,
                account=f"acct_{suffix(g, 16)}",
                amount=amount,
                amount_refunded=0,
                application=application,
                charge=ch["id"],
                currency=ch["currency"],
                fee_source={"charge": ch["id"], "type": "charge"},
                originating_transaction=None,
                refunded=False,
            )
        )
        fee["balance_transaction"] = balance_transaction(
            g, t, amount, fee["id"], "application_fee"
        )["id"]
        # the first fee refunded in 12 parts (past the embedded 10), one in three whole
        n_refunds = 12 if i == 0 else int(i % 3 == 1)
        part = amount if n_refunds == 1 else max(1, amount // 24)
        times = sorted((g.rng.randrange(t, g.end) for _ in range(n_refunds)), reverse=True)
        for when in times:  # newest first, as Stripe lists them
            refund = g.make(
                "fee_refund", when, amount=part, currency=fee["currency"], fee=fee["id"]
            )
            refund["balance_transaction"] = balance_transaction(
                g, when, -part, refund["id"], "application_fee_refund"
            )["id"]
            g.add(refund, fee["id"])
        if n_refunds:
            fee.update(amount_refunded=part * n_refunds, refunded=n_refunds == 1)


def _files(g: Gen, files: int, links: int, runs: int) -> None:
    purposes = ("dispute_evidence", "identity_document", "business_logo", "customer_signature")
    kinds = {"dispute_evidence": "pdf", "identity_document": "jpg", "business_logo": "png"}
    made: list[Obj] = []
    for i in range(files):
        purpose = purposes[i % len(purposes)]
        kind = kinds.get(purpose, "png")
        made.append(
            g.add(
                g.make(
                    "file",
                    g.when("file"),
                    purpose=purpose,
                    filename=f"{purpose}_{i + 1}.{kind}",
                    size=g.rng.randrange(2_000, 2_000_000),
                    title=f"Upload {i + 1}" if i % 3 == 0 else None,
                    type=kind,
                    expires_at=None,
                )
            )
        )
    g.sorted_pool("file")
    by_file: dict[str, list[Obj]] = {}
    for i in range(links):
        t = g.when("file_link")
        target = g.pick_before("file", t)
        assert target is not None
        expired = i % 4 == 3
        link = g.add(
            g.make(
                "file_link",
                max(t, target["created"]),
                expired=expired,
                expires_at=min(g.end - 1, t + DAY) if expired or i % 2 == 0 else None,
                file=target["id"],
                url=f"https://files.stripe.com/links/{suffix(g, 64)}",
            )
        )
        by_file.setdefault(target["id"], []).insert(0, link)
    for i in range(runs):
        t = g.when("reporting.report_run")
        status = ("succeeded", "pending", "failed")[i % 3] if i < 3 else "succeeded"
        run = g.add(
            g.make(
                "reporting.report_run",
                t,
                report_type=_REPORT_TYPES[i % len(_REPORT_TYPES)],
                parameters={"interval_end": t - t % DAY, "interval_start": t - t % DAY - 30 * DAY},
                status=status,
                error="No data is available for the requested interval."
                if status == "failed"
                else None,
                result=None,
                succeeded_at=t + 60 if status == "succeeded" else None,
            )
        )
        if status == "succeeded":
            result = g.make(
                "file",
                t + 60,
                purpose="finance_report_run",
                filename=f"frr_{run['id'][4:]}.csv",
                size=g.rng.randrange(1_000, 500_000),
                title=f"FinanceReportRun {run['id']}",
                type="csv",
                expires_at=t + 60 + 365 * DAY,
            )
            result.pop("links", None)
            result["url"] = f"https://files.stripe.com/v1/files/{result['id']}/contents"
            run["result"] = result
    for f in made:
        f["url"] = f"https://files.stripe.com/v1/files/{f['id']}/contents"
        f["links"] = embedded_list(by_file.get(f["id"], []), f"/v1/file_links?file={f['id']}")


_VALUE_LISTS = (
    ("ip_address", "Blocked IPs", "blocked_ips"),
    ("email", "Trusted customers", "trusted_emails"),
    ("country", "Blocked countries", "blocked_countries"),
    ("card_bin", "Corporate BINs", "corporate_bins"),
)


def _item_value(kind: str, k: int) -> str:
    """The ``k``-th value of a list of ``kind`` items."""
    return {
        "ip_address": f"198.51.100.{k % 250 + 1}",
        "email": f"buyer{k}@example.com",
        "country": ("KP", "IR", "SY")[k % 3],
    }.get(kind, f"{424242 + k}")


def _value_lists(g: Gen, n: int) -> None:
    for i in range(n):
        kind, name, alias = _VALUE_LISTS[i % len(_VALUE_LISTS)]
        t = g.when("radar.value_list")
        suffix = f"_{i // len(_VALUE_LISTS)}" if i >= len(_VALUE_LISTS) else ""
        vl = g.add(
            g.make(
                "radar.value_list",
                t,
                alias=alias + suffix,
                created_by="jenny@example.com",
                item_type=kind,
                name=name,
            )
        )
        n_items = 12 if i == 0 else g.rng.choice((0, 1, 2, 3))
        times = sorted((g.rng.randrange(t, g.end) for _ in range(n_items)), reverse=True)
        for k, when in enumerate(times):  # Stripe lists a list's items newest first
            g.add(
                g.make(
                    "radar.value_list_item",
                    when,
                    created_by=vl["created_by"],
                    value=_item_value(kind, k),
                    value_list=vl["id"],
                ),
                vl["id"],
            )


def _reversals(g: Gen) -> None:
    transfers = sorted(g.by_type.get("transfer", []), key=lambda t: (-t["created"], t["id"]))
    for i, tr in enumerate(transfers[::3]):
        n = 12 if i == 0 else 1
        whole = i % 2 == 1
        part = int(tr["amount"]) if whole else max(1, int(tr["amount"]) // (2 * n))
        times = sorted((g.rng.randrange(tr["created"], g.end) for _ in range(n)), reverse=True)
        for when in times:  # Stripe lists a transfer's reversals newest first
            rev = g.make(
                "transfer_reversal",
                when,
                amount=part,
                currency=tr["currency"],
                transfer=tr["id"],
                destination_payment_refund=f"pyr_{suffix(g)}",
                source_refund=None,
            )
            rev["balance_transaction"] = balance_transaction(
                g, when, part, rev["id"], "transfer_refund"
            )["id"]
            g.add(rev, tr["id"])
        tr.update(amount_reversed=part * n, reversed=whole)
