"""Generation of a customer's cash balance, products' features and forwarding requests.

Called by :func:`stripe_emulator.generate_payments.payment_resources` (same guarantees, same
random stream):

* A cash balance for a customer, with one transaction of each kind that has details
  (funded, applied to and unapplied from payments, refunded, transferred, overdraft), the
  balance embedded in the customer (includable: sent when expanded).
* Features of products (each an entitlement feature), one product with none.
* Forwarding requests (with and without a response; the API lists them by ``created``).
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen
from stripe_emulator.templates import template


def cash_features_forwarding(g: Gen) -> None:
    """Add the cash balance transactions, the product features and forwarding requests."""
    _cash_balances(g)
    _product_features(g)
    _forwarding_requests(g)


_CASH_KINDS = (
    ("funded", 10_000),
    ("applied_to_payment", -3_000),
    ("unapplied_from_payment", 1_000),
    ("refunded_from_payment", 500),
    ("transferred_to_balance", -2_000),
    ("adjusted_for_overdraft", 200),
    ("return_initiated", -200),
)


def _cash_balances(g: Gen) -> None:
    customers = g.by_type.get("customer", [])
    owner = customers[min(2, len(customers) - 1)]
    pi = (g.by_type.get("payment_intent") or [{"id": "pi_none"}])[0]["id"]
    refund = (g.by_type.get("refund") or [{"id": "re_none"}])[0]["id"]
    txn = (g.by_type.get("balance_transaction") or [{"id": "txn_none"}])[0]["id"]
    balance, made = 0, []
    t = owner["created"]
    for kind, amount in _CASH_KINDS:
        t = g.when("customer_cash_balance_transaction", t)
        balance += amount
        obj = g.make(
            "customer_cash_balance_transaction",
            t,
            customer=owner["id"],
            currency="eur",
            type=kind,
            net_amount=amount,
            ending_balance=balance,
        )
        for name in [k for k, v in obj.items() if isinstance(v, dict)]:
            obj.pop(name)  # only the details of its own kind
        details = {
            "funded": {
                "bank_transfer": {
                    "eu_bank_transfer": {
                        "bic": "BANKDEAAXXX",
                        "iban_last4": "7089",
                        "sender_name": "Sample Business GmbH",
                    },
                    "reference": "Payment for Invoice 7FE1103-155",
                    "type": "eu_bank_transfer",
                }
            },
            "applied_to_payment": {"payment_intent": pi},
            "unapplied_from_payment": {"payment_intent": pi},
            "refunded_from_payment": {"refund": refund},
            "transferred_to_balance": {"balance_transaction": txn},
            "adjusted_for_overdraft": {"balance_transaction": txn, "linked_transaction": txn},
        }.get(kind)
        if details is not None:
            obj[kind] = details
        made.append(obj)
    for obj in reversed(made):  # newest first, as Stripe lists them
        g.add(obj, owner["id"])
    owner["cash_balance"] = {
        "available": {"eur": balance},
        "customer": owner["id"],
        "livemode": False,
        "object": "cash_balance",
        "settings": {"reconciliation_mode": "automatic", "using_merchant_default": True},
    }


_FEATURES = ("Priority support", "SSO", "Audit log", "API access")


def _product_features(g: Gen) -> None:
    features = [
        {
            "active": n != 3,  # an archived feature stays attached
            "id": f"feat_{g.rng.randrange(10**20)}",
            "livemode": False,
            "lookup_key": name.lower().replace(" ", "-"),
            "metadata": {"plan": "pro"} if n == 0 else {},
            "name": name,
            "object": "entitlements.feature",
        }
        for n, name in enumerate(_FEATURES)
    ]
    for i, product in enumerate(g.by_type.get("product", [])):
        many = len(features) if i == 0 else (0 if i % 2 else 1)
        for n in range(many):
            feature = features[(i + n) % len(features)]
            g.add(g.make("product_feature", None, entitlement_feature=dict(feature)), product["id"])


def _forwarding_requests(g: Gen) -> None:
    for i in range(3):
        request = template("forwarding.request")
        g.add(
            g.make(
                "forwarding.request",
                g.when("forwarding.request"),
                payment_method=f"pm_{g.rng.randrange(10**20)}",
                replacements=["card_number", "card_cvc"] if i else ["card_number"],
                response_details=request["response_details"] if i != 1 else None,
                request_context=request["request_context"] if i != 2 else None,
            )
        )
