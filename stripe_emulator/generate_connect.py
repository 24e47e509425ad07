"""Generation of a Connect platform's connected accounts, and of Issuing cards' tokens.

Called by :func:`stripe_emulator.generate.build_account` (same guarantees as the rest of the
account: deterministic, ``created`` in the span, children no older than their parent).

* Connected accounts of every type (Custom, Express, Standard, and ``none``: a controller
  the platform configured), individuals, companies, non-profits and ones whose business type
  is not known yet; the platform controls all but the Standard ones, so only those embed
  their ``external_accounts`` (Stripe's rule), one of them past 10 (``has_more``).
* Persons of company accounts (representatives, owners with their share, directors,
  executives) and each individual account's individual, in every verification status.
* Capabilities of every status, kept in their account (``Account.capabilities``), with the
  account's ``capabilities`` summary matching them.
* External accounts: bank accounts and debit cards, in each status, one default per currency.
* Network tokens of Issuing cards in each status and wallet, with or without network data.

No event is recorded for the Connect objects: Stripe writes them to each connected
account's own event log (``CONNECT_EVENTS`` in ``resources.py``).
"""

from __future__ import annotations

from stripe_emulator.generate_base import DAY, Gen, Obj
from stripe_emulator.generate_customers import bank_account
from stripe_emulator.templates import template

#: Types made here -> their share of the account (a weight of ``_counts``).
WEIGHTS: dict[str, float] = {"account": 0.006, "issuing.token": 0.004}
_KINDS = ("custom", "express", "standard", "custom", "express", "none")
_BUSINESS = ("individual", "company", "company", "non_profit", None, "government_entity")
_CAPABILITY_STATUSES = ("active", "inactive", "pending", "active", "disabled", "unrequested")
_BIG = 12  # external accounts of the account that exercises has_more (> 10)


def connect(g: Gen, counts: dict[str, int]) -> None:
    """Add about ``counts["account"]`` connected accounts with their children, and about
    ``counts["issuing.token"]`` tokens spread over the Issuing cards."""
    for i in range(max(len(_KINDS), counts["account"])):
        _account(g, i)
    g.sorted_pool("account")
    _tokens(g, max(4, counts["issuing.token"]))


def _controller(kind: str) -> Obj:
    if kind == "standard":
        return {"type": "account"}  # the account controls itself
    dashboard = {"custom": "none", "express": "express", "none": "none"}[kind]
    return {
        "fees": {"payer": "application_express" if kind == "express" else "application"},
        "is_controller": True,
        "losses": {"payments": "application"},
        "requirement_collection": "stripe" if kind == "express" else "application",
        "stripe_dashboard": {"type": dashboard},
        "type": "application",
    }


def _account(g: Gen, i: int) -> Obj:
    kind, business = _KINDS[i % len(_KINDS)], _BUSINESS[i % len(_BUSINESS)]
    t = g.when("account")
    name = f"Seller {i + 1}"
    acct = g.make(
        "account",
        t,
        type=kind,
        business_type=business,
        controller=_controller(kind),
        charges_enabled=i % 3 != 2,
        payouts_enabled=i % 4 != 3,
        details_submitted=i % 5 != 4,
        email=f"seller{i + 1}@example.com" if i % 4 != 1 else None,
        metadata={"seller_id": str(1000 + i)} if i % 2 == 0 else {},
    )
    profile = dict(acct["business_profile"] or {})
    profile.update(name=name, url=f"https://seller{i + 1}.example.com" if i % 3 else None)
    acct["business_profile"] = profile if i % 7 != 6 else None
    if i % 5 == 3:
        acct["settings"] = None
    if business not in {"company", "non_profit", "government_entity"}:
        acct.pop("company", None)
    if business != "individual":
        acct.pop("individual", None)
    g.add(acct)
    _capabilities(g, acct, i)
    if business == "individual":
        person = _person(g, acct, 0, representative=True)
        acct["individual"] = dict(person)  # the same person, as Stripe embeds it
    elif business in ("company", "non_profit"):
        for n in range(2 + i % 3):
            _person(g, acct, n, representative=n == 0)
    if kind != "standard":
        for n in range(_BIG if i == 0 else i % 3):
            _external_account(g, acct, n)
    return acct


