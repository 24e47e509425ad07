"""Stripe-shaped error bodies.

Guarantees: every function returns ``(status, body_bytes)`` where the body is
``{"error": {...}}`` exactly as Stripe spells it; API keys only ever appear masked by
:func:`mask_key` (prefix and last four characters kept, everything else ``*``).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_KEY_PREFIX = re.compile(r"^(?:sk|rk|pk)_(?:test|live)_")
DOCS = "https://stripe.com/docs/error-codes/"

ErrorResponse = tuple[int, bytes]


def mask_key(key: str) -> str:
    """Mask an API key as Stripe does: ``sk_test_********************1234``."""
    match = _KEY_PREFIX.match(key)
    prefix = match.group(0) if match else ""
    rest = key[len(prefix) :]
    if len(rest) <= 4:
        return prefix + "*" * len(rest)
    return prefix + "*" * (len(rest) - 4) + rest[-4:]


def _body(status: int, **fields: Any) -> ErrorResponse:
    error = {k: v for k, v in fields.items() if v is not None}
    return status, orjson.dumps({"error": error})


def invalid_api_key(key: str | None) -> ErrorResponse:
    """401 for a missing or wrong API key."""
    if not key:
        return _body(
            401,
            message=(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                "or we can help at https://support.stripe.com/."
            ),
            type="invalid_request_error",
        )
    return _body(
        401,
        message=f"Invalid API Key provided: {mask_key(key)}",
        type="invalid_request_error",
    )


def account_mismatch(key: str, account: str) -> ErrorResponse:
    """403 ``account_invalid`` when ``Stripe-Account`` names an account the key cannot
    access."""
    return _body(
        403,
        code="account_invalid",
        doc_url=DOCS + "account-invalid",
        message=(
            f"The provided key '{mask_key(key)}' does not have access to account "
            f"'{account}' (or that account does not exist). Application access may have "
            "been revoked."
        ),
        type="invalid_request_error",  # the spec knows no permission_error type
    )


def missing_permission(key: str, account: str, permission: str) -> ErrorResponse:
    """403 for a restricted key lacking the permission a path needs."""
    return _body(
        403,
        message=(
            f"The provided key '{mask_key(key)}' does not have the required permissions for "
            f"this endpoint on account '{account}'. Having the '{permission}' permission "
            "would allow this request to continue."
        ),
        type="invalid_request_error",  # the spec knows no permission_error type
    )


def unknown_parameter(name: str) -> ErrorResponse:
    """400 ``parameter_unknown`` for a query parameter the endpoint does not accept."""
    return _body(
        400,
        code="parameter_unknown",
        doc_url=DOCS + "parameter-unknown",
        message=f"Received unknown parameter: {name}",
        param=name,
        type="invalid_request_error",
    )


def missing_parameter(name: str) -> ErrorResponse:
    """400 ``parameter_missing`` for a required parameter that was not given."""
    return _body(
        400,
        code="parameter_missing",
        doc_url=DOCS + "parameter-missing",
        message=f"Missing required param: {name}.",
        param=name,
        type="invalid_request_error",
    )


def invalid_integer(name: str, value: str) -> ErrorResponse:
    """400 ``parameter_invalid_integer`` for a parameter that must be an integer."""
    return _body(
        400,
        code="parameter_invalid_integer",
        doc_url=DOCS + "parameter-invalid-integer",
        message=f"Invalid integer: {value}",
        param=name,
        type="invalid_request_error",
    )


def invalid_boolean(name: str, value: str) -> ErrorResponse:
    """400 for a parameter that must be ``true`` or ``false``."""
    return _body(
        400,
        message=f"Invalid boolean: {value}",
        param=name,
        type="invalid_request_error",
    )


def invalid_enum(name: str, values: list[str]) -> ErrorResponse:
    """400 for an enum parameter given a value it does not allow (``status=all`` outside
    ``/v1/subscriptions``): "Invalid status: must be one of a, b, or c"."""
    listed = ", ".join(values[:-1]) + f", or {values[-1]}" if len(values) > 1 else values[0]
    return _body(
        400,
        message=f"Invalid {name}: must be one of {listed}",
        param=name,
        type="invalid_request_error",
    )


def too_many_items(name: str, count: int, most: int) -> ErrorResponse:
    """400 for an array parameter with more than ``most`` items (``types[]``: 20)."""
    return _body(
        400,
        message=(
            f"Invalid array: {name} must have at most {most} items (it currently has {count})."
        ),
        param=name,
        type="invalid_request_error",
    )


def exclusive(names: tuple[str, ...]) -> ErrorResponse:
    """400 ``parameters_exclusive`` when mutually exclusive parameters are combined."""
    return _body(
        400,
        code="parameters_exclusive",
        doc_url=DOCS + "parameters-exclusive",
        message=f"You may only specify one of these parameters: {', '.join(names)}.",
        type="invalid_request_error",
    )


def not_expandable(name: str, hint: str | None = None) -> ErrorResponse:
    """400 for an ``expand[]`` the endpoint cannot expand: "This property cannot be expanded
    (name)." (plus a hint to try ``data.name`` on a list)."""
    message = f"This property cannot be expanded ({name})."
    if hint:
        message += f" You may want to try expanding '{hint}' instead."
    return _body(400, message=message, param="expand", type="invalid_request_error")


