"""Generation of the products an account must be set up for: Issuing and Identity.

Called by :func:`stripe_emulator.generate.build_account` (same guarantees as the rest of the
account: deterministic, ``created`` in the span, links to objects no newer than the linking
one). An emulator serving the account can still answer these lists as an account without
the product does (``FEATURES`` in ``resources.py``).

* Cardholders (individuals and companies), cards of cardholders (the cardholder embedded, as
  Stripe embeds it), authorizations on cards (pending, closed, reversed; the card embedded),
  captures and refunds of closed authorizations with their balance transactions, disputes of
  transactions in each status.
* Verification sessions in each status, and the reports of the verified ones.
"""

from __future__ import annotations

from stripe_emulator.generate_base import DAY, Gen, balance_transaction, strip_includable

#: Types made here -> their share of the account (a weight of ``_counts``).
WEIGHTS: dict[str, float] = {
    "issuing.cardholder": 0.003,
    "issuing.card": 0.004,
    "issuing.authorization": 0.008,
    "issuing.transaction": 0.006,
    "issuing.dispute": 0.003,
    "identity.verification_session": 0.004,
    "identity.verification_report": 0.003,
}
_MERCHANTS = (
    ("Rocket Rides", "taxicabs_limousines", "4121", "San Francisco", "CA", "94107"),
    ("Corner Cafe", "eating_places_restaurants", "5812", "Austin", "TX", "73301"),
    ("Cloud Hosting Inc", "computer_network_services", "4816", "Seattle", "WA", "98101"),
)


def issuing_and_identity(g: Gen, counts: dict[str, int]) -> None:
    """Add every type of :data:`WEIGHTS`, about ``counts[type]`` of each (more
    authorizations and sessions where the transactions, disputes and reports need them)."""
    _cardholders(g, counts["issuing.cardholder"])
    _cards(g, counts["issuing.card"])
    disputes = counts["issuing.dispute"]
    transactions = max(counts["issuing.transaction"], disputes + 2)  # one in 6 is a refund
    _authorizations(g, max(counts["issuing.authorization"], 2 * transactions + 2))
    _transactions(g, transactions)
    _disputes(g, disputes)
    reports = counts["identity.verification_report"]
    _verifications(g, max(counts["identity.verification_session"], reports + 3), reports)


def _cardholders(g: Gen, n: int) -> None:
    names = ("Jenny Rosen", "Ada Lovelace", "Grace Hopper", "Alan Turing", "Acme Field Team")
    for i in range(n):
        company = i % 5 == 4
        name = names[i % len(names)]
        first, _, last = name.partition(" ")
        holder = g.add(
            g.make(
                "issuing.cardholder",
                g.when("issuing.cardholder"),
                name=name,
                email=f"{first.lower()}{i}@example.com",
                phone_number="+18008675309" if i % 2 == 0 else None,
                type="company" if company else "individual",
                status=("active", "active", "inactive", "blocked")[i % 4],
                company={"tax_id_provided": True} if company else None,
                preferred_locales=["en"] if i % 3 == 0 else None,
            )
        )
        if company:
            holder["individual"] = None
        else:
            individual = dict(holder["individual"])
            individual.update(
                dob={"day": 1 + i % 28, "month": 1 + i % 12, "year": 1980 + i % 20},
                first_name=first,
                last_name=last,
            )
            holder["individual"] = individual
    g.sorted_pool("issuing.cardholder")


def _cards(g: Gen, n: int) -> None:
    for i in range(n):
        t = g.when("issuing.card")
        holder = g.pick_before("issuing.cardholder", t)
        assert holder is not None
        physical = i % 3 == 0
        status = ("active", "active", "inactive", "canceled")[i % 4]
        card = g.add(
            g.make(
                "issuing.card",
                max(t, holder["created"]),
                cardholder=strip_includable(holder),
                type="physical" if physical else "virtual",
                status=status,
                cancellation_reason="lost" if status == "canceled" else None,
                exp_month=1 + i % 12,
                exp_year=2027 + i % 4,
                last4=f"{g.rng.randrange(10_000):04d}",
                replacement_for=None,
                replacement_reason=None,
                replaced_by=None,
                personalization_design=None,
                financial_account=None,
                wallets=None,
            )
        )
        if not physical:
            card["shipping"] = None
        if i % 2 == 0:
            card["wallets"] = {
                "apple_pay": {"eligible": True, "ineligible_reason": None},
                "google_pay": {"eligible": False, "ineligible_reason": "missing_agreement"},
                "primary_account_identifier": None,
            }
    g.sorted_pool("issuing.card")


