"""What an object holds beyond its template: embedded and derived lists, the fields sent only
when expanded or never stored, its time field, and what a list leaves out by default.

Guarantees: every embedded list names the collection its children are stored in
(:data:`EMBEDDED`); a field of :data:`OMITTED_FIELDS` is sent only when expanded (the
includable ones, :data:`INCLUDABLE`) or never; :data:`NOT_STORED` fields are built when
rendered or set only on the objects they apply to.
"""

from __future__ import annotations

#: Embedded child lists: parent type -> (field, collection, url template, only when expanded).
EMBEDDED: dict[str, tuple[str, str, str, bool]] = {
    "invoice": ("lines", "lines", "/v1/invoices/{id}/lines", False),
    "subscription": ("items", "items", "/v1/subscription_items?subscription={id}", False),
    "customer": ("sources", "sources", "/v1/customers/{id}/sources", True),
    "checkout.session": ("line_items", "line_items", "/v1/checkout/sessions/{id}/line_items", True),
    "radar.value_list": (
        "list_items",
        "list_items",
        "/v1/radar/value_list_items?value_list={id}",
        False,
    ),
    "credit_note": ("lines", "credit_note_lines", "/v1/credit_notes/{id}/lines", False),
    "transfer": ("reversals", "reversals", "/v1/transfers/{id}/reversals", False),
    "application_fee": ("refunds", "fee_refunds", "/v1/application_fees/{id}/refunds", False),
    "quote": ("line_items", "quote_line_items", "/v1/quotes/{id}/line_items", True),
    "payment_link": (
        "line_items",
        "payment_link_line_items",
        "/v1/payment_links/{id}/line_items",
        True,
    ),
    "account": (
        "external_accounts",
        "external_accounts",
        "/v1/accounts/{id}/external_accounts",
        False,
    ),
}

#: Child types stored under a second kind of parent, in another collection: (type, parent
#: type) -> collection. Bank accounts and cards are a customer's sources, or a connected
#: account's external accounts (``/v1/accounts/{account}/external_accounts``).
OTHER_PARENTS: dict[tuple[str, str], str] = {
    ("bank_account", "account"): "external_accounts",
    ("card", "account"): "external_accounts",
}
#: Child "types" that are several stored types: a connected account's external accounts.
POLYMORPHIC: dict[str, tuple[str, ...]] = {"external_account": ("bank_account", "card")}
#: Embedded lists Stripe sends only on some parents: (type, field) -> (field, value) the
#: parent must have. ``account.external_accounts`` is returned only where the platform
#: controls the account (``controller.is_controller``).
EMBEDDED_WHEN: dict[tuple[str, str], tuple[str, bool]] = {
    ("account", "external_accounts"): ("controller.is_controller", True),
}

#: Fields never sent in a list or retrieve unless the request expands them (Stripe's
#: "includable" fields: embedded lists, and details such as ``customer.tax``). Expanding one
#: of these names (``expand[]=data.tax``) puts the stored value back.
INCLUDABLE: dict[str, tuple[str, ...]] = {
    "customer": (
        "sources",
        "subscriptions",
        "tax_ids",
        "cash_balance",
        "invoice_credit_balance",
        "tax",
    ),
    "charge": ("refunds",),
    "checkout.session": ("line_items",),
    "coupon": ("applies_to", "currency_options"),
    "plan": ("tiers",),
    "price": ("currency_options", "tiers"),
    "item": ("discounts", "taxes"),
    "payment_link": ("line_items",),
    # Sent only when expanded (Stripe's API reference): a card's full number and CVC, the
    # data a verification read, a transaction's purchase details.
    "issuing.card": ("cvc", "number"),
    "issuing.transaction": ("purchase_details",),
    "identity.verification_session": ("provided_details", "verified_outputs"),
    # Treasury: a financial account's features, a transaction's entries (never in a list)
    # and the flow behind a transaction or an entry.
    "treasury.financial_account": ("features",),
    "treasury.transaction": ("entries", "flow_details"),
    "treasury.transaction_entry": ("flow_details",),
    # A quote's line items: sent when expanded (``expand[]=data.line_items``), as a
    # Checkout Session's.
    "quote": ("line_items",),
    # a quote's ``computed.upfront.line_items`` likewise (a nested component, not an object)
    "quotes_resource_upfront": ("line_items",),
}

#: Fields Stripe never sends here unless expanded: the includable ones.
OMITTED_FIELDS: dict[str, tuple[str, ...]] = {
    **INCLUDABLE,
    # Stripe sends an endpoint's signing secret only in the answer that creates it.
    "webhook_endpoint": ("secret",),
}

#: Fields whose template placeholder is never stored: built when rendered (embedded and
#: derived lists), or set only on the objects they apply to (by the generator or a test):
#: fields of proration previews, of threshold billing, of embedded-mode Checkout.
NOT_STORED: dict[str, tuple[str, ...]] = {
    "customer": ("sources", "subscriptions", "tax_ids"),
    "charge": ("refunds",),
    "checkout.session": ("line_items", "redirect_on_completion", "return_url"),
    "invoice": ("subscription_proration_date", "threshold_reason"),
    "payment_link": ("line_items",),
    "account": ("external_accounts",),
    "treasury.transaction": ("entries",),
    "quote": ("line_items",),
}

#: Includable lists built from other top-level objects: (type, field) -> (listed type, the
#: listed type's field naming the owner, url template). ``customer.subscriptions`` lists the
#: customer's subscriptions that are not canceled; ``customer.tax_ids`` its tax ids (a child
#: type: the customer's own list).
DERIVED_LISTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("customer", "subscriptions"): ("subscription", "customer", "/v1/customers/{id}/subscriptions"),
    ("customer", "tax_ids"): ("tax_id", "customer", "/v1/customers/{id}/tax_ids"),
    ("charge", "refunds"): ("refund", "charge", "/v1/charges/{id}/refunds"),
}

#: Objects a top-level list leaves out unless its filters ask for them, as ``(field, op,
#: value)`` filters of :func:`stripe_emulator.account.matches`: ``/v1/reviews`` lists open
#: reviews only (a closed review arrives by its ``review.closed`` event).
HIDDEN_BY_DEFAULT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "review": (("open", "eq", "false"),),
    # /v1/prices lists active prices unless asked for ``active`` (Stripe's API reference:
    # "Returns a list of your active prices... For the list of inactive prices, set active
    # to false"); a filter given on the field replaces the default.
    "price": (("active", "eq", "false"),),
}

#: The field holding an object's creation time where it is not ``created``: invoice items
#: carry ``date`` (and ``/v1/invoiceitems`` filters ``created[...]`` on it).
TIME_FIELD: dict[str, str] = {"invoiceitem": "date"}


def time_field(object_type: str) -> str:
    """Return the name of the field a type's lists sort and filter ``created`` on."""
    return TIME_FIELD.get(object_type, "created")
