"""Stripe's request-rate limits, kept by the tap: a budget for the account and one per endpoint.

Stripe answers 429 when an account exceeds its global rate (100 requests/s live, 25/s in test
mode; the setting ``max_requests_per_second``) or one endpoint exceeds its own (25/s unless noted:
Files and Search 20/s; ``max_requests_per_second_per_endpoint``), counted on top of the global
one. Each named API operation is one endpoint, whatever the ids in its path: every customer's
``/v1/customers/{id}/balance_transactions`` counts against one limit, every retrieve
``/v1/charges/{id}`` against another.

Which endpoint a request counts against is named where the request is built, from the path
template it formats (``label_endpoint``), never guessed from the URL: Stripe ids and literal
path segments look alike (``balance_transactions``, ``cus_123``). A request nobody labelled
counts against one shared endpoint (``UNLABELLED``): it can make the tap slower, never push an
endpoint over its limit. Requests are labelled by ``StripeStream.fetch_page`` (lists, child
lists and events, from ``StripeStream.endpoint``) and by retrieves; the session's adapter
(``http.RateLimitedAdapter``) takes the tokens and reports the answers.

Guarantees of ``RateLimiter``, for the requests of every thread that shares it:

* no endpoint is granted more than its rate per second (+1) in any second, nor the account more
  than its global rate (+1): each limit is a token bucket holding ``BURST`` tokens, so requests
  are spaced evenly;
* a request is granted a global token only together with its endpoint's token: threads waiting
  for a full endpoint hold no global budget, which goes to requests of the other endpoints;
* among requests that may go, the longest waiting goes first.

429 policy (``RateLimiter.answered``): Stripe says which limit it enforced in
``Stripe-Rate-Limited-Reason`` (``global-rate``, ``global-concurrency``, ``endpoint-rate``,
``endpoint-concurrency``, ``resource-specific``). A 429 halves the pace of the limit it names:
the global pace for ``global-*``, else only its endpoint's. Without a reason, it halves its
endpoint's pace, and the global pace too when another endpoint had a 429 without a reason within
``EVIDENCE_SECONDS`` (429s on several endpoints at once point at the account's budget). A 429
for a request sent before the last halving of a pace does not halve it again (it shows the pace
already halved), and a ``lock_timeout`` 429 (an object locked by another request) halves
nothing. Every other answer wins back 1 % of its endpoint's and of the global budget, so the tap
settles just under the limits Stripe actually enforces.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, Final

import orjson
import requests

from tap_stripe_flow.settings import requests_per_second, requests_per_second_per_endpoint

#: Tokens each bucket holds. The quarter token beyond one lets a request granted a little late
#: (a sleep overshoots by a fraction of a millisecond) keep its slot; with a bucket of one,
#: those fractions cost 3 % of the budget in the benchmark.
BURST: Final = 1.25
#: The slowest pace a 429 leaves (requests per second).
SLOWEST: Final = 1.0
#: Share of its budget a pace wins back per answered request.
RECOVERY: Final = 0.01
#: Reason-less 429s on two endpoints this close together slow the global pace too.
EVIDENCE_SECONDS: Final = 1.0
#: How long the thread that hands out tokens outlives its last waiting request.
DISPATCHER_IDLE_SECONDS: Final = 1.0
#: The endpoint of requests nobody labelled: they share one bucket.
UNLABELLED: Final = "(unlabelled)"
#: Stripe's stricter endpoint limits (requests per second), by endpoint prefix and suffix.
STRICTER_ENDPOINT_LIMITS: Final = (("/v1/files", "", 20.0), ("/v1/", "/search", 20.0))
#: Between an endpoint and the connected account it acts as, in a label: each connected account
#: has its own per-endpoint budgets (Stripe counts limits per account), within the global one.
ACCOUNT_MARK: Final = " @"
#: The attribute of a ``PreparedRequest`` holding its endpoint (``label_endpoint``).
_ENDPOINT_ATTRIBUTE: Final = "stripe_endpoint"


def endpoint_key(path_template: str) -> str:
    """The endpoint of Stripe's per-endpoint limit that requests built from ``path_template``
    count against: the template with every ``{placeholder}`` spelled ``{id}``.

    ``/v1/customers/{parent_id}/balance_transactions`` (each customer's list) becomes
    ``/v1/customers/{id}/balance_transactions``; ``/v1/charges/{id}`` (retrieves) stays as it
    is; a template without placeholders (``/v1/charges``, ``/v1/events``) is its own endpoint.
    Pass the template, never the formatted path: a path with an id in it would make every id an
    endpoint of its own.
    """
    parts = []
    for segment in path_template.split("/"):
        parts.append("{id}" if segment.startswith("{") and segment.endswith("}") else segment)
    return "/".join(parts)


def label_endpoint(
    request: requests.PreparedRequest, path_template: str, account: str | None = None
) -> None:
    """Name the endpoint ``request`` counts against (``endpoint_key`` of the path template it
    was built from), for the rate-limited session that sends it. A request acting as a
    connected ``account`` counts against that account's endpoint (``ACCOUNT_MARK``)."""
    endpoint = endpoint_key(path_template)
    label = f"{endpoint}{ACCOUNT_MARK}{account}" if account else endpoint
    setattr(request, _ENDPOINT_ATTRIBUTE, label)


def endpoint_of(request: requests.PreparedRequest) -> str:
    """The endpoint ``label_endpoint`` named, or ``UNLABELLED``."""
    endpoint = getattr(request, _ENDPOINT_ATTRIBUTE, None)
    return endpoint if isinstance(endpoint, str) else UNLABELLED


def stripe_endpoint_limit(endpoint: str, per_endpoint: float | None) -> float | None:
    """The rate of ``endpoint``: ``per_endpoint``, or Stripe's stricter limit where it has one
    (Files, Search); None: no limit of its own."""
    rate = per_endpoint
    path = endpoint.partition(ACCOUNT_MARK)[0]
    for prefix, suffix, strict in STRICTER_ENDPOINT_LIMITS:
        if path.startswith(prefix) and path.endswith(suffix):
            rate = strict if rate is None else min(rate, strict)
    return rate


def rate_limited_reason(response: requests.Response) -> str | None:
    """Which limit a 429 enforced: Stripe's ``Stripe-Rate-Limited-Reason``; ``lock_timeout``
    for a locked object (no rate exceeded); None when Stripe does not say."""
    reason = response.headers.get("Stripe-Rate-Limited-Reason")
    if reason:
        return reason.strip().lower()
    try:
        error = orjson.loads(response.content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return None
    return "lock_timeout" if error.get("code") == "lock_timeout" else None


class _Bucket:
    """One limit's token bucket (used with the limiter's lock held)."""

    __slots__ = ("budget", "rate", "slowed_at", "tokens", "updated")

    def __init__(self, rate: float, now: float) -> None:
        self.budget = rate
        self.rate = rate
        self.tokens = 1.0
        self.updated = now
        self.slowed_at = -math.inf

    def refill(self, now: float) -> None:
        """Add the tokens earned up to ``now`` (a ``now`` older than the last refill adds none:
        callers read the clock before taking the lock)."""
        if now > self.updated:
            self.tokens = min(BURST, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait(self) -> float:
        """Seconds until it holds a token (after ``refill``); 0 when it holds one."""
        return max(0.0, (1.0 - self.tokens) / self.rate)

    def slow_down(self, now: float, sent_at: float) -> None:
        """Halve the pace, unless the request was sent before the last halving."""
        if sent_at < self.slowed_at:
            return
        self.refill(now)
        self.rate = max(min(SLOWEST, self.budget), self.rate / 2)
        self.tokens = min(self.tokens, 0.0)
        self.slowed_at = now

    def recover(self, now: float) -> None:
        if self.rate < self.budget:
            self.refill(now)
            self.rate = min(self.budget, self.rate + self.budget * RECOVERY)


class _Waiter:
    __slots__ = ("endpoint", "granted", "order")

    def __init__(self, endpoint: str, order: int) -> None:
        self.endpoint = endpoint
        self.order = order
        self.granted = threading.Event()


class RateLimiter:
    """Grants requests under the global budget and their endpoints' (module docstring).

    ``requests_per_second`` is the global budget; ``requests_per_second_per_endpoint`` each
    endpoint's (None: endpoints have no limit of their own, unless Stripe's is stricter);
    ``requests_per_second_per_account`` each connected account's, within the global budget
    (requests labelled with an account: ``label_endpoint``). A ``global-*`` 429 of a request
    acting as a connected account slows that account alone.

    Waiting requests are granted by one background thread, in the order they came, skipping
    those whose endpoint has no token yet; it sleeps until the next grant is due and exits once
    nothing waited for ``DISPATCHER_IDLE_SECONDS``. A request that may go at once when nothing
    waits is granted without it.
    """

    def __init__(
        self,
        requests_per_second: float,
        requests_per_second_per_endpoint: float | None = None,
        requests_per_second_per_account: float | None = None,
    ) -> None:
        self.per_endpoint = requests_per_second_per_endpoint
        self.per_account = requests_per_second_per_account
        #: Connected account -> its own global budget (``per_account``).
        self._accounts: dict[str, _Bucket] = {}
        #: Connected account -> the labels of its endpoints (``forget``).
        self._account_endpoints: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._global = _Bucket(requests_per_second, time.monotonic())
        self._endpoints: dict[str, _Bucket | None] = {}
        self._waiting: dict[str, deque[_Waiter]] = {}
        self._arrivals = itertools.count()
        self._dispatcher: threading.Thread | None = None
        self._unexplained: tuple[str, float] | None = None  # the last reason-less 429

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RateLimiter:
        """The limiter of the tap's settings."""
        return cls(
            requests_per_second(config),
            requests_per_second_per_endpoint(config),
            requests_per_second({"client_secret": config.get("client_secret", "")}),
        )

    @property
    def budget(self) -> float:
        """The global budget (requests per second)."""
        return self._global.budget

    @property
    def rate(self) -> float:
        """The global pace now (the budget, or less after 429s)."""
        with self._lock:
            return self._global.rate

    def endpoint_rate(self, endpoint: str) -> float | None:
        """``endpoint``'s pace now (None: no limit of its own)."""
        with self._lock:
            bucket = self._bucket(endpoint, time.monotonic())
            return None if bucket is None else bucket.rate

    def account_rate(self, account: str) -> float | None:
        """A connected account's pace now (None: it has made no request yet)."""
        with self._lock:
            bucket = self._accounts.get(account)
            return None if bucket is None else bucket.rate

    def _bucket(self, endpoint: str, now: float) -> _Bucket | None:
        if endpoint not in self._endpoints:
            rate = stripe_endpoint_limit(endpoint, self.per_endpoint)
            self._endpoints[endpoint] = None if rate is None else _Bucket(rate, now)
            account = endpoint.partition(ACCOUNT_MARK)[2]
            if account:
                self._account_endpoints.setdefault(account, []).append(endpoint)
            if account and self.per_account and account not in self._accounts:
                self._accounts[account] = _Bucket(self.per_account, now)
        return self._endpoints[endpoint]

    def forget(self, account: str) -> None:
        """Drop a connected account's budgets once its turn is over (a run reads thousands of
        accounts; their buckets would otherwise stay): a request of it later starts afresh."""
        with self._lock:
            for endpoint in self._account_endpoints.pop(account, []):
                if endpoint not in self._waiting:
                    self._endpoints.pop(endpoint, None)
            self._accounts.pop(account, None)

    def _account_bucket(self, endpoint: str) -> _Bucket | None:
        """The budget of the connected account ``endpoint`` acts as (None: the platform's,
        which is the global one)."""
        account = endpoint.partition(ACCOUNT_MARK)[2]
        return self._accounts.get(account) if account else None

    # Granting ----------------------------------------------------------------------------------

    def acquire(self, endpoint: str = UNLABELLED) -> float:
        """Take a token of the global budget and one of ``endpoint``'s, waiting until both are
        there; returns the seconds waited."""
        started = time.monotonic()
        with self._lock:
            self._bucket(endpoint, started)  # made on first use, with its account's
            if not self._waiting and self._take(endpoint, started):
                return 0.0
            waiter = _Waiter(endpoint, next(self._arrivals))
            self._waiting.setdefault(endpoint, deque()).append(waiter)
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="rate-limiter", daemon=True
                )
                self._dispatcher.start()
            else:
                self._changed.notify()
        waiter.granted.wait()
        return time.monotonic() - started

    def _take(self, endpoint: str, now: float) -> bool:
        """Take a token of each bucket ``endpoint`` counts against if each holds one (with the
        lock held): the global one, the endpoint's, a connected account's."""
        buckets = [
            b
            for b in (self._global, self._endpoints[endpoint], self._account_bucket(endpoint))
            if b is not None
        ]
        for bucket in buckets:
            bucket.refill(now)
        if any(bucket.tokens < 1.0 for bucket in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1.0
        return True

    def _dispatch(self) -> None:
        """Grant waiting requests as tokens come (the background thread)."""
        with self._lock:
            while True:
                if not self._waiting:
                    self._changed.wait(DISPATCHER_IDLE_SECONDS)
                    if not self._waiting:
                        self._dispatcher = None
                        return
                now = time.monotonic()
                self._global.refill(now)
                first: deque[_Waiter] | None = None
                due = math.inf
                for endpoint, queue in self._waiting.items():
                    bucket = self._endpoints[endpoint]
                    if bucket is not None:
                        bucket.refill(now)
                    wait = max(self._global.wait(), bucket.wait() if bucket else 0.0)
                    own = self._account_bucket(endpoint)
                    if own is not None:
                        own.refill(now)
                        wait = max(wait, own.wait())
                    if wait > 0.0:
                        due = min(due, wait)
                    elif first is None or queue[0].order < first[0].order:
                        first = queue
                if first is None:
                    self._changed.wait(due)
                    continue
                waiter = first.popleft()
                if not first:
                    del self._waiting[waiter.endpoint]
                self._take(waiter.endpoint, now)
                waiter.granted.set()

    # Answers -----------------------------------------------------------------------------------

    def answered(self, endpoint: str, response: requests.Response, sent_at: float) -> None:
        """Adjust the paces to Stripe's answer to a request to ``endpoint`` granted at
        ``sent_at`` (``time.monotonic()``): the 429 policy of the module docstring."""
        now = time.monotonic()
        with self._lock:
            bucket = self._bucket(endpoint, now)
            own = self._account_bucket(endpoint)
            # the budget a global 429 names: a connected account's own, else the capture's
            overall = own or self._global
            if response.status_code != 429:
                for kept in (self._global, own, bucket):
                    if kept is not None:
                        kept.recover(now)
                return
            reason = rate_limited_reason(response)
            if reason == "lock_timeout":
                return
            if bucket is None or (reason is not None and reason.startswith("global")):
                overall.slow_down(now, sent_at)  # or the endpoint has no pace of its own
                return
            bucket.slow_down(now, sent_at)
            if reason is None:
                last, self._unexplained = self._unexplained, (endpoint, now)
                same_budget = last is not None and self._account_bucket(last[0]) is (
                    self._account_bucket(endpoint)
                )
                if (
                    last is not None
                    and same_budget
                    and last[0] != endpoint
                    and now - last[1] <= EVIDENCE_SECONDS
                ):
                    overall.slow_down(now, sent_at)
