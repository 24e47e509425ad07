"""The tap keeps Stripe's global and per-endpoint rate limits (``tap_stripe_flow/ratelimit.py``)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
import requests
from singer_sdk.exceptions import ConfigValidationError

from flow_adapter import ConfigError
from stripe_emulator import Account, Emulator, build_account
from stripe_emulator.limits import endpoint_key as emulator_endpoint
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.flow import to_tap_config
from tap_stripe_flow.pagination import ChildPage, EventsPage, ListPage
from tap_stripe_flow.ratelimit import (
    ACCOUNT_MARK,
    UNLABELLED,
    RateLimiter,
    endpoint_key,
    endpoint_of,
    label_endpoint,
    stripe_endpoint_limit,
)
from tap_stripe_flow.settings import requests_per_second_per_endpoint, settings_errors
from tap_stripe_flow.streams import STREAM_TYPES
from tap_stripe_flow.tap import TapStripeFlow
from tests.support.accounts import ACCOUNT_ID, API_KEY, endpoint_config, tap_config
from tests.support.tap import run_tap

START = "2024-01-01T00:00:00Z"


def answer(status: int, reason: str | None = None, body: bytes = b"{}") -> requests.Response:
    """A response of ``status``, naming the limit a 429 enforced as Stripe does."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    if reason is not None:
        response.headers["Stripe-Rate-Limited-Reason"] = reason
    return response


def busiest_second(times: Iterable[float]) -> int:
    """The most of ``times`` within any one second."""
    stamps = sorted(times)
    return max((sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps), default=0)


# Endpoints -------------------------------------------------------------------------------------


def test_an_endpoint_is_the_path_template_with_its_ids_as_placeholders() -> None:
    assert endpoint_key("/v1/customers/{parent_id}/balance_transactions") == (
        "/v1/customers/{id}/balance_transactions"
    )
    assert endpoint_key("/v1/charges/{charge}") == "/v1/charges/{id}"
    assert endpoint_key("/v1/balance_transactions") == "/v1/balance_transactions"
    prepared = requests.Request(
        "GET", "https://api.stripe.com/v1/customers/cus_1/sources"
    ).prepare()
    assert endpoint_of(prepared) == UNLABELLED  # nobody said: one shared endpoint
    label_endpoint(prepared, "/v1/customers/{parent_id}/sources")
    assert endpoint_of(prepared) == "/v1/customers/{id}/sources"
    assert stripe_endpoint_limit("/v1/charges", 25) == 25
    assert stripe_endpoint_limit("/v1/charges/search", 25) == 20
    assert stripe_endpoint_limit("/v1/files/{id}", None) == 20
    assert stripe_endpoint_limit("/v1/charges", None) is None


def test_every_stream_names_the_endpoints_it_requests_as_the_emulator_folds_them() -> None:
    # The endpoint comes from the template the request is built from; the emulator folds the
    # ids out of the URL it receives: both must name the same endpoint.
    tap = TapStripeFlow(config=tap_config("http://127.0.0.1:9"), parse_env_config=False)
    parent = {"id": "cus_Ab_1", "created": 1}
    assert len(tap.streams) == len(STREAM_TYPES)
    for stream in tap.streams.values():
        assert isinstance(stream, StripeStream)
        list_path, _ = stream.list_request()
        assert endpoint_key(stream.endpoint(ListPage(None, 1, 2))) == emulator_endpoint(list_path)
        assert stream.endpoint(EventsPage()) == "/v1/events"
        if stream.child_lists:
            path, params = stream.child_request(parent)
            assert "cus_Ab_1" in path or "cus_Ab_1" in params.values()  # the parent's list
            assert endpoint_key(stream.endpoint(ChildPage(parent))) == emulator_endpoint(path)
            assert "cus_Ab_1" not in stream.endpoint(ChildPage(parent))


# The limiter -----------------------------------------------------------------------------------


