"""Stripe's error answers, sorted by what the tap does about each, and the retry policy.

Guarantees: only a feature the account does not have (its list endpoint itself answers 404, or
Stripe says the account is "not set up to use" it) makes a stream be skipped with a warning; a
key that may not read a stream skips it with an error; a key refused (401) or without access to
``account_id`` (403 ``account_invalid``) stops every stream. A deleted cursor object or a deleted
parent is handled where the list is walked (``fetch.py``): neither ever skips a stream. Anything
else stops the run with Stripe's message. Retried answers (429, 5xx, ``Stripe-Should-Retry:
true``) wait exponentially, or exactly what a non-zero ``Retry-After`` asks.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_stripe_flow.stripe_api import RESOURCE_MISSING, StripeError, refused_key_message

EVENTS_PATH = "/v1/events"

#: Stripe's ``error.code`` for a ``Stripe-Account`` the key may not act on.
ACCOUNT_INVALID = "account_invalid"


class StripeAuthError(FatalAPIError):
    """The secret key was refused (401): nothing can be read."""

    stops_all_streams = True


class AccountAccessError(FatalAPIError):
    """The key may not act on ``account_id`` (403 ``account_invalid``): nothing can be read."""

    stops_all_streams = True

    def __init__(self, message: str, said: str = "") -> None:
        super().__init__(message)
        #: Stripe's own words.
        self.said = said


class StripePermissionError(FatalAPIError):
    """The key cannot read one stream (403)."""


class StreamUnavailableError(FatalAPIError):
    """The account cannot use this resource (a feature it is not set up for)."""


class CursorMissingError(FatalAPIError):
    """The object a walk continues from (``starting_after``) was deleted meanwhile: the walk
    starts again from its window's bound (``fetch.py``)."""


class ObjectMissingError(FatalAPIError):
    """The object a request names was deleted meanwhile: a child list's parent (it has no
    children left to read), or an object retrieved by id."""


@dataclass(frozen=True)
class ErrorContext:
    """What the error messages name, and how to tell a stream's requests apart."""

    stream: str
    #: The path of the list the stream walks (its parent's list, for a child stream).
    list_path: str
    account_id: str
    #: Removes the secret key from a text.
    scrub: Callable[[str], str]


def answered(response: requests.Response, stream: str) -> str:
    """ "Stripe answered <status> for stream '<stream>' (<path>): <Stripe's message>"."""
    return (
        f"Stripe answered {response.status_code} for stream '{stream}' "
        f"({response.request.path_url}): {StripeError.of(response).message}"
    )


def classify(response: requests.Response, where: ErrorContext) -> Exception:  # noqa: PLR0911
    """The exception an error answer (status >= 400) raises: a decision table, in order."""
    status = response.status_code
    path, _, query = response.request.path_url.partition("?")
    should_retry = response.headers.get("Stripe-Should-Retry")
    if should_retry == "true" or (should_retry != "false" and (status == 429 or status >= 500)):
        return RetriableAPIError(where.scrub(answered(response, where.stream)), response)
    error = StripeError.of(response)
    message = where.scrub(error.message)
    account = f"account {where.account_id} (setting account_id)"
    if status == 401:
        return StripeAuthError(refused_key_message(message))
    if status == 403 and error.code == ACCOUNT_INVALID:
        return AccountAccessError(
            f"The secret key (setting client_secret) may not act on {account}: check that "
            f"account_id is this key's account or one of its connected accounts. "
            f"Stripe said: {message}",
            said=message,
        )
    if status == 403 and path == EVENTS_PATH:
        return StripePermissionError(
            f"The secret key (setting client_secret) may not read events, which change "
            f"capture reads for: {where.stream}. Grant it read access to Events, or set "
            f"capture_changes to false. Stripe said: {message}"
        )
    if status == 403:
        return StripePermissionError(
            f"The secret key (setting client_secret) may not read stream '{where.stream}' "
            f"({path}) on {account}. Grant it read access or deselect the stream. "
            f"Stripe said: {message}"
        )
    if error.cursor_missing:
        return CursorMissingError(message)
    if error.code == RESOURCE_MISSING and path not in (where.list_path, EVENTS_PATH):
        return ObjectMissingError(message)  # a child list's parent, or a retrieved object
    first_page = "starting_after=" not in query and "ending_before=" not in query
    # Stripe's own 404 for a resource it does not serve here has a body with no code; a 404
    # without Stripe's body is not Stripe's (a proxy, a wrong api_base_url): the run stops.
    unserved = status == 404 and error.from_stripe and error.code is None
    if path == where.list_path and first_page and (unserved or error.not_set_up):
        return StreamUnavailableError(message)
    return FatalAPIError(
        f"Stripe answered {status} for stream '{where.stream}' ({path}): {message}"
    )


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The wait Stripe asks for in ``Retry-After``, when it sends one."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def retry_waits(base: float, most: float) -> Generator[float, Any, None]:
    """The waits between tries, for singer-sdk's backoff: ``base`` doubling up to ``most``, or
    exactly what Stripe asks for in a non-zero ``Retry-After`` (an immediate retry, never)."""
    exception = yield 0.0  # primed by the backoff library with an empty send
    attempt = 0
    while True:
        response = getattr(exception, "response", None)
        backoff = min(base * 2**attempt, most)
        attempt += 1
        exception = yield retry_after_seconds(response) or backoff