def _capabilities(g: Gen, acct: Obj, i: int) -> None:
    names = (
        "card_payments",
        "transfers",
        "us_bank_account_ach_payments",
        "tax_reporting_us_1099_k",
    )
    caps: list[Obj] = []
    for n, name in enumerate(names[: 2 + i % 3]):
        status = _CAPABILITY_STATUSES[(i + n) % len(_CAPABILITY_STATUSES)]
        cap = {**template("capability"), "id": name, "account": acct["id"], "status": status}
        cap["requested"] = status != "unrequested"
        cap["requested_at"] = acct["created"] if cap["requested"] else None
        if status in ("pending", "inactive"):
            due = ["individual.verification.document"] if status == "pending" else []
            cap["requirements"] = {
                **cap["requirements"],
                "currently_due": due,
                "disabled_reason": "requirements.fields_needed" if due else None,
            }
        caps.append(cap)
    acct["_capabilities"] = caps
    acct["capabilities"] = {
        c["id"]: {"disabled": "inactive"}.get(c["status"], c["status"])
        for c in caps
        if c["status"] != "unrequested"
    }


_PEOPLE = (
    ("Jenny", "Rosen", "CEO"),
    ("Ada", "Lovelace", "CTO"),
    ("Grace", "Hopper", "Director"),
    ("Alan", "Turing", None),
)


def _person(g: Gen, acct: Obj, n: int, *, representative: bool) -> Obj:
    first, last, title = _PEOPLE[n % len(_PEOPLE)]
    t = min(g.end - 1, acct["created"] + n * 60)
    status = ("verified", "pending", "unverified")[(n + len(acct["id"])) % 3]
    person = g.make(
        "person",
        t,
        account=acct["id"],
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@seller.example.com" if n % 2 == 0 else None,
        phone="+18008675309" if n % 3 == 0 else None,
        dob={"day": 1 + n, "month": 1 + n, "year": 1970 + n},
        relationship={
            "director": n == 2,
            "executive": n in (0, 1),
            "legal_guardian": None,
            "owner": n in (0, 1),
            "percent_ownership": (60.0, 40.0)[n] if n < 2 else None,
            "representative": representative,
            "title": title,
        },
        metadata={"role": title or "member"} if n % 2 else {},
    )
    person["verification"] = {**person["verification"], "status": status}
    person["address"] = {
        **person["address"],
        "city": "San Francisco",
        "country": "US",
        "line1": f"{100 + n} Market St",
        "postal_code": "94107",
        "state": "CA",
    }
    if n % 3 == 1:
        person["future_requirements"] = None
    return g.add(person, parent=acct["id"])


def _external_account(g: Gen, acct: Obj, n: int) -> None:
    if n % 3 == 2:
        card = g.make(
            "card",
            None,
            account=acct["id"],
            customer=None,
            brand=("Visa", "MasterCard")[n % 2],
            funding="debit",
            last4=f"{g.rng.randrange(10_000):04d}",
            exp_month=1 + n % 12,
            exp_year=2028 + n % 4,
            country="US",
            currency="usd",
            default_for_currency=False,
            available_payout_methods=["standard", "instant"],
            status=("new", "errored")[n % 2],
            fingerprint=g.new_id("coupon") * 2,
            metadata={},
        )
        g.add(card, parent=acct["id"])
        return
    statuses = ("new", "validated", "verified", "verification_failed", "errored")
    bank = bank_account(
        g,
        account=acct["id"],
        customer=None,
        account_holder_name=acct["business_profile"]["name"] if acct["business_profile"] else None,
        account_holder_type="company" if acct.get("business_type") == "company" else "individual",
        default_for_currency=n == 0,
        available_payout_methods=["standard"] if n % 2 else ["standard", "instant"],
        status=statuses[n % len(statuses)],
    )
    g.add(bank, parent=acct["id"])


def _tokens(g: Gen, n: int) -> None:
    cards = g.by_type.get("issuing.card", [])
    wallets = ("apple_pay", "google_pay", "samsung_pay")
    for i in range(n):
        card = cards[i % len(cards)] if i < len(cards) or i % 2 else cards[0]
        t = min(g.end - 1, card["created"] + (i + 1) * DAY // 4)
        token = g.make(
            "issuing.token",
            t,
            card=card["id"],
            status=("active", "requested", "suspended", "deleted")[i % 4],
            network=("visa", "mastercard")[i % 2],
            last4=card["last4"],
            network_updated_at=t,
            device_fingerprint=f"{g.rng.randrange(16**12):012x}" if i % 3 == 0 else None,
            wallet_provider=wallets[i % len(wallets)],
        )
        if i % 2:
            token.pop("network_data", None)
        if i % 5 == 4:
            token.pop("wallet_provider", None)
        g.add(token, parent=card["id"])
