"""All HTTP behaviour of the tap: requests, pagination, retries and Stripe's errors.

Reading window of an incremental stream (both bounds inclusive, Unix seconds)::

    start_date - lookback     bookmark - lookback              run start
    |--- first run ------------------------------------------------|
                              |--- a later run --------------------|
    created[gte]                                                   created[lte]

The bookmark is the newest ``created`` seen, capped at the run start, so a later run re-reads the
bookmark's own second (objects created in the same second are never skipped) plus the lookback
window (objects changed after creation are captured again).
"""

from __future__ import annotations

import math
import random
import weakref
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import orjson
import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_stripe_flow.settings import parse_utc_timestamp

PAGE_SIZE = 100  # Stripe's maximum
SECONDS_PER_DAY = 86_400

_pages: weakref.WeakKeyDictionary[requests.Response, dict[str, Any]] = weakref.WeakKeyDictionary()


def read_page(response: requests.Response) -> dict[str, Any]:
    """Parse a Stripe list body once per response (the paginator and the parser both read it)."""
    page = _pages.get(response)
    if page is None:
        try:
            page = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            # A body cut short by the network: retrying the request is safe.
            msg = f"Stripe sent a body that is not JSON for {response.request.path_url}"
            raise RetriableAPIError(msg, response) from exc
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            msg = f"Stripe sent a body that is not a list for {response.request.path_url}"
            raise RetriableAPIError(msg, response)
        _pages[response] = page
    return page


class StripeAuthError(FatalAPIError):
    """The secret key was refused (401): nothing can be read."""


class StripePermissionError(FatalAPIError):
    """The key cannot read one stream (403)."""


class StreamUnavailableError(FatalAPIError):
    """The account cannot use this resource (a feature it is not set up for)."""


