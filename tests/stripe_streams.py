"""The 22 streams as Stripe holds them: what each test expects the connector to emit."""

from __future__ import annotations

from typing import Any

from stripe_emulator import Account

TOP_LEVEL = {
    "balance_transactions": "balance_transaction",
    "charges": "charge",
    "checkout_sessions": "checkout.session",
    "coupons": "coupon",
    "customers": "customer",
    "disputes": "dispute",
    "events": "event",
    "invoice_items": "invoiceitem",
    "invoices": "invoice",
    "payment_intents": "payment_intent",
    "payouts": "payout",
    "plans": "plan",
    "products": "product",
    "promotion_codes": "promotion_code",
    "refunds": "refund",
    "subscriptions": "subscription",
    "transfers": "transfer",
}
#: child stream -> (parent object type, child object type, child field naming the parent)
CHILDREN = {
    "bank_accounts": ("customer", "bank_account", "customer"),
    "customer_balance_transactions": ("customer", "customer_balance_transaction", "customer"),
    "invoice_line_items": ("invoice", "line_item", "invoice"),
    "subscription_items": ("subscription", "subscription_item", "subscription"),
    "checkout_sessions_line_items": ("checkout.session", "item", "checkout_session"),
}
SEED_FULL_REFRESH = frozenset(CHILDREN) - {"checkout_sessions_line_items"}
ALL_STREAMS = sorted([*TOP_LEVEL, *CHILDREN])


def created(obj: dict[str, Any]) -> int:
    """When Stripe says the object was created (invoice items carry ``date`` instead)."""
    return int(obj["created"] if "created" in obj else obj["date"])


def expected_ids(account: Account, stream: str, since: int) -> list[str]:
    """Ids Stripe holds for ``stream`` whose object (or parent) was created at/after ``since``."""
    if stream in TOP_LEVEL:
        return [o["id"] for o in account.objects(TOP_LEVEL[stream]) if created(o) >= since]
    parent_type, child_type, _ = CHILDREN[stream]
    return [
        child["id"]
        for parent in account.objects(parent_type)
        if parent["created"] >= since
        for child in account.children(child_type, parent["id"])
    ]
