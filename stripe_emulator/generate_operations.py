"""Generation of in-person, card-program and reporting resources: Terminal, Issuing designs and
bundles, Climate orders, Financial Connections accounts, report types, Sigma query runs.

Called by :func:`stripe_emulator.generate.build_account` once the rest of the account exists,
with the same guarantees: deterministic by seed (its own random stream, so the other types
keep their objects), ``created`` in the account's span where the type has one, links to
existing objects (files, customers, payments), every status Stripe has on some object and
every optional field on some and absent or null on others. Terminal locations, readers and
configurations, physical bundles and report types have no ``created`` field: Stripe lists them
without one, newest first. An emulator can still answer the lists of Terminal, Climate and
Sigma as an account without the product (``FEATURES`` in ``resources.py``).

* Terminal configurations, locations and readers (``generate_terminal.py``).
* Issuing physical bundles (standard and custom, each status) and the personalization
  designs printed on them (each status; rejected ones say why).
* Climate orders in each status, the delivered ones with their deliveries.
* Financial Connections accounts of customers, in each status and category, with and without
  balances, ownership and transaction refreshes.
* Report types (Stripe's catalogue: each with the day its data is available until) and Sigma
  scheduled query runs in each status (a completed one's result a file).
"""

from __future__ import annotations

import random

from stripe_emulator.generate_base import DAY, Gen, Obj, embedded_list
from stripe_emulator.generate_terminal import terminal
from stripe_emulator.templates import template

_REPORT_TYPES = (
    ("balance.summary.1", "Balance summary", ["category", "currency", "net_amount"]),
    ("balance_change_from_activity.itemized.3", "Balance change from activity", None),
    ("payouts.itemized.3", "Payouts", ["payout_id", "effective_at", "gross", "net"]),
)


