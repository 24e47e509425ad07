"""The emulator as a server: API keys (masked when invalid, restricted keys, unavailable
paths), the ``Stripe-Account`` header, the request log and stats, its rate limit, fault
injection and latency, its throughput, and the command line that serves and exits."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time

import pytest
import requests

from stripe_emulator import Account, Emulator, mask_key
from tests.support import seeded_emulator
from tests.support.emulator_fixtures import KEY
from tests.support.emulator_http import get

account = seeded_emulator.account  # the module's fixtures: the seeded account, its emulator
emu = seeded_emulator.emu  # and a session per test
http = seeded_emulator.http


# ---------------------------------------------------------------------------- auth
def test_invalid_key_is_masked(emu: Emulator) -> None:
    bad = "sk_test_abcdefghijklmnopqrst1234"
    resp = requests.get(
        emu.url + "/v1/charges", headers={"Authorization": f"Bearer {bad}"}, timeout=10
    )
    assert resp.status_code == 401
    assert resp.json() == {
        "error": {
            "message": "Invalid API Key provided: sk_test_********************1234",
            "type": "invalid_request_error",
        }
    }
    assert mask_key(bad) == "sk_test_********************1234"
    missing = requests.get(emu.url + "/v1/charges", timeout=10)
    assert missing.status_code == 401
    assert bad not in repr(emu.requests)


def test_stripe_account_header(http: requests.Session, emu: Emulator, account: Account) -> None:
    resp = http.get(emu.url + "/v1/charges", headers={"Stripe-Account": "acct_other"}, timeout=10)
    assert resp.status_code == 403
    assert "acct_other" in resp.json()["error"]["message"]
    ok = http.get(emu.url + "/v1/charges", headers={"Stripe-Account": account.id}, timeout=10)
    assert ok.status_code == 200


def test_restricted_keys_and_unavailable_paths(account: Account) -> None:
    keys = {"rk_test_limited0000": {"/v1/customers", "/v1/invoices/{invoice}/lines"}}
    with (
        Emulator(account, restricted_keys=keys, unavailable_paths={"/v1/checkout/sessions"}) as emu,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = "Bearer rk_test_limited0000"
        assert get(http, emu, "/v1/customers").status_code == 200
        assert get(http, emu, "/v1/account").status_code == 200
        resp = get(http, emu, "/v1/charges")
        assert resp.status_code == 403
        assert "rak_charge_read" in resp.json()["error"]["message"]
        assert "rk_test_limited0000" not in resp.text
        http.headers["Authorization"] = f"Bearer {KEY}"
        resp = get(http, emu, "/v1/checkout/sessions")
        assert resp.status_code == 400
        assert "not set up to use Checkout" in resp.json()["error"]["message"]


# ---------------------------------------------------------------------------- log, limits, faults
def test_request_log_and_stats(http: requests.Session, account: Account) -> None:
    with Emulator(account) as emu:
        get(http, emu, "/v1/charges", limit=3, **{"created[gte]": 5})
        get(http, emu, "/v1/invoices/in_missing/lines")
        records = emu.requests
        assert records[0].method == "GET"
        assert records[0].path == "/v1/charges"
        assert records[0].query == {"limit": ["3"], "created[gte]": ["5"]}
        assert records[0].status == 200
        assert records[0].stripe_version == "2024-06-20"
        assert records[1].route == "/v1/invoices/{id}/lines"
        assert records[0].time <= records[1].time
        stats = emu.stats()
        assert stats["total"] == 2
        assert stats["by_route"]["/v1/charges"] == 1
        assert stats["stripe_versions"] == {"2024-06-20": 2}


def test_rate_limit_gives_429(http: requests.Session, account: Account) -> None:
    with Emulator(account, rate_limit=5, retry_after=2) as emu:
        statuses = [get(http, emu, "/v1/coupons") for _ in range(20)]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited
        assert limited[0].json()["error"]["code"] == "rate_limit"
        assert limited[0].headers["Retry-After"] == "2"
        assert emu.stats()["rate_limited"] == len(limited)
        time.sleep(0.5)
        assert get(http, emu, "/v1/coupons").status_code == 200


def test_fault_injection_produces_each_kind(account: Account) -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    with Emulator(account, fault_rate=1.0, seed=11) as emu:
        for _ in range(60):
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {KEY}"
                try:
                    resp = get(http, emu, "/v1/charges")
                except requests.RequestException:
                    outcomes["error"] += 1
                    continue
                if resp.status_code >= 500:
                    assert resp.headers["Stripe-Should-Retry"] == "true"
                    outcomes[str(resp.status_code)] += 1
                else:
                    with pytest.raises(requests.exceptions.JSONDecodeError):
                        resp.json()
                    outcomes["truncated"] += 1
        faults = emu.stats()["faults"]
    assert set(faults) == {"500", "502", "503", "drop", "truncate"}
    assert outcomes["error"] == faults["drop"]
    assert outcomes["truncated"] == faults["truncate"]


def test_faults_deterministic_by_seed(http: requests.Session, account: Account) -> None:
    def kinds(seed: int) -> list[str | None]:
        with Emulator(account, fault_rate=0.5, seed=seed) as emu:
            for _ in range(30):
                try:
                    with get(http, emu, "/v1/coupons"):
                        pass
                except requests.RequestException:
                    pass
            return [r.fault for r in emu.requests]

    assert kinds(5) == kinds(5)
    assert kinds(5) != kinds(6)


def test_latency(http: requests.Session, account: Account) -> None:
    with Emulator(account, latency_ms=50) as emu:
        began = time.monotonic()
        get(http, emu, "/v1/coupons")
        assert time.monotonic() - began >= 0.05


# ---------------------------------------------------------------------------- throughput, CLI
def test_throughput_report(http: requests.Session, emu: Emulator) -> None:
    get(http, emu, "/v1/charges", limit=100)
    pages, nbytes, began = 0, 0, time.perf_counter()
    while time.perf_counter() - began < 1.0:
        nbytes += len(get(http, emu, "/v1/charges", limit=100).content)
        pages += 1
    seconds = time.perf_counter() - began
    print(
        f"\nemulator throughput: {pages / seconds:.0f} pages/s of 100 charges, "
        f"{nbytes / seconds / 1e6:.0f} MB/s (single keep-alive client)"
    )
    assert pages > 0


@pytest.mark.slow
def test_cli_serves_and_exits_cleanly() -> None:
    with subprocess.Popen(
        [
            *(sys.executable, "-m", "stripe_emulator", "--port", "0", "--objects", "200"),
            *("--event-retention-days", "0"),  # every generated event listed
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        url = line[0]
        assert line[1] == "account=acct_emulator"
        assert line[2] == f"key={KEY}"
        resp = requests.get(
            url + "/v1/account", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        )
        assert resp.status_code == 200
        events = requests.get(
            url + "/v1/events", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        )
        assert events.json()["data"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
