"""Stripe's error answers, sorted by what the tap does about each.

Guarantees: only a feature the account does not have (its list endpoint itself answers 404, or
Stripe says the account is "not set up to use" it) makes a stream be skipped with a warning; a
key that may not read a stream skips it with an error; a key refused (401) or without access to
``account_id`` (403 ``account_invalid``) stops every stream. A deleted cursor object or a deleted
parent is handled where the list is walked (``fetch.py``): neither ever skips a stream. Anything
else stops the run with Stripe's message.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import requests
from singer_sdk.exceptions import FatalAPIError

#: Stripe's ``error.code`` for an id that names nothing (a deleted object).
RESOURCE_MISSING = "resource_missing"
#: Stripe's ``error.code`` for a ``Stripe-Account`` the key may not act on.
ACCOUNT_INVALID = "account_invalid"
CURSOR_PARAMS = ("starting_after", "ending_before")


class StripeAuthError(FatalAPIError):
    """The secret key was refused (401): nothing can be read."""

    stops_all_streams = True


class AccountAccessError(FatalAPIError):
    """The key may not act on ``account_id`` (403 ``account_invalid``): nothing can be read."""

    stops_all_streams = True


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
class StripeError:
    """The fields of Stripe's error body (``{"error": {...}}``) the tap acts on."""

    message: str
    code: str | None = None
    param: str | None = None

    @classmethod
    def of(cls, response: requests.Response) -> StripeError:
        """The error of ``response``; the HTTP reason when the body is not Stripe's."""
        try:
            error = orjson.loads(response.content)["error"]
            message = str(error["message"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return cls(f"HTTP {response.status_code} {response.reason}")
        code, param = error.get("code"), error.get("param")
        return cls(
            message,
            code if isinstance(code, str) else None,
            param if isinstance(param, str) else None,
        )

    @property
    def cursor_missing(self) -> bool:
        """The ``starting_after``/``ending_before`` object no longer exists."""
        return self.code == RESOURCE_MISSING and self.param in CURSOR_PARAMS

    @property
    def not_set_up(self) -> bool:
        """Stripe says the account is not set up to use this resource."""
        return "not set up to use" in self.message
