"""singer-sdk's response and retry hooks, as Stripe needs them (the policy is in ``errors.py``).

Guarantees: a response is validated inside the retried call (a truncated body is retried like
a dropped connection); each retry is counted, and logged once with its wait; the secret key is
scrubbed from every message.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_stripe_flow.errors import ErrorContext, answered, classify, retry_waits
from tap_stripe_flow.pagination import read_page
from tap_stripe_flow.progress import StreamProgress

if TYPE_CHECKING:
    from backoff.types import Details


class StripeRetries(RESTStream[Any]):
    """Validation of Stripe's answers and the backoff between tries, for ``StripeStream``."""

    RETRY_BASE_SECONDS: ClassVar[float] = 1.0
    RETRY_MAX_WAIT_SECONDS: ClassVar[float] = 60.0
    RETRY_MAX_TRIES: ClassVar[int] = 8

    progress: StreamProgress

    def list_request(self) -> tuple[str, dict[str, Any]]:
        """Path and parameters of the list the stream walks (the stream provides it)."""
        raise NotImplementedError

    @override
    def validate_response(self, response: requests.Response) -> None:
        self.progress.count(requests=1)
        if response.status_code >= 400:
            raise self.error_for(response)
        page = read_page(response)  # a truncated body raises here, inside the retried call
        if page.has_more and not page.heads:
            # Nothing to continue from: ending here would skip the rest of the list.
            msg = f"Stripe sent an empty page that says has_more for stream '{self.name}'"
            raise RetriableAPIError(msg, response)

    def stream_label(self) -> str:
        """The stream(s) messages about this stream's requests name."""
        return self.name

    def error_for(self, response: requests.Response) -> Exception:
        """What an error answer means for this stream (``errors.classify``)."""
        return classify(
            response,
            ErrorContext(
                stream=self.stream_label(),
                list_path=self.list_request()[0],
                account_id=str(self.config["account_id"]),
                scrub=self.scrub,
            ),
        )

    @override
    def response_error_message(self, response: requests.Response) -> str:
        return self.scrub(answered(response, self.stream_label()))

    def scrub(self, text: str) -> str:
        """Remove the secret key from a text that is about to be logged or raised."""
        secret = str(self.config.get("client_secret") or "")
        return text.replace(secret, "<client_secret>") if secret else text

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        """Exponential waits, or what Stripe asks for in a non-zero ``Retry-After``."""
        return self._waits()

    def _waits(self) -> Generator[float, Any, None]:
        return retry_waits(self.RETRY_BASE_SECONDS, self.RETRY_MAX_WAIT_SECONDS)

    @override
    def backoff_handler(self, details: Details) -> None:
        wait = float(details.get("wait") or 0.0)
        self.progress.count(retries=1, waited_seconds=wait)
        exception = details.get("exception")
        response = getattr(exception, "response", None)
        if response is not None and response.status_code == 429:
            self.progress.count(rate_limited=1)
            self.logger.warning(
                "Stripe rate-limited stream %s (429): waiting %.1f s before retrying",
                self.name,
                wait,
            )
            return
        self.logger.warning(
            "Stream %s: %s; retry %d in %.1f s",
            self.name,
            self.scrub(str(exception) or type(exception).__name__),
            details.get("tries", 0),
            wait,
        )

    @override
    def backoff_max_tries(self) -> int:
        return self.RETRY_MAX_TRIES

    @override
    def backoff_jitter(self, value: float) -> float:
        # Never wait less than Stripe asked; add up to 25 % so parallel readers spread out.
        return value * random.uniform(1.0, 1.25)
