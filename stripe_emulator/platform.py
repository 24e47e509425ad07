"""A Connect platform for the emulator: connected accounts with data of their own.

Pass what :func:`build_platform` returns as ``Emulator(platform, connected_accounts=...)``::

    shops = connected_accounts(1000, seed=1, start=start, end=end)
    with Emulator(platform, connected_accounts=build_platform(platform, shops)) as emu:
        ...  # the platform's key with ``Stripe-Account: <shop id>`` reads a shop's data

Guarantees:
* Deterministic: the same arguments give the same account ids, objects and times.
* Every connected account has its own ``acct_`` id (distinct from each other) and its own
  object ids; its objects are made through :meth:`Account.create` (a creation event each,
  ``event.account`` its id), dated within ``[start, end]``.
* The platform's ``account`` object of a connected account is dated no later than the
  oldest object of the account's own data, so that nothing of it predates the account.
* Nothing here records an event in the platform's log (Stripe writes ``account.updated``
  to the connected account's log).
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from stripe_emulator.account import Account, Query
from stripe_emulator.generate import build_account
from stripe_emulator.templates import template

Obj = dict[str, Any]

#: The connected accounts' types, cycled in account order.
KINDS = ("express", "custom", "express", "standard", "custom")
#: Default object counts of :func:`connected_accounts`, cycled: small accounts (an empty one
#: among them: connected, nothing in it yet).
SMALL_SIZES = (6, 3, 9, 4, 0, 12, 5, 7)
#: Above this many objects an account is built by :func:`build_account` (every stream).
SMALL_LIMIT = 100
#: What Stripe's ``POST /v1/accounts/{id}/reject`` takes as ``reason``.
REJECT_REASONS = ("fraud", "terms_of_service", "other")
_CAPABILITIES = ("card_payments", "transfers")
_ALNUM = string.ascii_letters + string.digits


def _controller(kind: str) -> Obj:
    """The ``controller`` of an account of this type (a Standard account controls itself)."""
    if kind == "standard":
        return {"type": "account"}
    return {
        "fees": {"payer": "application_express" if kind == "express" else "application"},
        "is_controller": True,
        "losses": {"payments": "application"},
        "requirement_collection": "stripe" if kind == "express" else "application",
        "stripe_dashboard": {"type": "express" if kind == "express" else "none"},
        "type": "application",
    }


def _requirements(disabled_reason: str | None = None) -> Obj:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def add_account(platform: Account, account_id: str, created: int, kind: str = "express") -> Obj:
    """Add to ``platform`` the enabled ``account`` object of a connected account (of type
    ``kind``: standard, express or custom), its capabilities active; returns it."""
    caps = [
        {
            **template("capability"),
            "id": name,
            "account": account_id,
            "status": "active",
            "requested": True,
            "requested_at": created,
            "requirements": {**template("capability")["requirements"], **_requirements()},
        }
        for name in _CAPABILITIES
    ]
    name = f"Connected {account_id[5:13]}"
    profile = {**(template("account")["business_profile"] or {}), "name": name, "url": None}
    return platform.create(
        "account",
        id=account_id,
        created=created,
        type=kind,
        controller=_controller(kind),
        business_type="company",
        business_profile=profile,
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        email=f"{account_id.lower()}@example.com",
        requirements=_requirements(),
        future_requirements=_requirements(),
        capabilities=dict.fromkeys(_CAPABILITIES, "active"),
        _capabilities=caps,
        metadata={},
        individual=None,
    )


def opened_at(account: Account) -> int | None:
    """The oldest ``created`` in the account's event log (each object made through
    :meth:`Account.create` records its creation event), past retention included; None when
    it has no event. Found by bisection over ``created[lte]``: cheap for any account size."""
    kept, account.event_retention_days = account.event_retention_days, None
    try:
        newest = account.page("event", Query(limit=1)).chunks
        if not newest:
            return None
        low, high = 0, int(orjson.loads(newest[0])["created"])
        while low < high:
            middle = (low + high) // 2
            if account.page("event", Query(limit=1, created=(("lte", middle),))).chunks:
                high = middle
            else:
                low = middle + 1
        return low
    finally:
        account.event_retention_days = kept


def build_platform(
    platform: Account,
    connected: Sequence[Account],
    *,
    created: Mapping[str, int] | None = None,
) -> dict[str, Account]:
    """Add one ``account`` object to ``platform`` per connected account (same id; types
    cycled from :data:`KINDS`) and return ``{id: account}`` for ``connected_accounts=``.

    An account object's ``created`` is ``created[id]`` when given, else the oldest event of
    the account's data (:func:`opened_at`), else the platform's clock."""
    out: dict[str, Account] = {}
    for n, acct in enumerate(connected):
        if acct.id in out or acct.id == platform.id:
            raise ValueError(f"connected account {acct.id} given twice")
        when = (created or {}).get(acct.id)
        if when is None:
            when = opened_at(acct)
        add_account(platform, acct.id, platform.clock() if when is None else when, KINDS[n % 5])
        out[acct.id] = acct
    return out


def reject_account(
    platform: Account,
    account_id: str,
    reason: str = "fraud",
    *,
    connected: Account | None = None,
) -> Obj:
    """Reject a connected account as Stripe's ``POST /v1/accounts/{id}/reject`` does:
    ``requirements.disabled_reason`` ``rejected.<reason>``, charges and payouts disabled.
    Its data stays readable (Stripe does not say otherwise). With ``connected`` (its data),
    records ``account.updated`` in its own event log. Returns the updated account object."""
    if reason not in REJECT_REASONS:
        raise ValueError(f"reason must be one of {', '.join(REJECT_REASONS)}")
    before = platform.get("account", account_id)
    changes = {
        "requirements": {**before["requirements"], "disabled_reason": f"rejected.{reason}"},
        "charges_enabled": False,
        "payouts_enabled": False,
    }
    after = platform.update("account", account_id, **changes)
    if connected is not None:
        previous = {k: before.get(k) for k in changes}
        connected.record_event("account.updated", after, previous_attributes=previous)
    return after


def _seed(*parts: object) -> int:
    text = "-".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def empty_account(platform: Account, account_id: str) -> Account:
    """A connected account with nothing in it yet: the platform's key, clock (read when
    used) and event retention; object ids of its own, seeded by its id."""
    return Account(
        account_id,
        platform.api_key,
        seed=_seed(account_id),
        clock=lambda: platform.clock(),  # noqa: PLW0108 - read when used: tests replace it
        event_retention_days=platform.event_retention_days,
    )


def connected_accounts(
    count: int,
    seed: int,
    start: datetime,
    end: datetime,
    *,
    sizes: Sequence[int] | Callable[[int], int] = SMALL_SIZES,
    api_key: str = "sk_test_emulator",
    event_retention_days: int | None = 30,
) -> list[Account]:
    """``count`` deterministic connected accounts with distinct ``acct_`` ids.

    ``sizes`` decides each account's size: a sequence of object counts cycled over the
    accounts (account ``n`` gets ``sizes[n % len(sizes)]``), or a callable ``n -> count``.
    Up to :data:`SMALL_LIMIT` objects, a small account: products, prices, customers,
    charges, coupons and invoices (each with its creation event), about that many; above, a
    :func:`build_account` of that size (every stream). Each account opens at a time in the
    first half of ``[start, end]``, its objects dated from then to ``end``. ``api_key`` is
    each account's own key (the emulator serves a connected account with its platform's);
    ``event_retention_days`` as in :func:`build_account`.
    """
    ids = random.Random(f"{seed}-connected-ids")
    first, last = int(start.timestamp()), int(end.timestamp())
    seen: set[str] = set()
    out: list[Account] = []
    for n in range(count):
        account_id = "acct_" + "".join(ids.choices(_ALNUM, k=16))
        while account_id in seen:
            account_id = "acct_" + "".join(ids.choices(_ALNUM, k=16))
        seen.add(account_id)
        size = sizes(n) if callable(sizes) else sizes[n % len(sizes)]
        rng = random.Random(f"{seed}-connected-{n}")
        opened = first + int(rng.random() * (last - first) / 2)
        if size > SMALL_LIMIT:
            made = build_account(
                size,
                _seed(seed, n),
                datetime.fromtimestamp(opened, start.tzinfo),
                end,
                account_id,
                api_key,
                event_retention_days=event_retention_days,
            )
        else:
            made = Account(
                account_id,
                api_key,
                seed=_seed(seed, n),
                clock=lambda: last,
                event_retention_days=event_retention_days,
            )
            _fill(made, rng, size, opened, last)
        out.append(made)
    return out


#: The small account's objects, in the order they are made (cycled).
_SMALL_ORDER = ("product", "price", "customer", "charge", "coupon", "invoice", "charge")


def _fill(acct: Account, rng: random.Random, size: int, opened: int, end: int) -> None:
    """Make ``size`` objects in ``acct``, dated in order from ``opened`` to ``end``."""
    times = sorted(rng.randrange(opened, end) for _ in range(size))
    made: dict[str, str] = {}  # type -> id of the newest of that type
    for n, when in enumerate(times):
        otype = _SMALL_ORDER[n % len(_SMALL_ORDER)]
        amount = rng.randrange(5, 500) * 100
        fields: Obj = {"created": when, "metadata": {}}
        if otype == "product":
            fields.update(name=f"Item {n + 1}", default_price=None, updated=when)
        elif otype == "price":
            fields.update(
                product=made["product"],
                unit_amount=amount,
                unit_amount_decimal=str(amount),
                currency="usd",
                type="one_time",
                recurring=None,
                lookup_key=None,
            )
        elif otype == "customer":
            fields.update(
                name=f"Buyer {n + 1}",
                email=f"buyer{n + 1}@example.com",
                default_source=None,
                discount=None,
                invoice_prefix=acct.new_id("coupon")[:7],
            )
        elif otype == "charge":
            fields.update(_charge(made.get("customer"), amount, rng.random() < 0.1))
        elif otype == "invoice":
            fields.update(_invoice(made["customer"], when))
        made[otype] = acct.create(otype, **fields)["id"]


def _charge(customer: str | None, amount: int, failed: bool) -> Obj:
    return {
        "amount": amount,
        "amount_captured": 0 if failed else amount,
        "amount_refunded": 0,
        "captured": not failed,
        "paid": not failed,
        "status": "failed" if failed else "succeeded",
        "currency": "usd",
        "customer": customer,
        "payment_intent": None,
        "payment_method": None,
        "invoice": None,
        "balance_transaction": None,
        "failure_code": "card_declined" if failed else None,
        "failure_message": "Your card was declined." if failed else None,
        "receipt_url": None,
        "transfer_data": None,
        "review": None,
    }


def _invoice(customer: str, when: int) -> Obj:
    return {
        "customer": customer,
        "subscription": None,
        "billing_reason": "manual",
        "status": "draft",
        "number": None,
        "period_start": when,
        "period_end": when,
        "charge": None,
        "payment_intent": None,
        "paid": False,
        "attempted": False,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "discount": None,
        "discounts": [],
        "effective_at": None,
        "auto_advance": True,
        "amount_due": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "subtotal": 0,
        "total": 0,
    }
