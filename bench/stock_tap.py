"""A stock singer-sdk tap over the emulator's ``/v1/charges``: the comparison baseline.

Everything is singer-sdk's default (type conformance, message writer, ``response.json`` and a
JSONPath ``$.data[*]``, metrics, state messages) except what any Stripe tap must say: the URL,
the auth header, and a paginator that follows ``has_more`` / ``starting_after``. It reads the
same schema file as the product's ``charges`` stream.

Run as ``python -m bench.stock_tap --config config.json`` (config: ``api_base_url``,
``client_secret``, ``account_id``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from singer_sdk import RESTStream, Stream, Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

SCHEMA = Path(__file__).resolve().parents[1] / "tap_stripe_flow" / "schemas" / "charges.json"


class HasMorePaginator(BaseAPIPaginator[str | None]):
    """Next page: ``starting_after`` = the last id, while ``has_more``."""

    def __init__(self) -> None:
        super().__init__(None)

    @override
    def has_more(self, response: requests.Response) -> bool:
        return bool(response.json().get("has_more"))

    @override
    def get_next(self, response: requests.Response) -> str | None:
        data = response.json()["data"]
        return str(data[-1]["id"]) if data else None


class StockChargesStream(RESTStream[str | None]):
    """``/v1/charges``, singer-sdk defaults."""

    name = "charges"
    path = "/v1/charges"
    primary_keys = ("id",)
    replication_key = "created"
    records_jsonpath = "$.data[*]"
    schema_filepath = SCHEMA

    @override
    @property
    def url_base(self) -> str:
        return str(self.config["api_base_url"])

    @override
    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["client_secret"])

    @override
    @property
    def http_headers(self) -> dict[str, str]:
        return {"Stripe-Account": str(self.config["account_id"])}

    @override
    def get_new_paginator(self) -> HasMorePaginator:
        return HasMorePaginator()

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: str | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": 100}
        if next_page_token:
            params["starting_after"] = next_page_token
        return params


class StockTap(Tap):
    """One stream, stock settings."""

    name = "tap-stripe-stock"
    config_jsonschema = th.PropertiesList(
        th.Property("api_base_url", th.StringType, required=True),
        th.Property("client_secret", th.StringType, required=True, secret=True),
        th.Property("account_id", th.StringType, required=True),
        th.Property("start_date", th.DateTimeType),
    ).to_dict()

    @override
    def discover_streams(self) -> list[Stream]:
        return [StockChargesStream(tap=self)]


if __name__ == "__main__":
    StockTap.cli()
