"""Generation of quotes, billing settings, webhook endpoints, tax ids and registrations, and
payment method settings (issue #14).

Called by :func:`stripe_emulator.generate.build_account` once the catalogue and the customers
exist, with the same guarantees: deterministic by seed, ``created`` in the account's span
(for the types that have one), links to objects created no later than the linking object,
each status Stripe has on some object, and every optional field on a share of each type.

* Line items of the payment links ``generate_catalogue`` made (the first has 12).
* Quotes of customers in each status (draft, open, accepted, canceled), their line items
  stored under the quote (sent only when expanded; the first quote has 12, past the embedded
  10), the invoice or subscription an accepted quote made, revisions (``from_quote``).
* Webhook endpoints (enabled and disabled, some pinned to an API version), customer portal
  configurations (the default one and others, active and not), billing meters (active and
  inactive), the account's own tax ids (each verification status), tax registrations
  (active, scheduled, expired), payment method domains and Apple Pay domains.
* Types without a creation time: billing alerts on the meters (active, inactive, archived;
  some for one customer), entitlement features (active and archived), payment method
  configurations (the default one, others, one a platform made).
"""

from __future__ import annotations

from stripe_emulator.generate_base import BIG_FAMILY, DAY, Gen, Obj
from stripe_emulator.generate_products import plan_item

#: Types made here -> their share of the account (a weight of ``_counts``).
WEIGHTS: dict[str, float] = {
    "quote": 0.006,
    "webhook_endpoint": 0.001,
    "billing_portal.configuration": 0.001,
    "billing.meter": 0.001,
    "tax_id": 0.001,
    "tax.registration": 0.001,
    "payment_method_domain": 0.001,
    "apple_pay_domain": 0.001,
    "billing.alert": 0.001,
    "entitlements.feature": 0.001,
    "payment_method_configuration": 0.001,
}
_QUOTE_STATUSES = ("draft", "open", "accepted", "canceled")
_TAX_IDS = (
    ("eu_vat", "DE", "DE123456789", "verified"),
    ("gb_vat", "GB", "GB123456789", "pending"),
    ("us_ein", "US", "12-3456789", "unavailable"),
    ("au_abn", "AU", "12345678912", "unverified"),
)
_REGISTRATIONS = (
    ("US", {"us": {"state": "CA", "type": "state_sales_tax"}}),
    ("DE", {"de": {"standard": {"place_of_supply_scheme": "standard"}, "type": "standard"}}),
    ("GB", {"gb": {"type": "standard"}}),
    ("AU", {"au": {"type": "standard"}}),
)
_EVENTS = (["charge.succeeded", "charge.failed"], ["invoice.paid"], ["*"])


def billing_resources(g: Gen, counts: dict[str, int]) -> None:
    """Add every type of :data:`WEIGHTS`, ``counts[type]`` of each."""
    _quotes(g, max(counts["quote"], len(_QUOTE_STATUSES) + 1))  # and a revision
    _webhook_endpoints(g, counts["webhook_endpoint"])
    _portal_configurations(g, counts["billing_portal.configuration"])
    _meters(g, counts["billing.meter"])
    _tax(g, counts["tax_id"], counts["tax.registration"])
    _domains(g, counts["payment_method_domain"], counts["apple_pay_domain"])
    _alerts(g, counts["billing.alert"])
    _features(g, counts["entitlements.feature"])
    _payment_method_configurations(g, counts["payment_method_configuration"])
    for i, link in enumerate(g.by_type.get("payment_link", [])):  # made by generate_catalogue
        _line_items(g, link, BIG_FAMILY if i == 0 else 1 + i % 3)