def _hammer(limiter: RateLimiter, plan: dict[str, int], seconds: float) -> dict[str, list[float]]:
    """``plan[endpoint]`` threads each acquiring ``endpoint``'s tokens for ``seconds``; the
    grant times of each endpoint."""
    granted: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def take(endpoint: str) -> None:
        while time.monotonic() < until:
            limiter.acquire(endpoint)
            with lock:
                granted[endpoint].append(time.monotonic())

    threads = [
        threading.Thread(target=take, args=(endpoint,))
        for endpoint, count in plan.items()
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return granted


def test_each_endpoint_and_the_total_stay_within_their_limits() -> None:
    limiter = RateLimiter(20, 8)
    granted = _hammer(limiter, {"/v1/charges": 6, "/v1/customers": 6, "/v1/refunds": 6}, 2.0)
    for times in granted.values():
        assert busiest_second(times) <= 8 + 1
    everything = [t for times in granted.values() for t in times]
    assert busiest_second(everything) <= 20 + 1
    assert busiest_second(everything) >= 17  # the global budget was used, not 3 x 8 = 24


def test_the_budget_a_full_endpoint_cannot_use_goes_to_the_others() -> None:
    # Many threads wait for a slow endpoint; they hold no global token meanwhile, so one thread
    # of another endpoint gets the rest of the budget.
    limiter = RateLimiter(20, 10)
    slow_endpoint = "/v1/customers/{id}/balance_transactions"
    granted = _hammer(limiter, {slow_endpoint: 12, "/v1/charges": 3}, 1.6)
    slow, other = granted[slow_endpoint], granted["/v1/charges"]
    assert busiest_second(slow) <= 10 + 1
    assert busiest_second(other) <= 10 + 1
    started = min(slow + other)
    in_steady = [t for t in other if started + 0.5 <= t < started + 1.5]
    assert len(in_steady) >= 8  # the other endpoint's 10 in that second (some lost to timing)


def _grant_order(limiter: RateLimiter, endpoints: list[str]) -> list[str]:
    """The order in which requests to ``endpoints``, queued one after the other (30 ms apart),
    are granted."""
    order: list[str] = []

    def take(endpoint: str) -> None:
        limiter.acquire(endpoint)
        order.append(endpoint)

    threads = []
    for endpoint in endpoints:
        thread = threading.Thread(target=take, args=(endpoint,))
        thread.start()
        threads.append(thread)
        time.sleep(0.03)
    for thread in threads:
        thread.join()
    return order


def test_requests_wait_in_the_order_they_came_skipping_those_of_a_full_endpoint() -> None:
    # The global budget is short (a grant every 250 ms): all four wait, and go in turn.
    limiter = RateLimiter(4, 100)
    limiter.acquire("/v1/charges")  # the one token there is
    endpoints = ["/v1/charges", "/v1/refunds", "/v1/charges", "/v1/plans"]
    assert _grant_order(limiter, endpoints) == endpoints
    # The endpoint is full (its next token in 500 ms): the others go first, on the global budget.
    limiter = RateLimiter(50, 2)
    limiter.acquire("/v1/charges")
    endpoints = ["/v1/charges", "/v1/refunds", "/v1/plans"]
    assert _grant_order(limiter, endpoints) == ["/v1/refunds", "/v1/plans", "/v1/charges"]


def test_a_429_slows_the_limit_stripe_names() -> None:
    limiter = RateLimiter(100, 25)
    now = time.monotonic()
    limiter.answered("/v1/charges", answer(429, "endpoint-rate"), now)
    assert limiter.endpoint_rate("/v1/charges") == 12.5
    assert limiter.rate == 100
    assert limiter.endpoint_rate("/v1/refunds") == 25
    limiter.answered("/v1/refunds", answer(429, "global-rate"), time.monotonic())
    assert limiter.rate == 50
    assert limiter.endpoint_rate("/v1/refunds") == 25
    # a 429 to a request sent before the last halving shows the old pace: no second halving
    limiter.answered("/v1/charges", answer(429, "endpoint-concurrency"), now)
    assert limiter.endpoint_rate("/v1/charges") == 12.5
    # a locked object is no rate exceeded
    locked = answer(429, body=b'{"error": {"code": "lock_timeout", "type": "api_error"}}')
    limiter.answered("/v1/plans", locked, time.monotonic())
    assert (limiter.rate, limiter.endpoint_rate("/v1/plans")) == (50, 25)
    for _ in range(200):
        limiter.answered("/v1/charges", answer(200), time.monotonic())
    assert (limiter.rate, limiter.endpoint_rate("/v1/charges")) == (100, 25)


def test_a_429_without_a_reason_slows_its_endpoint_and_on_two_endpoints_the_total() -> None:
    limiter = RateLimiter(100, 25)
    limiter.answered("/v1/charges", answer(429), time.monotonic())
    assert (limiter.rate, limiter.endpoint_rate("/v1/charges")) == (100, 12.5)
    limiter.answered("/v1/charges", answer(429), time.monotonic())
    assert (limiter.rate, limiter.endpoint_rate("/v1/charges")) == (100, 6.25)
    limiter.answered("/v1/refunds", answer(429), time.monotonic())
    assert (limiter.rate, limiter.endpoint_rate("/v1/refunds")) == (50, 12.5)


def test_each_connected_account_has_its_own_endpoints_and_budget_within_the_total() -> None:
    limiter = RateLimiter(40, 10, 15)
    a_charges, b_charges = f"/v1/charges{ACCOUNT_MARK}acct_a", f"/v1/charges{ACCOUNT_MARK}acct_b"
    a_customers = f"/v1/customers{ACCOUNT_MARK}acct_a"
    granted = _hammer(limiter, {a_charges: 4, a_customers: 4, b_charges: 4}, 2.0)
    for times in granted.values():
        assert busiest_second(times) <= 10 + 1
    assert busiest_second(granted[a_charges] + granted[a_customers]) <= 15 + 1
    assert busiest_second(granted[b_charges]) >= 8  # its endpoint's 10: b is not held by a
    everything = [t for times in granted.values() for t in times]
    assert busiest_second(everything) <= 40 + 1


def test_a_global_429_of_a_connected_account_slows_that_account_alone() -> None:
    limiter = RateLimiter(100, 25, 100)
    charges = f"/v1/charges{ACCOUNT_MARK}acct_a"
    limiter.acquire(charges)
    limiter.acquire(f"/v1/charges{ACCOUNT_MARK}acct_b")
    limiter.answered(charges, answer(429, "global-rate"), time.monotonic())
    assert (limiter.account_rate("acct_a"), limiter.account_rate("acct_b")) == (50, 100)
    assert limiter.rate == 100
    assert limiter.endpoint_rate(charges) == 25
    # reason-less 429s on two endpoints of one account point at that account's budget
    limiter.answered(f"/v1/refunds{ACCOUNT_MARK}acct_b", answer(429), time.monotonic())
    limiter.answered(f"/v1/plans{ACCOUNT_MARK}acct_b", answer(429), time.monotonic())
    assert (limiter.account_rate("acct_b"), limiter.rate) == (50, 100)
    # the platform's own endpoints still slow the capture's budget
    limiter.answered("/v1/charges", answer(429, "global-rate"), time.monotonic())
    assert limiter.rate == 50


def test_a_connected_accounts_budgets_are_dropped_after_its_turn() -> None:
    """A run reads thousands of accounts: the limiter keeps none of a finished one's buckets."""
    limiter = RateLimiter(100, 25, 100)
    for account in ("acct_a", "acct_b"):
        for path in ("/v1/charges", "/v1/customers"):
            limiter.acquire(f"{path}{ACCOUNT_MARK}{account}")
    limiter.forget("acct_a")
    assert limiter.account_rate("acct_a") is None
    assert limiter.account_rate("acct_b") == 100
    kept = set(limiter._endpoints)
    assert kept == {f"{p}{ACCOUNT_MARK}acct_b" for p in ("/v1/charges", "/v1/customers")}
    limiter.acquire(f"/v1/charges{ACCOUNT_MARK}acct_a")  # a late request starts afresh
    assert limiter.account_rate("acct_a") == 100


# The tap against an emulator that enforces both limits ------------------------------------------


@pytest.fixture(scope="module")
def many_customers() -> Account:
    """About 40 customers: one balance-transactions list each."""
    return build_account(
        objects=1200,
        seed=3,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        end=datetime(2024, 3, 1, tzinfo=UTC),
        account_id=ACCOUNT_ID,
        api_key=API_KEY,
    )


def test_the_tap_keeps_each_endpoint_under_its_limit_without_429s(many_customers: Account) -> None:
    streams = ["customer_balance_transactions", "customers", "charges", "invoices", "refunds"]
    with Emulator(many_customers, latency_ms=30, rate_limit=20, endpoint_rate_limit=10) as emulator:
        run = run_tap(
            tap_config(
                emulator.url,
                start_date=START,
                max_requests_per_second=20,
                max_requests_per_second_per_endpoint=10,
            ),
            streams=streams,
        )
        log = emulator.requests
    assert sum(1 for r in log if r.status == 429) == 0
    by_endpoint: dict[str, list[float]] = defaultdict(list)
    for r in log:
        by_endpoint[emulator_endpoint(r.path)].append(r.time)
    children = by_endpoint["/v1/customers/{id}/balance_transactions"]
    assert len(children) == len(many_customers.objects("customer")) > 25
    for endpoint, times in by_endpoint.items():
        assert busiest_second(times) <= 10 + 1, endpoint
    assert busiest_second(r.time for r in log) <= 20 + 1
    # the child lists went at their endpoint's pace, not slower
    assert busiest_second(children) >= 8
    expected = sorted(c["id"] for c in many_customers.objects("customer"))
    assert sorted(run.ids("customers")) == expected


def test_the_per_endpoint_setting_is_validated() -> None:
    for bad in (0, -3):
        errors = settings_errors({"max_requests_per_second_per_endpoint": bad})
        assert errors == [f"max_requests_per_second_per_endpoint must be more than 0 (got {bad})."]
    assert settings_errors({"max_requests_per_second_per_endpoint": 5}) == []
    assert requests_per_second_per_endpoint({}) == 25
    assert requests_per_second_per_endpoint({"max_requests_per_second_per_endpoint": 7}) == 7
    with pytest.raises(ConfigValidationError) as refused:
        TapStripeFlow(
            config=tap_config("http://127.0.0.1:9", max_requests_per_second_per_endpoint=0),
            parse_env_config=False,
        )
    (error,) = refused.value.errors
    assert "max_requests_per_second_per_endpoint" in error
    with pytest.raises(ConfigError, match="max_requests_per_second_per_endpoint"):
        to_tap_config(
            endpoint_config(
                "http://127.0.0.1:9",
                advanced={
                    "api_base_url": "http://127.0.0.1:9",
                    "interval": 0,
                    "max_requests_per_second_per_endpoint": 0,
                },
            )
        )
    flat = to_tap_config(endpoint_config("http://127.0.0.1:9"))
    assert flat["max_requests_per_second_per_endpoint"] == 25