def invalid_version(value: str) -> ErrorResponse:
    """400 ``api_version_invalid`` for a malformed ``Stripe-Version`` header."""
    return _body(
        400,
        code="api_version_invalid",
        message=f"Invalid Stripe API version: {value}",
        type="invalid_request_error",
    )


def limit_out_of_range(value: int) -> ErrorResponse:
    """400 for ``limit`` outside 1..100."""
    bound = "greater than or equal to 1" if value < 1 else "less than or equal to 100"
    return _body(
        400,
        message=f"This value must be {bound} (it currently is '{value}').",
        param="limit",
        type="invalid_request_error",
    )


def exclusive_cursors() -> ErrorResponse:
    """400 ``parameters_exclusive`` when both ``starting_after`` and ``ending_before`` are
    given."""
    return exclusive(("ending_before", "starting_after"))


def no_such(object_type: str, object_id: str, param: str | None, status: int) -> ErrorResponse:
    """``resource_missing`` for an unknown id: "No such customer: 'cus_x'" (Stripe names the
    object type as its ``object`` value: ``payment_intent``, ``checkout.session``)."""
    label = object_type
    return _body(
        status,
        code="resource_missing",
        doc_url=DOCS + "resource-missing",
        message=f"No such {label}: '{object_id}'",
        param=param,
        type="invalid_request_error",
    )


def unrecognized_url(method: str, path: str) -> ErrorResponse:
    """404 for a path the emulator does not serve."""
    return _body(
        404,
        message=(
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/."
        ),
        type="invalid_request_error",
    )


#: Products whose lists Stripe refuses in their own words on an account without them (seen
#: by Stripe's own sync engine, stripe/sync-engine-fork, and the Terminal SDKs' issues):
#: Sigma's API in test mode, Climate orders on an account not eligible, Terminal in a country
#: Stripe does not offer it in.
UNAVAILABLE_MESSAGES = {
    "Climate": "Account not eligible for Climate Orders",
    "Sigma": "This API surface is not enabled for testmode usage.",
    "Terminal": (
        "Terminal is currently only available in certain countries. For more information, "
        "see https://stripe.com/docs/terminal."
    ),
}


def not_set_up(feature: str) -> ErrorResponse:
    """400 for a product the account has not activated, in Stripe's words for it."""
    default = (
        f"Your account is not set up to use {feature}. Please visit your dashboard at "
        "https://dashboard.stripe.com/account to activate it."
    )
    return _body(
        400,
        message=UNAVAILABLE_MESSAGES.get(feature, default),
        type="invalid_request_error",
    )


def rate_limited() -> ErrorResponse:
    """429 ``rate_limit`` as Stripe's live mode words it, for a request over a rate limit (the
    server names which one in ``Stripe-Rate-Limited-Reason``)."""
    return _body(
        429,
        code="rate_limit",
        doc_url=DOCS + "rate-limit",
        message=(
            "Request rate limit exceeded. You can learn more about rate limits here "
            "https://stripe.com/docs/rate-limits."
        ),
        type="invalid_request_error",
    )


def server_error(status: int) -> ErrorResponse:
    """5xx ``api_error`` used by fault injection."""
    return _body(
        status,
        message="An unknown error occurred. Please try again later.",
        type="api_error",
    )


def lock_timeout() -> ErrorResponse:
    """409 ``lock_timeout``: Stripe sends it with ``Stripe-Should-Retry: true``."""
    return _body(
        409,
        code="lock_timeout",
        doc_url=DOCS + "lock-timeout",
        message=(
            "This object cannot be accessed right now because another API request or Stripe "
            "process is currently accessing it. Please retry your request."
        ),
        type="invalid_request_error",
    )