def stripe_error_message(response: requests.Response) -> str:
    """Stripe's own error sentence from an error body, or the HTTP reason when there is none."""
    try:
        body = orjson.loads(response.content)
        message = body["error"]["message"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return f"HTTP {response.status_code} {response.reason}"
    return str(message)


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The wait Stripe asks for in ``Retry-After``, when it sends one."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def stripe_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Headers of every request: the account and the pinned API version."""
    return {
        "Stripe-Account": str(config["account_id"]),
        "Stripe-Version": str(config["stripe_api_version"]),
    }


def check_credentials(config: Mapping[str, Any], *, timeout: float = 30) -> None:
    """Read the account once: proves the key works and may act on ``account_id``.

    Raises:
        StripeAuthError: the key is refused.
        StripePermissionError: the key may not act on the account.
        FatalAPIError: Stripe cannot be reached or answers something else.
    """
    url = str(config["api_base_url"]).rstrip("/") + "/v1/account"
    secret = str(config["client_secret"])
    try:
        response = requests.get(
            url,
            headers={**stripe_headers(config), "Authorization": f"Bearer {secret}"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        msg = f"Cannot reach Stripe at {url} (setting api_base_url): {type(exc).__name__}"
        raise FatalAPIError(msg) from exc
    if response.ok:
        return
    said = stripe_error_message(response).replace(secret, "<client_secret>")
    if response.status_code == 401:
        msg = f"Stripe refused the secret key (setting client_secret). Stripe said: {said}"
        raise StripeAuthError(msg)
    if response.status_code == 403:
        msg = (
            f"The secret key (setting client_secret) may not act on account "
            f"{config['account_id']} (setting account_id). Stripe said: {said}"
        )
        raise StripePermissionError(msg)
    msg = f"Stripe answered {response.status_code} to the account check: {said}"
    raise FatalAPIError(msg)


class StripeCursorPaginator(BaseAPIPaginator[str | None]):
    """Follows ``starting_after`` = the last id of a page while Stripe says ``has_more``."""

    def __init__(self) -> None:
        super().__init__(None)

    @override
    def has_more(self, response: requests.Response) -> bool:
        page = read_page(response)
        return bool(page.get("has_more")) and bool(page["data"])

    @override
    def get_next(self, response: requests.Response) -> str | None:
        return str(read_page(response)["data"][-1]["id"])


class StripeStream(RESTStream[Any]):
    """A Stripe list endpoint read newest first, filtered on ``created``.

    Guarantees: every object with ``start_date - lookback <= created <= run start`` (first run) or
    ``bookmark - lookback <= created <= run start`` (later runs) is emitted at least once per run,
    with every field Stripe sent.
    """

    primary_keys = ("id",)
    replication_key: str | None = "created"
    is_sorted = False  # Stripe lists newest first: the SDK promotes the bookmark at the end.
    #: Extra query parameters this list needs (``{"status": "all"}`` for subscriptions).
    list_params: ClassVar[Mapping[str, str]] = {}
    # Stripe's JSON needs no type conversion, and conforming would drop the fields Stripe sends
    # but its 2024-06-20 spec omits (charge.source, subscription_item.plan): a record keeps
    # everything Stripe sent.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    RETRY_BASE_SECONDS: ClassVar[float] = 1.0
    RETRY_MAX_WAIT_SECONDS: ClassVar[float] = 60.0
    RETRY_MAX_TRIES: ClassVar[int] = 8
    REQUEST_TIMEOUT_SECONDS: ClassVar[int] = 60

    @override
    @property
    def url_base(self) -> str:
        return str(self.config["api_base_url"]).rstrip("/")

    @override
    @cached_property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["client_secret"])

    @override
    @property
    def http_headers(self) -> dict[str, str]:
        return {**stripe_headers(self.config), "User-Agent": self.user_agent}

    @cached_property
    def run_started_at(self) -> int:
        """The run's start (Unix seconds): the newest ``created`` asked for and bookmarked."""
        return math.floor(self._initialized_at / 1000)

    def starting_created(self, context: Context | None) -> int:
        """First ``created`` second to read: (bookmark, or start_date) minus the lookback."""
        # singer-sdk seeds a stream without state with the start_date string itself.
        bookmark = self.get_starting_replication_key_value(context) or self.config["start_date"]
        if isinstance(bookmark, str):
            base = int(parse_utc_timestamp(bookmark).timestamp())
        else:
            base = int(bookmark)
        return base - int(self.config.get("lookback_window_days", 0)) * SECONDS_PER_DAY

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> int | None:
        return self.run_started_at if self.replication_key else None

    def created_window_params(self, context: Context | None) -> dict[str, Any]:
        """The ``created`` filter of this run's reading window."""
        return {
            "created[gte]": self.starting_created(context),
            "created[lte]": self.run_started_at,
        }

    @override
    @property
    def timeout(self) -> int:
        return self.REQUEST_TIMEOUT_SECONDS

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[Any]:
        return StripeCursorPaginator()

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        params: dict[str, Any] = {
            "limit": PAGE_SIZE,
            **self.list_params,
            **self.created_window_params(page.stream_context),
        }
        if page.next_page_token:
            params["starting_after"] = page.next_page_token
        request.params = params
        request.safe_query_chars = "[]"
        return request

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        data: list[dict[str, Any]] = read_page(response)["data"]
        return data

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        try:
            yield from super().get_records(context)
        except StreamUnavailableError as exc:
            self.logger.warning("Skipping stream %s: %s", self.name, exc)

    # Errors and retries ---------------------------------------------------------------------

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            read_page(response)  # a truncated body raises here, inside the retried call
            return
        should_retry = response.headers.get("Stripe-Should-Retry")
        if should_retry == "true" or (should_retry != "false" and (status == 429 or status >= 500)):
            raise RetriableAPIError(self.response_error_message(response), response)
        message = self.scrub(stripe_error_message(response))
        if status == 401:
            msg = (
                "Stripe refused the secret key (setting client_secret); check that it is a "
                f"current key of this account. Stripe said: {message}"
            )
            raise StripeAuthError(msg)
        if status == 403:
            msg = (
                f"The secret key (setting client_secret) may not read stream '{self.name}' "
                f"({self.path}) on account {self.config['account_id']} (setting account_id). "
                f"Grant it read access or deselect the stream. Stripe said: {message}"
            )
            raise StripePermissionError(msg)
        if status == 404 or "not set up to use" in message:
            raise StreamUnavailableError(message)
        msg = f"Stripe answered {status} for stream '{self.name}' ({self.path}): {message}"
        raise FatalAPIError(msg)

    @override
    def response_error_message(self, response: requests.Response) -> str:
        return self.scrub(
            f"Stripe answered {response.status_code} for stream '{self.name}' "
            f"({response.request.path_url}): {stripe_error_message(response)}"
        )

    def scrub(self, text: str) -> str:
        """Remove the secret key from a text that is about to be logged or raised."""
        secret = str(self.config.get("client_secret") or "")
        return text.replace(secret, "<client_secret>") if secret else text

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        """Exponential waits, or exactly what Stripe asks for in ``Retry-After``."""
        return self._waits()

    def _waits(self) -> Generator[float, Any, None]:
        exception = yield 0.0  # primed by the backoff library with an empty send
        attempt = 0
        while True:
            response = getattr(exception, "response", None)
            asked = retry_after_seconds(response)
            wait = self.RETRY_BASE_SECONDS * 2**attempt
            attempt += 1
            exception = yield asked if asked is not None else min(wait, self.RETRY_MAX_WAIT_SECONDS)

    @override
    def backoff_max_tries(self) -> int:
        return self.RETRY_MAX_TRIES

    @override
    def backoff_jitter(self, value: float) -> float:
        # Never wait less than Stripe asked; add up to 25 % so parallel readers spread out.
        return value * random.uniform(1.0, 1.25)


@dataclass(frozen=True, slots=True)
class ParentPage:
    """The next page of the parent list."""

    starting_after: str | None


@dataclass(frozen=True, slots=True)
class ChildPage:
    """The next page of one parent's child list, after the entries already read."""

    parent: Mapping[str, Any]
    starting_after: str | None


ListToken = ParentPage | ChildPage


class ParentChildPaginator(BaseAPIPaginator[ListToken | None]):
    """Walks a parent list and, for each parent, the part of its child list not embedded in it.

    Order: one parent page, then the child pages its parents need, then the next parent page. A
    parent whose embedded list is complete (``has_more: false``) costs no request at all.
    """

    def __init__(self, embedded_field: str | None) -> None:
        super().__init__(None)
        self._embedded_field = embedded_field
        self._pending: deque[ChildPage] = deque()
        self._next_parent: ParentPage | None = None
        self._next: ListToken | None = None

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return True  # a page of parents without children is normal

    @override
    def has_more(self, response: requests.Response) -> bool:
        page = read_page(response)
        data = page["data"]
        more = bool(page.get("has_more")) and bool(data)
        if isinstance(self.current_value, ChildPage):
            if more:
                self._pending.appendleft(ChildPage(self.current_value.parent, data[-1]["id"]))
        else:
            self._next_parent = ParentPage(data[-1]["id"]) if more else None
            self._pending.extend(self._children_to_fetch(data))
        self._next = self._pending.popleft() if self._pending else self._next_parent
        if self._next is self._next_parent:
            self._next_parent = None
        return self._next is not None

    def _children_to_fetch(self, parents: list[dict[str, Any]]) -> Iterable[ChildPage]:
        for parent in parents:
            if self._embedded_field is None:
                yield ChildPage(parent, None)
                continue
            embedded = parent.get(self._embedded_field) or {}
            entries = embedded.get("data") or []
            if embedded.get("has_more") and entries:
                yield ChildPage(parent, entries[-1]["id"])
            elif embedded.get("has_more") or self._embedded_field not in parent:
                yield ChildPage(parent, None)

    @override
    def get_next(self, response: requests.Response) -> ListToken | None:
        return self._next


class StripeChildStream(StripeStream):
    """Objects listed under a parent (invoice lines, subscription items, ...).

    The stream reads the parent list itself, with the children embedded where Stripe embeds them,
    and requests a child list only for the part an embedded list leaves out. A full-refresh child
    must see every parent, which an incremental parent stream does not list on later runs; reading
    the parent list costs one request per 100 parents either way.

    Guarantees: each child of every parent in the reading window is emitted once per run, carrying
    its parent's id (``parent_fields``).
    """

    #: Path of the parent list (``self.path`` is the child list, with ``{parent_id}``).
    parent_path: ClassVar[str]
    parent_params: ClassVar[Mapping[str, str]] = {}
    #: Field of the parent holding the embedded child list; None when Stripe embeds nothing.
    embedded_field: ClassVar[str | None] = None
    #: Query parameter naming the parent on the child list (``subscription`` for items).
    parent_param: ClassVar[str | None] = None
    #: Child field -> parent field copied into each child record.
    parent_fields: ClassVar[Mapping[str, str]] = {}
    #: Keep only children of this ``object`` type (customer sources mix cards and bank accounts).
    child_object: ClassVar[str | None] = None

    _current: ListToken | None = None

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[Any]:
        return ParentChildPaginator(self.embedded_field)

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        token: ListToken | None = page.next_page_token
        self._current = token
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if isinstance(token, ChildPage):
            parent_id = token.parent["id"]
            path = self.path.format(parent_id=parent_id)
            if self.parent_param:
                params[self.parent_param] = parent_id
        else:
            path = self.parent_path
            params.update(self.parent_params)
            params.update(self.created_window_params(page.stream_context))
        if token is not None and token.starting_after:
            params["starting_after"] = token.starting_after
        return HTTPRequest(
            url=self.url_base + path,
            headers=self.http_headers,
            params=params,
            safe_query_chars="[]",
        )

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        data = read_page(response)["data"]
        if isinstance(self._current, ChildPage):
            yield from self._children(self._current.parent, data)
            return
        for parent in data:
            embedded = parent.get(self.embedded_field) if self.embedded_field else None
            if embedded:
                yield from self._children(parent, embedded.get("data") or [])

    def _children(
        self, parent: Mapping[str, Any], children: list[dict[str, Any]]
    ) -> Iterable[dict[str, Any]]:
        for child in children:
            if self.child_object and child.get("object") != self.child_object:
                continue
            for child_field, parent_field in self.parent_fields.items():
                if child.get(child_field) is None:
                    child[child_field] = parent[parent_field]
            yield child
