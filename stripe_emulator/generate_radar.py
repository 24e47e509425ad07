"""Generation of Radar's objects: reviews and early fraud warnings of charges, value lists
and their items.

Called from :func:`stripe_emulator.generate_more.more_resources` (the stream of the resources
added since the seed's 22; same guarantees as the rest of the account): reviews open and
closed (open ones listed; closed ones only arrive by events, as at Stripe), each with the
reason it was opened or closed, half with the session and IP they came from; warnings of
each fraud type; value lists of each item type, the first with more than 10 items (so that
``has_more`` is exercised), items listed newest first as Stripe lists them.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen

_VALUE_LISTS = (
    ("ip_address", "Blocked IPs", "blocked_ips"),
    ("email", "Trusted customers", "trusted_emails"),
    ("country", "Blocked countries", "blocked_countries"),
    ("card_bin", "Corporate BINs", "corporate_bins"),
)


def _item_value(kind: str, k: int) -> str:
    """The ``k``-th value of a list of ``kind`` items."""
    return {
        "ip_address": f"198.51.100.{k % 250 + 1}",
        "email": f"buyer{k}@example.com",
        "country": ("KP", "IR", "SY")[k % 3],
    }.get(kind, f"{424242 + k}")


def reviews_and_warnings(g: Gen, reviews: int, warnings: int) -> None:
    """Add up to ``reviews`` reviews and ``warnings`` early fraud warnings of succeeded
    charges (at most one each per charge)."""
    charges = [c for c in g.by_type.get("charge", []) if c["status"] == "succeeded"]
    reasons = ("approved", "refunded", "refunded_as_fraud", "disputed", "redacted")
    for i in range(min(reviews, len(charges))):
        ch = charges[(i * 11) % len(charges)]
        t = g.when("review", ch["created"])
        is_open = i % 3 != 1
        closed = None if is_open else reasons[(i // 3) % len(reasons)]
        opened = g.rng.choice(("rule", "manual"))
        review = g.add(
            g.make(
                "review",
                t,
                charge=ch["id"],
                payment_intent=ch["payment_intent"] or "",
                open=is_open,
                opened_reason=opened,
                reason=closed or opened,
                closed_reason=closed,
                billing_zip=None,
                ip_address=None,
                ip_address_location=None,
                session=None,
            )
        )
        ch["review"] = review["id"]
        if i % 2 == 0:
            review.update(
                billing_zip="94107",
                ip_address=f"203.0.113.{g.rng.randrange(1, 255)}",
                ip_address_location={
                    "city": "San Francisco",
                    "country": "US",
                    "latitude": 37.7749,
                    "longitude": -122.4194,
                    "region": "CA",
                },
                session={
                    "browser": "Chrome",
                    "device": "Mac",
                    "platform": "macOS",
                    "version": "126.0",
                },
            )
    types = (
        "fraudulent_card_application",
        "made_with_stolen_card",
        "unauthorized_use_of_card",
        "misc",
    )
    for i in range(min(warnings, len(charges))):
        ch = charges[(i * 13 + 5) % len(charges)]
        g.add(
            g.make(
                "radar.early_fraud_warning",
                g.when("radar.early_fraud_warning", ch["created"]),
                actionable=i % 3 != 2,
                charge=ch["id"],
                fraud_type=types[i % len(types)],
                payment_intent=ch["payment_intent"] or "",
            )
        )


def value_lists(g: Gen, n: int) -> None:
    """Add ``n`` value lists with their items."""
    for i in range(n):
        kind, name, alias = _VALUE_LISTS[i % len(_VALUE_LISTS)]
        t = g.when("radar.value_list")
        suffix = f"_{i // len(_VALUE_LISTS)}" if i >= len(_VALUE_LISTS) else ""
        vl = g.add(
            g.make(
                "radar.value_list",
                t,
                alias=alias + suffix,
                created_by="jenny@example.com",
                item_type=kind,
                name=name,
            )
        )
        n_items = 12 if i == 0 else g.rng.choice((0, 1, 2, 3))
        times = sorted((g.rng.randrange(t, g.end) for _ in range(n_items)), reverse=True)
        for k, when in enumerate(times):  # Stripe lists a list's items newest first
            g.add(
                g.make(
                    "radar.value_list_item",
                    when,
                    created_by=vl["created_by"],
                    value=_item_value(kind, k),
                    value_list=vl["id"],
                ),
                vl["id"],
            )