def _authorizations(g: Gen, n: int) -> None:
    for i in range(n):
        t = g.when("issuing.authorization")
        card = g.pick_before("issuing.card", t)
        assert card is not None
        t = max(t, card["created"])
        status = ("closed", "closed", "pending", "reversed")[i % 4]
        amount = g.amount(200, 20_000)
        name, category, code, city, state, postal = _MERCHANTS[i % len(_MERCHANTS)]
        auth = g.add(
            g.make(
                "issuing.authorization",
                t,
                amount=amount if status != "reversed" else 0,
                merchant_amount=amount,
                approved=status != "reversed" or i % 8 != 3,
                card=strip_includable(card),
                cardholder=card["cardholder"]["id"],
                status=status,
                merchant_data={
                    "category": category,
                    "category_code": code,
                    "city": city,
                    "country": "US",
                    "name": name,
                    "network_id": f"{g.rng.randrange(10**9, 10**10)}",
                    "postal_code": postal,
                    "state": state,
                    "terminal_id": None,
                    "url": None,
                },
                pending_request=None,
                fleet=None,
                fuel=None,
                token=None,
                wallet="apple_pay" if i % 5 == 0 else None,
            )
        )
        if status == "pending":
            auth["pending_request"] = {
                "amount": amount,
                "amount_details": {"atm_fee": None, "cashback_amount": None},
                "currency": "usd",
                "is_amount_controllable": False,
                "merchant_amount": amount,
                "merchant_currency": "usd",
                "network_risk_score": None,
            }
    g.sorted_pool("issuing.authorization")


def _transactions(g: Gen, n: int) -> None:
    closed = [a for a in g.by_type.get("issuing.authorization", []) if a["status"] == "closed"]
    for i in range(min(n, len(closed))):
        auth = closed[i]
        refund = i % 6 == 5
        t = min(g.end - 1, auth["created"] + (DAY if refund else 3600))
        amount = int(auth["amount"]) * (1 if refund else -1)
        tx = g.add(
            g.make(
                "issuing.transaction",
                t,
                amount=amount,
                merchant_amount=amount,
                authorization=auth["id"],
                card=auth["card"]["id"],
                cardholder=auth["cardholder"],
                merchant_data=auth["merchant_data"],
                type="refund" if refund else "capture",
                dispute=None,
                token=None,
                purchase_details=None,
                wallet=auth["wallet"],
            )
        )
        tx["balance_transaction"] = balance_transaction(
            g, t, amount, tx["id"], "issuing_transaction"
        )["id"]
        auth["transactions"] = [*auth["transactions"], strip_includable(tx)]
    g.sorted_pool("issuing.transaction")


def _disputes(g: Gen, n: int) -> None:
    captures = [t for t in g.by_type.get("issuing.transaction", []) if t["type"] == "capture"]
    statuses = ("lost", "submitted", "won", "unsubmitted", "expired")
    for i in range(min(n, len(captures))):
        tx = captures[-1 - i]  # the newest captures
        status = statuses[i % len(statuses)]
        dispute = g.add(
            g.make(
                "issuing.dispute",
                g.when("issuing.dispute", tx["created"]),
                amount=-int(tx["amount"]),
                transaction=tx["id"],
                status=status,
                balance_transactions=[] if status in ("won", "lost", "submitted") else None,
                treasury=None,
            )
        )
        if status != "lost":
            dispute.pop("loss_reason", None)
        tx["dispute"] = dispute["id"]


def _verifications(g: Gen, sessions: int, reports: int) -> None:
    """``sessions`` sessions, the first ``reports`` verified (each with its report)."""
    others = ("requires_input", "processing", "canceled", "verified")
    for i in range(sessions):
        t = g.when("identity.verification_session")
        status = "verified" if i < reports else others[(i - reports) % len(others)]
        cus = g.pick_before("customer", t)
        session = g.add(
            g.make(
                "identity.verification_session",
                t,
                status=status,
                type=("document", "id_number")[i % 2],
                client_reference_id=f"user_{i + 1}" if i % 2 == 0 else None,
                related_customer=cus["id"] if cus and i % 3 == 0 else None,
                last_error=None,
                last_verification_report=None,
                redaction=None,
                url=None,
                verification_flow=None,
            )
        )
        if i % 3 == 1:  # started from a verification flow set up in the Dashboard
            session["verification_flow"] = f"vf_{g.new_id('coupon')}{g.new_id('coupon')}"
        if status == "requires_input":
            session["url"] = f"https://verify.stripe.com/start/{g.new_id('coupon')}"
            session["last_error"] = {
                "code": "document_unverified_other",
                "reason": "The document could not be verified.",
            }
        if i < reports:
            report = g.add(
                g.make(
                    "identity.verification_report",
                    min(g.end - 1, t + 300),
                    type=session["type"],
                    client_reference_id=session["client_reference_id"],
                    verification_session=session["id"],
                )
            )
            if "verification_flow" in session:
                report["verification_flow"] = session["verification_flow"]
            else:
                report.pop("verification_flow", None)
            session["last_verification_report"] = report["id"]