def operations(g: Gen, counts: dict[str, int], seed: int) -> None:
    """Add every type of this module: small catalogues (Terminal, bundles, report types) and
    about ``counts["customer"] / 10`` Climate orders, Financial Connections accounts and
    query runs (at least one of each status)."""
    shared_rng, g.rng = g.rng, random.Random(f"{seed}-operations")
    try:
        many = max(5, counts.get("customer", 0) // 10)
        files = [f["id"] for f in g.by_type.get("file", [])] or ["file_placeholder"]
        terminal(g, files)
        bundles = _physical_bundles(g)
        _personalization_designs(g, bundles, files)
        _climate_orders(g, many)
        _financial_connections_accounts(g, many)
        _report_types(g)
        _query_runs(g, many)
    finally:
        g.rng = shared_rng


def _physical_bundles(g: Gen) -> list[Obj]:
    out = []
    rows = (
        ("Standard white", "standard", "active", ("optional", "optional", "optional")),
        ("Standard black", "standard", "active", ("unsupported", "optional", "required")),
        ("Custom metal", "custom", "review", ("required", "unsupported", "unsupported")),
        ("Retired blue", "custom", "inactive", ("optional", "required", "unsupported")),
    )
    for name, kind, status, (logo, carrier, second) in rows:
        bundle = g.make(
            "issuing.physical_bundle",
            None,
            name=name,
            type=kind,
            status=status,
            features={"card_logo": logo, "carrier_text": carrier, "second_line": second},
        )
        out.append(g.add(bundle))
    return out


def _personalization_designs(g: Gen, bundles: list[Obj], files: list[str]) -> None:
    statuses = ("active", "review", "rejected", "inactive")
    for i, status in enumerate(statuses):
        t = g.when("issuing.personalization_design")
        rejected = status == "rejected"
        design = g.make(
            "issuing.personalization_design",
            t,
            name=f"Card design {i + 1}" if i % 3 else None,
            lookup_key=f"design_{i + 1}" if i % 2 == 0 else None,
            physical_bundle=bundles[i % len(bundles)]["id"],
            card_logo=files[i % len(files)] if i % 2 == 0 else None,
            carrier_text={
                "footer_body": "Questions? Call us." if i % 3 == 0 else None,
                "footer_title": "Support" if i % 3 == 0 else None,
                "header_body": "Your new card is here.",
                "header_title": "Welcome",
            }
            if i % 2 == 1 or rejected
            else None,
            preferences={"is_default": i == 0, "is_platform_default": None if i else False},
            rejection_reasons={
                "card_logo": ["geographic_location"] if rejected else None,
                "carrier_text": ["inappropriate"] if rejected else None,
            },
            status=status,
            metadata={"team": "cards"} if i % 2 else {},
        )
        g.add(design)


def _climate_orders(g: Gen, n: int) -> None:
    statuses = ("open", "awaiting_funds", "confirmed", "delivered", "canceled")
    for i in range(max(n, len(statuses))):
        t = g.when("climate.order")
        status = statuses[i % len(statuses)]
        tons = 1 + i % 4
        subtotal = 58_000 * tons // 100
        confirmed = t + DAY if status in ("confirmed", "delivered") else None
        order = g.make(
            "climate.order",
            t,
            amount_subtotal=subtotal,
            amount_fees=subtotal * 3 // 100,
            amount_total=subtotal + subtotal * 3 // 100,
            currency="usd",
            metric_tons=f"{tons / 100:.2f}",
            expected_delivery_year=2027 + i % 3,
            product=("climsku_frontier_offtake_portfolio_2027", "climsku_frontier_offtake_2028")[
                i % 2
            ],
            status=status,
            confirmed_at=confirmed,
            canceled_at=t + 2 * DAY if status == "canceled" else None,
            cancellation_reason=("requested", "expired", "product_unavailable")[i % 3]
            if status == "canceled"
            else None,
            delayed_at=t + 3 * DAY if i % 4 == 2 and status != "canceled" else None,
            delivered_at=t + 30 * DAY if status == "delivered" else None,
            product_substituted_at=t + 5 * DAY if i % 6 == 3 else None,
            certificate=f"https://climate.stripe.com/certificates/{i}"
            if status == "delivered"
            else None,
            delivery_details=_deliveries(t, tons) if status == "delivered" else [],
            beneficiary={"public_name": f"Rocket Rides {i}"} if i % 2 == 0 else None,
            metadata={"campaign": "1%"} if i % 3 == 0 else {},
        )
        g.add(order)


def _deliveries(t: int, tons: int) -> list[Obj]:
    supplier = {
        "id": "climsup_charm_industrial",
        "info_url": "https://frontierclimate.com/portfolio/charm-industrial",
        "livemode": False,
        "locations": [{"city": "San Francisco", "country": "US", "region": "CA"}],
        "name": "Charm Industrial",
        "object": "climate.supplier",
        "removal_pathway": "biomass_carbon_removal_and_storage",
    }
    return [
        {
            "delivered_at": t + 30 * DAY,
            "location": {"city": "Wichita", "country": "US", "region": "KS"} if tons % 2 else None,
            "metric_tons": f"{tons / 100:.2f}",
            "registry_url": "https://registry.example.com/removals/1" if tons % 2 else None,
            "supplier": supplier,
        }
    ]


def _financial_connections_accounts(g: Gen, n: int) -> None:
    statuses = ("active", "active", "inactive", "disconnected")
    kinds = (
        ("cash", "checking"),
        ("cash", "savings"),
        ("credit", "credit_card"),
        ("credit", "line_of_credit"),
        ("investment", "other"),
        ("other", "mortgage"),
    )
    for i in range(max(n, 6)):
        t = g.when("financial_connections.account")
        customer = g.pick_before("customer", t) if g.pool_times.get("customer") else None
        category, subcategory = kinds[i % len(kinds)]
        refreshed = i % 3 != 2
        refresh_status = ("succeeded", "failed", "pending")[i % 3]
        balance: Obj | None = None
        if refreshed and category in ("cash", "credit"):
            balance = {"as_of": t + DAY, "current": {"usd": 100_000 + 137 * i}, "type": category}
            if category == "cash":
                balance["cash"] = {"available": {"usd": 90_000 + 137 * i}}
            else:
                balance["credit"] = {"used": {"usd": 12_000 + i}}
        account = g.make(
            "financial_connections.account",
            t,
            account_holder=None
            if i % 5 == 4
            else (
                {"account": g.acct.id, "type": "account"}
                if i % 5 == 0 or customer is None
                else {"customer": customer["id"], "type": "customer"}
            ),
            category=category,
            subcategory=subcategory,
            status=statuses[i % len(statuses)],
            display_name=f"{subcategory.replace('_', ' ').title()} {i}" if i % 4 else None,
            institution_name=("StripeBank", "Test Institution")[i % 2],
            last4=f"{6789 - i:04d}" if i % 4 != 3 else None,
            balance=balance,
            balance_refresh={
                "last_attempted_at": t + DAY,
                "next_refresh_available_at": t + 2 * DAY if refresh_status != "pending" else None,
                "status": refresh_status,
            }
            if refreshed
            else None,
            ownership=f"fcaowns_{i:024d}" if i % 2 == 0 else None,
            ownership_refresh={
                "last_attempted_at": t + DAY,
                "next_refresh_available_at": None,
                "status": refresh_status,
            }
            if i % 2 == 0
            else None,
            permissions=["balances", "ownership", "payment_method", "transactions"][: 1 + i % 4]
            if i % 6 != 5
            else None,
            subscriptions=["transactions"] if i % 3 == 0 else ([] if i % 3 == 1 else None),
            supported_payment_method_types=["us_bank_account", "link"][: 1 + i % 2]
            if category == "cash"
            else [],
            transaction_refresh={
                "id": f"fctxnref_{i:024d}",
                "last_attempted_at": t + DAY,
                "next_refresh_available_at": None,
                "status": refresh_status,
            }
            if i % 3 == 0
            else None,
        )
        g.add(account)


def _report_types(g: Gen) -> None:
    """Stripe's catalogue (ids are names, not random); each type's data ends a day before the
    account's last day, and was last updated then."""
    for i, (oid, name, columns) in enumerate(_REPORT_TYPES[:3]):
        report = template("reporting.report_type")
        end = g.end - (1 + i % 2) * DAY
        report.update(
            id=oid,
            object="reporting.report_type",
            livemode=False,
            name=name,
            data_available_start=g.start,
            data_available_end=end,
            updated=end + 3600,
            default_columns=columns,
            version=int(oid.rsplit(".", 1)[1]),
        )
        g.add(report)


def _query_runs(g: Gen, n: int) -> None:
    statuses = ("completed", "completed", "failed", "timed_out", "canceled")
    for i in range(max(n, len(statuses))):
        t = g.when("scheduled_query_run")
        status = statuses[i % len(statuses)]
        file: Obj | None = None
        if status == "completed":
            file = template("file")  # the run's result: a file of its own
            fid = g.new_id("file")
            file.update(
                id=fid,
                url=f"https://files.stripe.com/v1/files/{fid}/contents",
                created=t,
                purpose="sigma_scheduled_query",
                filename=f"query_run_{i}.csv",
                title=None,
                type="csv",
                size=512 + i,
                expires_at=t + 30 * DAY,
                links=embedded_list([], f"/v1/file_links?file={fid}"),
            )
        run = g.make(
            "scheduled_query_run",
            t,
            data_load_time=t - 3600,
            result_available_until=t + 30 * DAY,
            sql=("SELECT count(*) FROM charges", "SELECT id, amount FROM payouts")[i % 2],
            title=("Daily charges", "Payouts this week")[i % 2],
            status=status,
            file=file,
            error={"message": "Query exceeded the time limit."} if status == "failed" else None,
        )
        g.add(run)
