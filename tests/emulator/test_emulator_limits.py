"""The emulator's rate limits: Stripe's global limit and its per-endpoint limit, ids folded."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from stripe_emulator import Account, Emulator
from stripe_emulator.limits import endpoint_key
from tests.support.accounts import API_KEY


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {API_KEY}"
        yield session


def get(http: requests.Session, url: str, path: str) -> requests.Response:
    return http.get(url + path, timeout=10)


def assert_stripes_429(response: requests.Response, reason: str) -> None:
    """The body and headers Stripe sends for a request over a rate limit."""
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "rate_limit"
    assert error["message"].startswith("Request rate limit exceeded. ")
    assert error["doc_url"] == "https://stripe.com/docs/error-codes/rate-limit"
    assert response.headers["Stripe-Rate-Limited-Reason"] == reason


def test_an_endpoint_is_the_operation_with_its_ids_folded() -> None:
    assert endpoint_key("/v1/customers/cus_1/balance_transactions") == endpoint_key(
        "/v1/customers/cus_2/balance_transactions"
    )
    assert endpoint_key("/v1/customers/cus_1/balance_transactions") == (
        "/v1/customers/{id}/balance_transactions"
    )
    # underscores in ids and in literal segments alike do not confuse it
    assert endpoint_key("/v1/balance_transactions") == "/v1/balance_transactions"
    assert endpoint_key("/v1/charges/ch_1") == endpoint_key("/v1/charges/ch_2")
    assert endpoint_key("/v1/charges/ch_1") == "/v1/charges/{id}"
    assert endpoint_key("/v1/charges") == "/v1/charges"  # the list is another endpoint
    assert endpoint_key("/v1/checkout/sessions/cs_1/line_items") == (
        "/v1/checkout/sessions/{id}/line_items"
    )
    assert endpoint_key("/v1/subscription_items") == "/v1/subscription_items"
    # a child retrieved by id is neither its list nor its parent's retrieve
    assert endpoint_key("/v1/customers/cus_1/sources/ba_1") == "/v1/customers/{id}/sources/{id}"
    assert endpoint_key("/v1/customers/cus_2/sources/ba_2") == "/v1/customers/{id}/sources/{id}"
    assert endpoint_key("/v1/subscription_items/si_1") == "/v1/subscription_items/{id}"


def test_each_endpoint_has_its_own_limit_whatever_the_ids(
    http: requests.Session, account: Account
) -> None:
    customers = [c["id"] for c in account.objects("customer")]
    assert len(customers) >= 2
    with Emulator(account, endpoint_rate_limit=5) as emu:
        answers = [
            get(
                http, emu.url, f"/v1/customers/{customers[i % len(customers)]}/balance_transactions"
            )
            for i in range(12)
        ]
        # bursts up to one second's worth, then 429, whichever customer is asked for
        assert [r.status_code for r in answers[:5]] == [200] * 5
        limited = [r for r in answers if r.status_code == 429]
        assert len(limited) >= 6
        assert_stripes_429(limited[0], "endpoint-rate")
        # other endpoints are not affected: the list, and retrieves (one endpoint of their own)
        assert get(http, emu.url, "/v1/charges").status_code == 200
        charge = account.objects("charge")[0]["id"]
        retrieves = [get(http, emu.url, f"/v1/charges/{charge}") for _ in range(7)]
        assert [r.status_code for r in retrieves[:5]] == [200] * 5
        assert retrieves[-1].status_code == 429
        assert emu.stats()["rate_limited"] == len(limited) + sum(
            1 for r in retrieves if r.status_code == 429
        )
        time.sleep(0.5)  # 2.5 tokens back
        again = f"/v1/customers/{customers[0]}/balance_transactions"
        assert get(http, emu.url, again).status_code == 200


def test_the_global_limit_holds_on_top_and_refused_requests_take_no_token(
    http: requests.Session, account: Account
) -> None:
    with Emulator(account, rate_limit=3, endpoint_rate_limit=2, retry_after=1) as emu:
        assert get(http, emu.url, "/v1/charges").status_code == 200
        assert get(http, emu.url, "/v1/charges").status_code == 200
        refused = get(http, emu.url, "/v1/charges")
        assert_stripes_429(refused, "endpoint-rate")
        assert refused.headers["Retry-After"] == "1"
        # the refused request took no global token: one is left for another endpoint
        assert get(http, emu.url, "/v1/customers").status_code == 200
        assert_stripes_429(get(http, emu.url, "/v1/refunds"), "global-rate")


def test_the_command_line_sets_the_endpoint_limit() -> None:
    command = [sys.executable, "-m", "stripe_emulator", "--objects", "50"]
    server = subprocess.Popen(
        [*command, "--endpoint-rate-limit", "2"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url, _, key = server.stdout.readline().split()
        headers = {"Authorization": f"Bearer {key.removeprefix('key=')}"}
        with requests.Session() as session:
            session.headers.update(headers)
            statuses = [get(session, url, "/v1/coupons").status_code for _ in range(4)]
            other = get(session, url, "/v1/plans").status_code
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
    assert statuses == [200, 200, 429, 429]
    assert other == 200