def _quotes(g: Gen, n: int) -> None:
    plans = g.by_type["plan"]
    for i in range(n):
        status = _QUOTE_STATUSES[i % len(_QUOTE_STATUSES)]
        t = g.when("quote")
        cus = g.pick_before("customer", t)
        plan = g.pick_before("plan", t) or plans[0]
        done_at = min(g.end - 1, t + DAY)
        quote = g.add(
            g.make(
                "quote",
                t,
                application=None,
                application_fee_amount=None,
                application_fee_percent=None,
                collection_method="send_invoice" if i % 3 == 2 else "charge_automatically",
                currency=plan["currency"],
                customer=cus["id"] if cus and (status != "draft" or i % 8 != 0) else None,
                description="Annual plan, billed monthly" if i % 2 == 0 else None,
                expires_at=t + 30 * DAY,
                footer="Thank you for your business" if i % 3 == 0 else None,
                from_quote=None,
                header="Quote" if i % 3 == 1 else None,
                invoice=None,
                number=None if status == "draft" else f"QT-{i + 1:06d}",
                on_behalf_of=None,
                status=status,
                status_transitions={
                    "accepted_at": done_at if status == "accepted" else None,
                    "canceled_at": done_at if status == "canceled" else None,
                    "finalized_at": t if status != "draft" else None,
                },
                subscription=None,
                subscription_schedule=None,
                test_clock=None,
                transfer_data=None,
            )
        )
        if status == "accepted" and cus is not None:
            subs = [s for s in g.by_type.get("subscription", []) if s["customer"] == cus["id"]]
            invoices = [v for v in g.by_type.get("invoice", []) if v["customer"] == cus["id"]]
            if subs:
                quote["subscription"] = subs[0]["id"]
            if invoices and i % 2 == 0:
                quote["invoice"] = invoices[0]["id"]
        if i % 5 == 4 and len(g.by_type["quote"]) > 1:  # a revision of an earlier quote
            quote["from_quote"] = {"is_revision": True, "quote": g.by_type["quote"][-2]["id"]}
        total = _line_items(g, quote, BIG_FAMILY if i == 0 else 1 + i % 3)
        recurring = plan.get("interval")
        quote.update(
            amount_subtotal=total,
            amount_total=total,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            computed={
                "recurring": {
                    "amount_subtotal": total,
                    "amount_total": total,
                    "interval": recurring,
                    "interval_count": 1,
                    "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                }
                if recurring and i % 2 == 0
                else None,
                "upfront": {
                    "amount_subtotal": total,
                    "amount_total": total,
                    "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                },
            },
            subscription_data={
                "description": "Subscription from a quote" if i % 2 == 0 else None,
                "effective_date": t + DAY if i % 4 == 1 else None,
                "metadata": {"quote_index": str(i)} if i % 3 == 0 else None,
                "trial_period_days": 14 if i % 4 == 3 else None,
            },
        )


def _line_items(g: Gen, parent: Obj, n: int) -> int:
    """Add ``n`` line items of the account's plans under a quote or a payment link (of its
    currency where it has one); their total."""
    total = 0
    plans = [p for p in g.by_type["plan"] if p["created"] <= parent.get("created", g.end)]
    plans = [p for p in plans if p["currency"] == parent.get("currency")] or plans
    plans = plans or g.by_type["plan"][:1]
    for _ in range(n):
        total += plan_item(g, g.rng.choice(plans), parent["id"])
    return total


def _webhook_endpoints(g: Gen, n: int) -> None:
    for i in range(n):
        g.add(
            g.make(
                "webhook_endpoint",
                g.when("webhook_endpoint"),
                api_version="2024-06-20" if i % 2 == 0 else None,
                application=None,
                description=f"Endpoint {i + 1}" if i % 3 != 2 else None,
                enabled_events=_EVENTS[i % len(_EVENTS)],
                metadata={"team": "data"} if i % 2 == 1 else {},
                status="disabled" if i % 3 == 1 else "enabled",
                url=f"https://example.com/stripe/webhooks/{i + 1}",
            )
        )


def _portal_configurations(g: Gen, n: int) -> None:
    for i in range(n):
        t = g.when("billing_portal.configuration")
        config = g.add(
            g.make(
                "billing_portal.configuration",
                t,
                active=i % 3 != 2,
                application=None,
                default_return_url="https://example.com/account" if i % 2 == 0 else None,
                is_default=i == 0,
                metadata={"plan": "pro"} if i % 2 == 1 else None,
                updated=min(g.end - 1, t + i * DAY),
            )
        )
        profile = dict(config["business_profile"])
        profile["headline"] = "Manage your subscription" if i % 2 == 0 else None
        config["business_profile"] = profile
        login: Obj = {"enabled": i % 2 == 0, "url": None}
        if login["enabled"]:
            login["url"] = f"https://billing.stripe.com/p/login/test_{config['id'][4:16]}"
        config["login_page"] = login


def _meters(g: Gen, n: int) -> None:
    for i in range(n):
        t = g.when("billing.meter")
        inactive = i % 3 == 2
        deactivated = min(g.end - 1, t + DAY) if inactive else None
        g.add(
            g.make(
                "billing.meter",
                t,
                customer_mapping={"event_payload_key": "stripe_customer_id", "type": "by_id"},
                default_aggregation={"formula": ("sum", "count")[i % 2]},
                display_name=f"API calls {i + 1}",
                event_name=f"api_calls_{i + 1}",
                event_time_window=(None, "day", "hour")[i % 3],
                status="inactive" if inactive else "active",
                status_transitions={"deactivated_at": deactivated},
                updated=min(g.end - 1, t + DAY),
                value_settings={"event_payload_key": "value"},
            )
        )


def _tax(g: Gen, ids: int, registrations: int) -> None:
    for i in range(ids):
        kind, country, value, verification = _TAX_IDS[i % len(_TAX_IDS)]
        g.add(
            g.make(
                "tax_id",
                g.when("tax_id"),
                country=country,
                customer=None,
                owner={"type": "self"},
                type=kind,
                value=value,
                verification={
                    "status": verification,
                    "verified_address": "Unter den Linden 1, Berlin"
                    if verification == "verified"
                    else None,
                    "verified_name": "Emulated GmbH" if verification == "verified" else None,
                },
            )
        )
    for i in range(registrations):
        country, options = _REGISTRATIONS[i % len(_REGISTRATIONS)]
        t = g.when("tax.registration")
        status = ("active", "scheduled", "expired")[i % 3]
        g.add(
            g.make(
                "tax.registration",
                t,
                active_from=t + 30 * DAY if status == "scheduled" else t,
                country=country,
                country_options=options,
                expires_at=min(g.end - 1, t + DAY) if status == "expired" else None,
                status=status,
            )
        )


def _domains(g: Gen, payment_method: int, apple_pay: int) -> None:
    for i in range(payment_method):
        wallets = {}
        for k, name in enumerate(("apple_pay", "google_pay", "link", "paypal")):
            wallet: Obj = {"status": "active" if (i + k) % 3 else "inactive"}
            if wallet["status"] == "inactive":
                wallet["status_details"] = {"error_message": "The domain could not be verified."}
            wallets[name] = wallet
        g.add(
            g.make(
                "payment_method_domain",
                g.when("payment_method_domain"),
                domain_name=f"shop{i + 1}.example.com",
                enabled=i % 3 != 2,
                **wallets,
            )
        )
    for i in range(apple_pay):
        g.add(
            g.make(
                "apple_pay_domain",
                g.when("apple_pay_domain"),
                domain_name=f"pay{i + 1}.example.com",
            )
        )


def _alerts(g: Gen, n: int) -> None:
    meters = g.by_type.get("billing.meter", [])
    customers = g.by_type.get("customer", [])
    for i in range(n):
        meter = meters[i % len(meters)]
        g.add(
            g.make(
                "billing.alert",
                None,
                alert_type="usage_threshold",
                filter={"customer": customers[i % len(customers)]["id"]} if i % 2 == 1 else None,
                status=("active", "inactive", "archived")[i % 3],
                title=f"{meter['display_name']} over {1000 * (i + 1)}",
                usage_threshold_config={
                    "gte": 1000 * (i + 1),
                    "meter": meter["id"],
                    "recurrence": "one_time",
                },
            )
        )


def _features(g: Gen, n: int) -> None:
    for i in range(n):
        g.add(
            g.make(
                "entitlements.feature",
                None,
                active=i % 3 != 2,  # an archived feature is inactive
                lookup_key=f"feature_{i + 1}",
                metadata={"tier": "pro"} if i % 2 == 0 else {},
                name=f"Feature {i + 1}",
            )
        )


def _payment_method_configurations(g: Gen, n: int) -> None:
    for i in range(n):
        config = g.make(
            "payment_method_configuration",
            None,
            active=i % 3 != 2,
            application=None,
            is_default=i == 0,
            name="Default" if i == 0 else f"Checkout {i}",
            parent=None,
        )
        if i % 3 == 1:  # a configuration a platform made for this account
            config.update(
                application="ca_EmulatedPlatform", parent=g.new_id("payment_method_configuration")
            )
        for k, method in enumerate(("card", "link", "paypal", "klarna")):
            on = (i + k) % 2 == 0
            config[method] = {
                "available": on,
                "display_preference": {
                    "overridable": None if i == 0 else True,
                    "preference": "on" if on else ("off", "none")[k % 2],
                    "value": "on" if on else "off",
                },
            }
        g.add(config)
