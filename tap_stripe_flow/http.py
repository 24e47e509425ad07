"""The tap's HTTP session: every request takes the shared rate limiter's token first.

One session serves every stream and thread of a run (``prefetch.Prefetch`` owns it): its
adapter keeps connections open for reuse, reads each body in one call, and asks the limiter
(``ratelimit.py``) before each send, for the endpoint the request was labelled with.
"""

from __future__ import annotations

import time
from typing import Any, Final

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

from tap_stripe_flow.ratelimit import RateLimiter, endpoint_of

#: Connections kept open for reuse: requests in flight are about rate x latency (15 at Stripe's
#: 100/s and 150 ms), since the limiter spaces them.
KEPT_CONNECTIONS: Final = 64


class RateLimitedAdapter(HTTPAdapter):
    """An HTTP adapter whose every send first takes a token from the shared limiter, for the
    endpoint the request was labelled with (``ratelimit.label_endpoint``), and tells the limiter
    how Stripe answered."""

    def __init__(self, limiter: RateLimiter, pool_size: int) -> None:
        super().__init__(pool_connections=4, pool_maxsize=pool_size)
        self.limiter = limiter

    def build_response(
        self, req: requests.PreparedRequest, resp: urllib3.BaseHTTPResponse
    ) -> requests.Response:
        """The response with its whole body read in one call.

        requests reads a body in 10 KiB chunks through several Python layers (its ``content``);
        at 225 KB per page of charges that was 40 % of the tap's CPU in the benchmark, against
        about 5 % for one ``read``. Errors are those requests raises for the same failures.
        """
        response = super().build_response(req, resp)
        try:
            response._content = resp.read(decode_content=True)  # what ``content`` would fill
        except ProtocolError as exc:  # cut short: a retried error, as requests reports it
            raise requests.exceptions.ChunkedEncodingError(exc, request=req) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc, request=req) from exc
        except ReadTimeoutError as exc:
            raise requests.exceptions.ConnectionError(exc, request=req) from exc
        except urllib3.exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc, request=req) from exc
        response._content_consumed = True  # type: ignore[attr-defined] # as ``content`` leaves it
        return response

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        endpoint = endpoint_of(request)
        self.limiter.acquire(endpoint)
        sent_at = time.monotonic()
        response = super().send(request, *args, **kwargs)
        self.limiter.answered(endpoint, response, sent_at)
        return response


def limited_session(limiter: RateLimiter, pool_size: int = KEPT_CONNECTIONS) -> requests.Session:
    """A session whose requests, from any thread, share the budget of ``limiter``."""
    session = requests.Session()
    adapter = RateLimitedAdapter(limiter, pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
