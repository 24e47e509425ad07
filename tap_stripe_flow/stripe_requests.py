"""How a stream's requests are built and sent: Stripe's list, child-list, events and retrieve
requests, under the run's rate-limited session and with the stream's retries.

``StripeRequests`` is the HTTP half of ``client.StripeStream``: it turns a token
(``pagination.py``) into a request, labels it with the endpoint it counts against in Stripe's
per-endpoint limit (``ratelimit.py``), and sends it through ``StripeRetries`` (``retries.py``),
from any fetch thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
import requests
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_stripe_flow.errors import EVENTS_PATH, ObjectMissingError
from tap_stripe_flow.pagination import ChildPage, EventsPage, Token
from tap_stripe_flow.ratelimit import label_endpoint
from tap_stripe_flow.retries import StripeRetries
from tap_stripe_flow.stripe_api import stripe_headers

if TYPE_CHECKING:
    from tap_stripe_flow.prefetch import Prefetch

PAGE_SIZE = 100  # Stripe's maximum


class StripeRequests(StripeRetries):
    """Requests of one stream (the stream provides its paths, parameters and first token)."""

    REQUEST_TIMEOUT_SECONDS: ClassVar[int] = 60
    #: Extra query parameters this list needs (``{"status": "all"}`` for subscriptions).
    list_params: ClassVar[Mapping[str, str]] = {}
    filters_created: ClassVar[bool] = True  # see ``client.StripeStream``
    #: Whether the list has pages (``limit``, ``starting_after``); Stripe's report types are
    #: one page without paging parameters.
    paged: ClassVar[bool] = True
    #: Whether child lists take ``limit`` and ``starting_after`` (a connected account's
    #: capabilities come in one list that takes neither).
    paged_children: ClassVar[bool] = True
    _prefetch: Prefetch

    @property
    def limit_scope(self) -> str | None:
        """Whose endpoints the requests count against (None: the account of ``account_id``;
        a connected account's id: its own, ``account_stream.py``)."""
        return None

    def first_token(self) -> Token:
        """The token a request without one answers (the stream's first window)."""
        raise NotImplementedError

    def events_params(self) -> dict[str, Any]:
        """The filter of the stream's own events walk."""
        raise NotImplementedError

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

    @override
    @property
    def timeout(self) -> int:
        return self.REQUEST_TIMEOUT_SECONDS

    @override
    @property
    def requests_session(self) -> requests.Session:
        return self._prefetch.session

    def list_request(self) -> tuple[str, dict[str, Any]]:
        """Path and parameters of the stream's list (without window and paging)."""
        return self.path, dict(self.list_params)

    def child_request(self, parent: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Path and parameters of one parent's child list (child streams only)."""
        raise NotImplementedError

    def endpoint(self, token: Token) -> str:
        """The path template of ``token``'s request, ids left as ``{placeholders}``: the
        endpoint it counts against in Stripe's per-endpoint rate limit (``ratelimit.py``)."""
        if isinstance(token, EventsPage):
            return EVENTS_PATH
        if isinstance(token, ChildPage):
            return self.path  # a child list: ``{parent_id}`` unfilled (``child_request``)
        return self.list_request()[0]

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        token: Token = page.next_page_token or self.first_token()
        if isinstance(token, EventsPage):
            path, params = EVENTS_PATH, self.events_params()
        elif isinstance(token, ChildPage):
            path, params = self.child_request(token.parent)
        else:
            path, params = self.list_request()
            params.update(token.variant)
            if self.filters_created:
                params["created[gte]"] = token.gte
                params["created[lte]"] = token.lte
        if self.paged_children if isinstance(token, ChildPage) else self.paged:
            params["limit"] = PAGE_SIZE
        if token.starting_after:
            params["starting_after"] = token.starting_after
        return HTTPRequest(
            url=self.url_base + path,
            headers=self.http_headers,
            params=params,
            safe_query_chars="[]",
        )

    def fetch_page(self, token: Token) -> requests.Response:
        """Send the request of one token, with the stream's retries (from any thread)."""
        http_request = self.get_http_request(page=PageContext(None, token))
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        label_endpoint(prepared, self.endpoint(token), self.limit_scope)
        return self.request_decorator(self._send)(prepared, None)

    def _send(
        self, prepared: requests.PreparedRequest, context: Mapping[str, Any] | None
    ) -> requests.Response:
        # Not singer-sdk's ``_request``: it logs a METRIC line per request, which at Stripe's
        # 100 requests/s floods a Flow capture's log; the progress lines carry the counts.
        response = self.requests_session.send(prepared, timeout=self.timeout)
        self.validate_response(response)
        return response

    def retrieve_path(self) -> str:
        """The path an object of this stream is read by id under (``<path>/<id>``)."""
        return self.list_request()[0]

    def retrieve(self, oid: str) -> dict[str, Any] | None:
        """The object ``oid`` of this stream's list as it now is, in the pinned API version
        (with the stream's retries and under the rate limit); None when it was deleted."""
        path = self.retrieve_path()
        prepared = self.build_prepared_request(
            method="GET", url=f"{self.url_base}{path}/{oid}", headers=self.http_headers
        )
        label_endpoint(prepared, path + "/{id}", self.limit_scope)
        try:
            response = self.request_decorator(self._send_retrieve)(prepared, None)
        except ObjectMissingError:
            return None
        body: dict[str, Any] = orjson.loads(response.content)  # checked in _send_retrieve
        return None if body.get("deleted") else body

    def _send_retrieve(
        self, prepared: requests.PreparedRequest, context: Mapping[str, Any] | None
    ) -> requests.Response:
        response = self.requests_session.send(prepared, timeout=self.timeout)
        self.progress.count(requests=1, retrieved=1)
        if response.status_code >= 400:
            raise self.error_for(response)
        try:  # a body cut short is retried, as a list page's is
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            msg = f"Stripe sent a body that is not a whole object for {prepared.path_url}"
            raise RetriableAPIError(msg, response)
        return response
