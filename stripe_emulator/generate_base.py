"""What every generator module shares while :func:`stripe_emulator.generate.build_account`
builds an account: the generator state (:class:`Gen`: the objects made so far, their ids, times
and the random stream) and the small pieces several types are made of (balance transactions,
embedded lists, the shares of objects that get an optional field).

Guarantees: nothing here draws from a random stream other than ``g.rng`` (ids come from the
account's own), so the order in which the generators run alone decides every value.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from typing import Any

from stripe_emulator.account import Account
from stripe_emulator.resources import INCLUDABLE, NOT_STORED, time_field
from stripe_emulator.templates import template

Obj = dict[str, Any]
DAY = 86_400
EMBED_LIMIT = 10  # the objects an embedded list holds
BIG_FAMILY = 12  # children of the parents that exercise has_more (> 10)
HANDFUL = 3  # least objects of any type
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class Gen:
    """Holds the generator state while one account is built."""

    def __init__(self, account: Account, seed: int, start: int, end: int) -> None:
        self.acct = account
        self.rng = random.Random(seed)
        self.start, self.end = start, max(end, start + 1)
        self.out: list[tuple[Obj, str | None]] = []
        self.times: dict[str, list[int]] = {}
        self.by_type: dict[str, list[Obj]] = {}
        self.index: dict[str, Obj] = {}
        self.pool_times: dict[str, list[int]] = {}
        self.used: set[str] = set()
        #: When each object of a type without a creation time field was made.
        self.untimed: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------------
    def new_id(self, object_type: str) -> str:
        while True:
            oid = self.acct.new_id(object_type)
            if oid not in self.used:
                self.used.add(oid)
                return oid

    def when(self, object_type: str, not_before: int | None = None) -> int:
        """A created time; ~5% reuse an earlier one of the same type (same-second ties)."""
        lo = self.start if not_before is None else max(self.start, not_before)
        seen = self.times.setdefault(object_type, [])
        if seen and self.rng.random() < 0.05:
            candidate = self.rng.choice(seen)
            if candidate >= lo:
                return candidate
        return self.rng.randrange(lo, self.end) if lo < self.end else self.end - 1

    def make(self, object_type: str, created: int | None, **fields: Any) -> Obj:
        obj = template(object_type)
        for name in NOT_STORED.get(object_type, ()):
            obj.pop(name, None)
        obj.update(id=self.new_id(object_type), object=object_type)
        if "livemode" in obj:  # not every type has one (balance transactions, refunds...)
            obj["livemode"] = False
        if created is not None:
            if "created" in obj:
                obj["created"] = created
            else:  # a type without a creation time (a tax code): kept aside, for its event
                self.untimed[obj["id"]] = created
            self.times.setdefault(object_type, []).append(created)
        obj.update(fields)
        return obj

    def add(self, obj: Obj, parent: str | None = None) -> Obj:
        self.out.append((obj, parent))
        self.by_type.setdefault(obj["object"], []).append(obj)
        self.index[obj["id"]] = obj
        return obj

    def pick_before(self, object_type: str, t: int) -> Obj | None:
        """A random object of a type created at or before ``t`` (else the oldest).

        Needs :meth:`sorted_pool` to have been called for the type."""
        pool = self.by_type.get(object_type) or []
        if not pool:
            return None
        eligible = bisect_right(self.pool_times[object_type], t)
        return pool[self.rng.randrange(eligible)] if eligible else pool[0]

    def sorted_pool(self, object_type: str) -> None:
        pool = self.by_type.setdefault(object_type, [])
        when = time_field(object_type)
        pool.sort(key=lambda o: o[when])
        self.pool_times[object_type] = [o[when] for o in pool]

    def amount(self, lo: int = 500, hi: int = 50_000) -> int:
        return self.rng.randrange(lo, hi, 100)


def suffix(g: Gen, length: int = 24) -> str:
    """A random alphanumeric tail of an id-like string (a payment id, a secret)."""
    return "".join(g.rng.choices(_ALNUM, k=length))


def strip_includable(obj: Obj) -> Obj:
    """A copy of ``obj`` without the fields Stripe sends only when expanded (an embedded
    object is sent unexpanded)."""
    hidden = INCLUDABLE.get(obj["object"], ())
    return {k: v for k, v in obj.items() if k not in hidden}


def embedded_list(data: list[Obj], url: str) -> Obj:
    """A list object as Stripe embeds it: the first :data:`EMBED_LIMIT` of ``data``."""
    return {
        "object": "list",
        "data": data[:EMBED_LIMIT],
        "has_more": len(data) > EMBED_LIMIT,
        "url": url,
    }


def newest_first(g: Gen, object_type: str) -> list[Obj]:
    """The generated objects of a type, newest first (generation order for children)."""
    objs = list(g.by_type.get(object_type, ()))
    if objs and time_field(object_type) in objs[0]:
        when = time_field(object_type)
        objs.sort(key=lambda o: (-int(o[when]), o["id"]))
    return objs


def share(objs: list[Obj], every: int, offset: int = 0) -> list[Obj]:
    """Objects ``offset``, ``offset + every``, ... of ``objs`` (the first of a short list)."""
    picked = objs[offset::every]
    return picked or objs[:1]


def balance_transaction(
    g: Gen, t: int, amount: int, source: str, kind: str, *, fee: bool = False
) -> Obj:
    """Add the balance transaction of ``amount`` (negative: out of the balance) that the
    object ``source`` moved at ``t``, of type ``kind``; with Stripe's fee when ``fee``."""
    fee_amount = round(abs(amount) * 0.029) + 30 if fee else 0
    return g.add(
        g.make(
            "balance_transaction",
            t,
            amount=amount,
            fee=fee_amount,
            net=amount - fee_amount,
            currency="usd",
            source=source,
            type=kind,
            reporting_category=kind,
            available_on=t + 172_800,
            status="available" if t + 172_800 < g.end else "pending",
            description=None,
            exchange_rate=None,
            fee_details=[
                {
                    "amount": fee_amount,
                    "application": None,
                    "currency": "usd",
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else [],
        )
    )
