"""An emulated account as the warehouse and schema tests use it, and the changes a user's
Stripe account sees between two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stripe_emulator import Account
from tests.support.accounts import DATA_END, make_account
from tests.support.streams import TOP_LEVEL

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "tap_stripe_flow" / "schemas"


def as_ids(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with every object where ``schema`` says string replaced by its ``id``."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if isinstance(value, dict):
        if "object" not in types and "string" in types and "id" in value:
            return value["id"]
        properties = schema.get("properties", {})
        return {k: as_ids(v, properties[k]) if k in properties else v for k, v in value.items()}
    if isinstance(value, list) and "items" in schema:
        return [as_ids(v, schema["items"]) for v in value]
    return value


def send_ids_as_stripe_does(account: Account) -> None:
    """Make the emulator send expandable fields as ids, as Stripe does unless asked to expand.

    The emulator's templates copy Stripe's fixtures, some of which show a field expanded
    (``transfer_data.destination`` of charges, payment intents and subscriptions: a stub
    account object); Stripe's API sends its id. A no-op once the emulator sends ids.
    """
    for stream, object_type in TOP_LEVEL.items():
        schema = json.loads((SCHEMA_DIR / f"{stream}.json").read_text())
        for obj in account.objects(object_type):
            fixed = as_ids(obj, schema)
            changed = {k: v for k, v in fixed.items() if v != obj.get(k)}
            if changed:
                account.update(object_type, obj["id"], **changed)


def stripe_account() -> Account:
    """A small account whose clock stands at the end of its data, so that its last month of
    events is listed (Stripe keeps 30 days); the test moves the clock on for the changes."""
    account = make_account(objects=300, seed=11)
    end = int(DATA_END.timestamp())
    account.clock = lambda: end
    send_ids_as_stripe_does(account)
    return account


def change_the_account(account: Account) -> dict[str, Any]:
    """Updates, creations and deletions, as a user's Stripe account sees between two runs."""
    customers = account.objects("customer")
    renamed = {c["id"]: f"Renamed {n}" for n, c in enumerate(customers[-3:])}  # the oldest
    for oid, name in renamed.items():
        account.update("customer", oid, name=name)
    invoices = account.objects("invoice")[-2:]
    for invoice in invoices:
        account.update("invoice", invoice["id"], description="finalized later")
    created = {
        "customers": {account.create("customer", name=f"New {n}")["id"] for n in range(2)},
        "coupons": {account.create("coupon")["id"]},
        "products": {account.create("product", name="New product")["id"]},
    }
    deleted = {
        "coupons": {account.objects("coupon")[-1]["id"]},
        "customers": {customers[0]["id"]},
        "invoice_items": {account.objects("invoiceitem")[-1]["id"]},
    }
    for stream, ids in deleted.items():
        kind = {"coupons": "coupon", "customers": "customer", "invoice_items": "invoiceitem"}
        for oid in ids:
            account.delete(kind[stream], oid)
    return {
        "renamed": renamed,
        "described": {i["id"] for i in invoices},
        "created": created,
        "deleted": deleted,
    }
