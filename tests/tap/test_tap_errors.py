"""Retries, fatal errors and bad settings: clear messages, nothing lost, no secret shown."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests_mock
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from stripe_emulator import Account, Emulator
from stripe_emulator.errors import UNAVAILABLE_MESSAGES
from stripe_emulator.resources import FEATURES
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.settings import settings_errors
from tap_stripe_flow.streams import STREAMS
from tests.support.accounts import API_KEY, tap_config
from tests.support.paths import ROOT
from tests.support.tap import run_tap, run_tap_cli, selected_catalog

WRONG_KEY = "sk_test_51WrongKeyWrongKeyWrongKey0000"
RESTRICTED_KEY = "rk_test_51RestrictedKeyOnlyCharges0000"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StripeStream, "RETRY_BASE_SECONDS", 0.01)


@pytest.fixture
def faulty_emulator(account: Account) -> Iterator[Emulator]:
    with Emulator(account, fault_rate=0.3, seed=5) as emulator:
        yield emulator


def test_faults_are_retried_until_every_object_arrives(
    account: Account, faulty_emulator: Emulator
) -> None:
    run = run_tap(tap_config(faulty_emulator.url), streams=["charges", "invoice_line_items"])
    kinds = {r.fault for r in faulty_emulator.requests if r.fault}
    assert {"500", "drop", "truncate"} & kinds, "no fault was injected"
    assert sorted(run.ids("charges")) == sorted(c["id"] for c in account.objects("charge"))
    assert sorted(run.ids("invoice_line_items")) == sorted(
        line["id"] for line in account.objects("line_item")
    )


def test_rate_limit_answers_are_waited_out(account: Account) -> None:
    with Emulator(account, rate_limit=1, retry_after=0) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["charges", "customers", "invoices"])
        assert any(r.status == 429 for r in emulator.requests), "the limit was never hit"
    assert sorted(run.ids("customers")) == sorted(c["id"] for c in account.objects("customer"))


def test_retry_after_is_honoured(account: Account) -> None:
    with Emulator(account, rate_limit=1, retry_after=1) as emulator:
        run_tap(tap_config(emulator.url), streams=["charges", "customers"])
        log = emulator.requests
    limited = [r for r in log if r.status == 429]
    assert limited, "the limit was never hit"
    for refused in limited:
        retry = next(
            r
            for r in log
            if r.time > refused.time and (r.path, r.query) == (refused.path, refused.query)
        )
        assert retry.time - refused.time >= 1.0


def test_wrong_key_stops_with_one_clear_line(emulator: Emulator, tmp_path: Path) -> None:
    result = run_tap_cli(tap_config(emulator.url, client_secret=WRONG_KEY), tmp_path)
    assert result.code == 1
    assert "client_secret" in result.stderr
    assert "Traceback" not in result.stderr
    assert WRONG_KEY not in result.stderr + result.stdout
    refused = [(r.path, str(sorted(r.query.items()))) for r in emulator.requests]
    assert len(refused) == len(set(refused)), "a 401 must not be retried"
    assert all(r.status == 401 for r in emulator.requests)


def test_a_stream_the_key_may_not_read_is_skipped_by_name_and_the_others_go_on(
    account: Account, tmp_path: Path
) -> None:
    restricted = {RESTRICTED_KEY: ["/v1/charges"]}
    with Emulator(account, restricted_keys=restricted) as emulator:
        config = tap_config(emulator.url, client_secret=RESTRICTED_KEY)
        result = run_tap_cli(config, tmp_path)
    assert result.code == 0
    refused = [line for line in result.stderr.splitlines() if "may not read stream" in line]
    assert any("'customers'" in line and "client_secret" in line for line in refused)
    assert not any("'charges'" in line for line in refused)
    charges = [m for m in map(json.loads, result.stdout.splitlines()) if m["type"] == "RECORD"]
    assert {m["stream"] for m in charges} == {"charges"}
    assert len(charges) == len(account.objects("charge"))
    assert RESTRICTED_KEY not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_unavailable_feature_skips_only_that_stream(
    account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with Emulator(account, unavailable_paths=["/v1/disputes"]) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["disputes", "refunds"])
    assert run.ids("disputes") == []
    assert sorted(run.ids("refunds")) == sorted(r["id"] for r in account.objects("refund"))
    (line,) = [r for r in caplog.records if "Skipping stream disputes" in r.getMessage()]
    assert line.levelname == "INFO"  # a product the account lacks: nothing is wrong
    assert "not set up" in line.getMessage()


def test_an_account_without_a_product_skips_its_streams_saying_why(
    account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """Each stream of a product the account is not set up for ends with one line naming it
    and Stripe's reason; every other stream is read whole, the product's too on an account
    that has it."""
    product_of = {path: name for name, paths in FEATURES.items() for path in paths}
    gated = sorted(s for s, t in STREAMS.items() if t.path in product_of)
    assert len(gated) == 25  # Issuing 8, Identity 2, Terminal 3, Climate 1, Sigma 1, Treasury 10
    unavailable = [p for paths in FEATURES.values() for p in paths]
    caplog.set_level(logging.INFO)
    with Emulator(account, unavailable_paths=unavailable) as emulator:
        run = run_tap(tap_config(emulator.url), streams=[*gated, "refunds"])
    assert sorted(run.ids("refunds")) == sorted(r["id"] for r in account.objects("refund"))
    for stream in gated:
        assert run.ids(stream) == [], stream
        (line,) = [r.getMessage() for r in caplog.records if f"stream {stream}:" in r.getMessage()]
        product = product_of[STREAMS[stream].path]
        said = UNAVAILABLE_MESSAGES.get(product, f"not set up to use {product}")
        assert said in line, line
    with Emulator(account) as emulator:
        run = run_tap(tap_config(emulator.url), streams=gated)
    for stream in gated:
        listed = account.objects(STREAMS[stream].object_type)
        assert listed, stream
        assert sorted(run.ids(stream)) == sorted(o["id"] for o in listed), stream


def test_a_404_that_is_not_stripes_stops_the_run() -> None:
    """A proxy's (or a wrong api_base_url's) 404 is no missing feature: nothing is skipped."""
    config = tap_config("https://stripe-proxy.test", max_requests_per_second=100)
    with requests_mock.Mocker() as mock:
        mock.get("https://stripe-proxy.test/v1/refunds", status_code=404, text="<h1>Not Found</h1>")
        with pytest.raises(FatalAPIError, match=r"404 for stream 'refunds'"):
            run_tap(config, streams=["refunds"])


def test_a_stream_refused_part_way_keeps_its_bookmark(account: Account) -> None:
    """Checkout line items: the embedded ones are written, then a session's own list (past 10
    items) is refused. The next run must read that session again: no bookmark past it."""
    sessions = account.objects("checkout.session")
    assert any(len(account.children("item", s["id"])) > 10 for s in sessions), "no long session"
    key = "rk_test_51SessionsButNotTheirLineItems00"
    allowed = ["/v1/checkout/sessions", "/v1/charges"]
    with Emulator(account, restricted_keys={key: allowed}) as emulator:
        config = tap_config(emulator.url, client_secret=key)
        run = run_tap(config, streams=["checkout_sessions_line_items", "charges"])
    assert run.ids("checkout_sessions_line_items"), "nothing was written before the refusal"
    kept = run.final_state["bookmarks"].get("checkout_sessions_line_items", {})
    assert kept.get("replication_key_value") is None, kept
    assert run.ids("charges")


@pytest.mark.parametrize(
    ("override", "setting"),
    [
        ({"account_id": "1234"}, "account_id"),
        ({"client_secret": "pk_live_notasecretkey"}, "client_secret"),
        ({"start_date": "2024-13-01"}, "start_date"),
        ({"start_date": "2999-01-01T00:00:00Z"}, "start_date"),
        ({"lookback_window_days": -1}, "lookback_window_days"),
        ({"lookback_window_days": "three"}, "lookback_window_days"),
        ({"account_id": None}, "account_id"),
        ({"stripe_api_version": "2024-6-20"}, "stripe_api_version"),
        ({"stripe_api_version": "2024-02-30"}, "stripe_api_version"),
        ({"stripe_api_version": "latest"}, "stripe_api_version"),
    ],
)
def test_bad_settings_stop_before_any_request(
    emulator: Emulator, tmp_path: Path, override: dict[str, Any], setting: str
) -> None:
    config = {k: v for k, v in {**tap_config(emulator.url), **override}.items() if v is not None}
    result = run_tap_cli(config, tmp_path)
    assert result.code != 0
    assert setting in result.stderr
    assert "Traceback" not in result.stderr
    assert emulator.requests == []
    assert API_KEY not in result.stderr


def test_retries_give_up_with_a_clear_error(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StripeStream, "RETRY_MAX_TRIES", 3)
    with Emulator(account, fault_rate=1.0) as emulator:
        with pytest.raises(
            RetriableAPIError, match=r"Stripe answered 50[023] for stream 'charges'"
        ):
            run_tap(tap_config(emulator.url), streams=["charges"])
        assert len(emulator.requests) == 3


@pytest.mark.parametrize("version", ["2024-06-20", "2024-09-30.acacia", "2025-03-31.basil"])
def test_stripe_api_versions_as_stripe_names_them_are_accepted(version: str) -> None:
    assert settings_errors(tap_config("http://127.0.0.1:1", stripe_api_version=version)) == []


def test_an_account_the_key_cannot_act_on_stops_the_run_naming_account_id(
    emulator: Emulator, tmp_path: Path
) -> None:
    result = run_tap_cli(tap_config(emulator.url, account_id="acct_1NotThisKeysAccount"), tmp_path)
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if "account_id" in line]
    assert errors, result.stderr
    assert "Skipping stream" not in result.stderr, "a wrong account is no stream's fault"
    assert "Traceback" not in result.stderr
    assert not [m for m in map(json.loads, result.stdout.splitlines()) if m["type"] == "RECORD"]
    assert len(emulator.requests) <= 25, "the first refusal stops every stream"


def test_a_run_where_every_stream_was_refused_fails(account: Account, tmp_path: Path) -> None:
    restricted = {RESTRICTED_KEY: ["/v1/charges"]}
    with Emulator(account, restricted_keys=restricted) as emulator:
        config = tap_config(emulator.url, client_secret=RESTRICTED_KEY)
        catalog = selected_catalog(config, ["customers", "invoices"])
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps(catalog))
        result = run_tap_cli(config, tmp_path, "--catalog", str(catalog_file))
    assert result.code == 1
    assert "No selected stream could be read" in result.stderr
    assert "client_secret" in result.stderr.splitlines()[-1]
    assert RESTRICTED_KEY not in result.stderr + result.stdout


#: The tap's command, with a SIGTERM delivered while it exits (in an ``atexit`` callback, where
#: the run's summary is logged and its output flushed): the Flow adapter stops a finished pass so.
_TERMINATED_WHILE_EXITING = (
    "import atexit, os, signal, sys, time\n"
    "from tap_stripe_flow.__main__ import main\n"
    "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGTERM), time.sleep(0.2)))\n"
    "sys.argv = ['tap-stripe-flow', '--config', sys.argv[1], '--discover']\n"
    "main()\n"
)


def test_a_sigterm_while_the_tap_exits_is_no_traceback(tmp_path: Path) -> None:
    """singer-sdk's SIGTERM handler exits with ``SystemExit``; raised inside an exit callback, it
    printed a traceback (which the Flow adapter reports as an error) after a run that was fine."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config("http://127.0.0.1:9")))
    result = subprocess.run(
        [sys.executable, "-c", _TERMINATED_WHILE_EXITING, str(config)],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    catalog, _ = json.JSONDecoder().raw_decode(result.stdout.decode())
    assert catalog["streams"]
    assert b"Traceback" not in result.stderr, result.stderr.decode()[-2000:]
