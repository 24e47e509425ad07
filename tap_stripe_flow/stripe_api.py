"""What every request to Stripe carries, Stripe's error body, and the one-request account check.

Kept free of singer-sdk so that the Flow connector answers ``spec`` and ``validate`` without
loading it (the tap process loads it; the connector process only checks and relays).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import requests


class AccountCheckError(Exception):
    """The account check failed; the message names the setting to fix."""


def stripe_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Headers of every request: the account and the pinned API version."""
    return {
        "Stripe-Account": str(config["account_id"]),
        "Stripe-Version": str(config["stripe_api_version"]),
    }


#: What Stripe says on the first page of a product's list when the account lacks the product:
#: Issuing, Identity ("Your account is not set up to use Issuing"), Climate orders, Sigma in
#: test mode, Terminal outside the countries Stripe offers it in.
NOT_SET_UP = (
    "not set up to use",
    "not eligible for Climate",
    "API surface is not enabled for testmode",
    "Terminal is currently only available in certain countries",
)

#: Stripe's ``error.code`` for an id that names nothing (a deleted object).
RESOURCE_MISSING = "resource_missing"
CURSOR_PARAMS = ("starting_after", "ending_before")


@dataclass(frozen=True)
class StripeError:
    """The fields of Stripe's error body (``{"error": {...}}``) the tap acts on."""

    message: str
    code: str | None = None
    param: str | None = None
    #: Whether the body was Stripe's error object (not a proxy's page).
    from_stripe: bool = False

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
            from_stripe=True,
        )

    @property
    def cursor_missing(self) -> bool:
        """The ``starting_after``/``ending_before`` object no longer exists."""
        return self.code == RESOURCE_MISSING and self.param in CURSOR_PARAMS

    @property
    def not_set_up(self) -> bool:
        """Stripe says the account is not set up to use this resource (a product it lacks,
        in Stripe's words: :data:`NOT_SET_UP`)."""
        return any(words in self.message for words in NOT_SET_UP)


def refused_key_message(said: str) -> str:
    """What a 401 means, for any request."""
    return (
        "Stripe refused the secret key (setting client_secret); check that it is a current key "
        f"of this account. Stripe said: {said}"
    )


def check_credentials(config: Mapping[str, Any], *, timeout: float = 30) -> None:
    """Read the account once: proves the key works and may act on ``account_id``; with
    ``capture_connected_accounts``, list one connected account too: proves it may list them.

    Raises:
        AccountCheckError: Stripe cannot be reached, refuses the key, or the key may not act on
            the account; the message never holds the secret.
    """
    response = _get(config, "/v1/account", {}, timeout)
    if response.ok:
        if config.get("capture_connected_accounts"):
            _check_connected_accounts(config, timeout=timeout)
        return
    said = _said(config, response)
    if response.status_code == 401:
        raise AccountCheckError(refused_key_message(said))
    if response.status_code == 403:
        msg = (
            f"The secret key (setting client_secret) may not act on account "
            f"{config['account_id']} (setting account_id). Stripe said: {said}"
        )
        raise AccountCheckError(msg)
    msg = f"Stripe answered {response.status_code} to the account check: {said}"
    raise AccountCheckError(msg)


def _get(
    config: Mapping[str, Any], path: str, params: Mapping[str, Any], timeout: float
) -> requests.Response:
    """One GET of ``path`` with the key and headers of every request.

    Raises:
        AccountCheckError: Stripe cannot be reached.
    """
    url = str(config["api_base_url"]).rstrip("/") + path
    secret = str(config["client_secret"])
    try:
        return requests.get(
            url,
            params=dict(params),
            headers={**stripe_headers(config), "Authorization": f"Bearer {secret}"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        msg = f"Cannot reach Stripe at {url} (setting api_base_url): {type(exc).__name__}"
        raise AccountCheckError(msg) from exc


def _said(config: Mapping[str, Any], response: requests.Response) -> str:
    """Stripe's message, without the secret key."""
    return StripeError.of(response).message.replace(str(config["client_secret"]), "<client_secret>")


def _check_connected_accounts(config: Mapping[str, Any], *, timeout: float) -> None:
    """One page of one connected account: the key may list the platform's accounts (an
    account that is not a platform lists none, which is no error: it may become one)."""
    response = _get(config, "/v1/accounts", {"limit": 1}, timeout)
    if response.ok:
        return
    said = _said(config, response)
    msg = (
        "capture_connected_accounts is on, but the secret key (setting client_secret) cannot "
        f"list the platform's connected accounts: Stripe answered {response.status_code}: "
        f"{said} Use a key that may read Connect accounts, or turn the setting off."
    )
    raise AccountCheckError(msg)
