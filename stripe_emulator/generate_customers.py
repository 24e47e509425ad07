"""Generation of the seed's customers, their payment sources (cards and bank accounts) and
their balance transactions.

Called by :func:`stripe_emulator.generate.build_account` after the catalogue, from the
account's main random stream: the first customer has more than 10 sources (so ``has_more``
is exercised), mixing cards and bank accounts, the first one its default source; a balance
transaction moves its customer's ``balance`` and is created no earlier than the customer.
"""

from __future__ import annotations

from typing import Any

from stripe_emulator.generate_base import BIG_FAMILY, Gen, Obj

_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Ken",
    "Radia",
    "Linus",
    "Margaret",
    "Tim",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Hedy",
)
_SURNAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Hamilton",
    "Berners-Lee",
    "Allen",
    "Backus",
    "Johnson",
)


def customers(g: Gen, counts: dict[str, int]) -> None:
    """Add ``counts[type]`` customers (with their sources) and customer balance transactions."""
    for i in range(counts["customer"]):
        first, last = g.rng.choice(_NAMES), g.rng.choice(_SURNAMES)
        cus = g.add(
            g.make(
                "customer",
                g.when("customer"),
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{i}@example.com",
                description=None,
                discount=None,
                balance=0,
                invoice_prefix=g.new_id("coupon")[:7],
                address=None,
                shipping=None,
                default_source=None,
            )
        )
        n_sources = BIG_FAMILY + 1 if i == 0 else g.rng.choice((0, 0, 0, 1, 1, 2))
        for j in range(n_sources):
            is_bank = j % 3 == 1 or (n_sources == 1 and g.rng.random() < 0.3)
            holder = {"customer": cus["id"], "account": None, "account_holder_name": cus["name"]}
            src = bank_account(g, **holder, status="verified") if is_bank else _card(g, cus)
            g.add(src, cus["id"])
            if j == 0:
                cus["default_source"] = src["id"]
    g.sorted_pool("customer")
    for _ in range(counts["customer_balance_transaction"]):
        t = g.when("customer_balance_transaction")
        owner = g.pick_before("customer", t)
        assert owner is not None
        amount = -g.amount(100, 5000)
        owner["balance"] += amount
        g.add(
            g.make(
                "customer_balance_transaction",
                max(t, owner["created"]),
                customer=owner["id"],
                amount=amount,
                ending_balance=owner["balance"],
                type="adjustment",
                currency="usd",
                invoice=None,
                credit_note=None,
                description="Goodwill credit",
            ),
            owner["id"],
        )


def _card(g: Gen, cus: Obj) -> Obj:
    brand = g.rng.choice(("Visa", "MasterCard", "American Express"))
    return g.make(
        "card",
        None,
        customer=cus["id"],
        brand=brand,
        last4=f"{g.rng.randrange(10_000):04d}",
        exp_month=g.rng.randrange(1, 13),
        exp_year=g.rng.randrange(2026, 2032),
        funding="credit",
        country="US",
        fingerprint=g.new_id("coupon") * 2,
        name=cus["name"],
        metadata={},
    )


def bank_account(g: Gen, **fields: Any) -> Obj:
    """A US bank account at Stripe's test bank (its last 4 digits and fingerprint drawn), its
    owner and state as ``fields`` say (a customer's source, a connected account's external
    account)."""
    return g.make(
        "bank_account",
        None,
        bank_name="STRIPE TEST BANK",
        last4=f"{g.rng.randrange(10_000):04d}",
        routing_number="110000000",
        country="US",
        currency="usd",
        **fields,
        fingerprint=g.new_id("coupon") * 2,
        metadata={},
    )
