"""Generation of lists Stripe does not filter by ``created``: tax codes and payment links.

Called by :func:`stripe_emulator.generate.build_account` with the same guarantees as the other
generators: deterministic by seed, links to existing objects, every status Stripe has on some
object, every optional field on a share of each type's objects.

* Tax codes: Stripe's catalogue, the same for every account (no creation time, no events).
* Payment links in the currencies of the account's plans: active and deactivated ones, hosted
  confirmation or redirect after completion, some with restrictions, shipping or promotions.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen

#: Top-level types made here -> their share of the account (a weight of ``_counts``).
WEIGHTS: dict[str, float] = {"payment_link": 0.003}

#: A part of Stripe's tax code catalogue: (id, name, description).
TAX_CODES = (
    ("txcd_00000000", "Nontaxable", "Any nontaxable good or service."),
    ("txcd_10000000", "General - Electronically Supplied Services", "A digital service."),
    ("txcd_10103000", "Software as a service (SaaS) - personal use", "Software accessed online."),
    ("txcd_20030000", "General - Services", "A general service."),
    ("txcd_30011000", "Clothing and footwear", "Apparel for general use."),
    ("txcd_40060003", "Food for humans", "Food and grocery items."),
    ("txcd_92010001", "Shipping", "Charges for delivering goods."),
    ("txcd_99999999", "General - Tangible Goods", "A physical good that can be moved or touched."),
)


def catalogue(g: Gen, counts: dict[str, int]) -> None:
    """Add Stripe's tax codes and ``counts["payment_link"]`` payment links."""
    for tax_id, name, description in TAX_CODES:
        code = g.make("tax_code", None, name=name, description=description)
        code["id"] = tax_id
        g.add(code)
    _payment_links(g, counts["payment_link"])


def _payment_links(g: Gen, n: int) -> None:
    plans = g.by_type.get("plan", [])
    for i in range(n):
        plan = plans[i % len(plans)] if plans else None
        t = g.when("payment_link")
        active = i % 5 != 4
        link = g.make(
            "payment_link",
            t,
            active=active,
            allow_promotion_codes=i % 3 == 0,
            billing_address_collection="required" if i % 4 == 1 else "auto",
            currency=(plan or {}).get("currency", "usd"),
            customer_creation="always" if i % 2 else "if_required",
            inactive_message="This offer has ended." if not active and i % 2 == 0 else None,
            metadata={"campaign": f"spring-{i}"} if i % 3 == 1 else {},
            submit_type=("auto", "book", "donate", "pay")[i % 4],
            application=None,
            application_fee_amount=None,
            application_fee_percent=None,
            on_behalf_of=None,
            transfer_data=None,
            payment_method_types=["card"] if i % 4 == 2 else None,
            shipping_address_collection={"allowed_countries": ["US", "CA"]} if i % 3 == 2 else None,
            restrictions={"completed_sessions": {"count": i, "limit": 100}} if i % 4 == 3 else None,
        )
        link["url"] = f"https://buy.stripe.com/test_{link['id'][6:20]}"
        if i % 2 == 1:
            link["after_completion"] = {
                "redirect": {"url": "https://example.com/thanks"},
                "type": "redirect",
            }
        g.add(link)
