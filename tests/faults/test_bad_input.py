"""Bad settings, keys and Flow requests: one clear message, non-zero exit (or a protocol
error), no traceback anywhere, no secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from stripe_emulator.resources import RESOURCES
from tests.faults.harness import (
    RESTRICTED_KEY,
    REVOKED_KEY,
    SCAN,
    WRONG_KEY,
    FlowRun,
    fault_account,
    run_flow,
    run_singer_tap,
)
from tests.support.accounts import endpoint_config, tap_config
from tests.support.flow import open_request, request_line

pytestmark = pytest.mark.slow

ALL_LIST_PATHS = sorted(r.path for r in RESOURCES.values() if r.top_level)


@pytest.fixture(scope="module")
def account() -> Account:
    return fault_account(objects=200, seed=13)


@pytest.fixture
def emu(account: Account) -> Any:
    with Emulator(account) as emulator:
        yield emulator
        SCAN.emulator(emulator)


def validate(config: dict[str, Any], *streams: str) -> bytes:
    return request_line(
        "validate",
        {
            "name": "acmeCo/stripe",
            "config": config,
            "bindings": [
                {
                    "resourceConfig": {"stream": s, "syncMode": "incremental"},
                    "collection": {"name": f"acmeCo/{s}"},
                }
                for s in streams
            ],
        },
    )


def assert_one_clear_error(run: FlowRun, *words: str) -> str:
    assert run.code not in (0, None)
    message = run.final_error  # the last stderr line: a JSON log at level error
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert not [m for m in run.messages if "captured" in m or "checkpoint" in m]
    return message


def without(config: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != name}


BAD_SETTINGS = [
    ("missing account_id", lambda c: without(c, "account_id"), "account_id"),
    ("missing client_secret", lambda c: without(c, "client_secret"), "client_secret"),
    ("missing start_date", lambda c: without(c, "start_date"), "start_date"),
    ("account_id not a string", lambda c: {**c, "account_id": 1234}, "account_id"),
    ("client_secret not a string", lambda c: {**c, "client_secret": 42}, "client_secret"),
    ("start_date not a string", lambda c: {**c, "start_date": 20240101}, "start_date"),
    ("lookback not an int", lambda c: {**c, "lookback_window_days": "three"}, "lookback"),
    ("advanced not an object", lambda c: {**c, "advanced": "fast"}, "advanced"),
    ("malformed start_date", lambda c: {**c, "start_date": "2024-13-01"}, "start_date"),
    ("start_date not a date", lambda c: {**c, "start_date": "yesterday"}, "start_date"),
    (
        "start_date in the future",
        lambda c: {**c, "start_date": "2999-01-01T00:00:00Z"},
        "start_date",
    ),
    ("account_id without acct_", lambda c: {**c, "account_id": "1234"}, "account_id"),
    ("negative lookback", lambda c: {**c, "lookback_window_days": -1}, "lookback_window_days"),
    ("publishable key", lambda c: {**c, "client_secret": "pk_live_notasecretkey"}, "client_secret"),
    ("empty config", lambda c: {}, "account_id"),
    (
        "malformed stripe_api_version",
        lambda c: {**c, "advanced": {**c["advanced"], "stripe_api_version": "2024-06"}},
        "stripe_api_version",
    ),
    (
        "negative interval",
        lambda c: {**c, "advanced": {**c["advanced"], "interval": -1}},
        "advanced/interval",
    ),
    (
        "interval not an integer",
        lambda c: {**c, "advanced": {**c["advanced"], "interval": "30s"}},
        "advanced/interval",
    ),
]
OPEN_TOO = {b[0] for b in BAD_SETTINGS[::3]}


@pytest.mark.parametrize(
    ("name", "change", "setting"), BAD_SETTINGS, ids=[b[0] for b in BAD_SETTINGS]
)
def test_bad_settings_stop_before_any_request(
    emu: Emulator, name: str, change: Any, setting: str
) -> None:
    config = change(endpoint_config(emu.url))
    # validate, or open for every third setting (each run costs ~0.6 s)
    if name not in OPEN_TOO:
        run = run_flow(validate(config, "charges"))
    else:
        run = run_flow(open_request(config, ["charges"], {}), streams=["charges"])
    assert_one_clear_error(run, setting)
    assert emu.requests == [], "a request was sent with a bad setting"


@pytest.mark.parametrize(
    ("name", "override", "setting"),
    [
        ("missing client_secret", {"client_secret": None}, "client_secret"),
        ("lookback not an int", {"lookback_window_days": "three"}, "lookback_window_days"),
        ("start_date not a date", {"start_date": "yesterday"}, "start_date"),
        ("future start_date", {"start_date": "2999-01-01T00:00:00Z"}, "start_date"),
    ],
)
def test_bad_settings_of_the_singer_tap(
    emu: Emulator, tmp_path: Path, name: str, override: dict[str, Any], setting: str
) -> None:
    config = {k: v for k, v in {**tap_config(emu.url), **override}.items() if v is not None}
    run = run_singer_tap(config, tmp_path)
    assert run.code != 0
    # singer-sdk names the setting on the line before its generic last line
    assert setting in run.stderr, run.stderr
    assert emu.requests == []


def test_wrong_key_is_refused_at_validate_and_open(emu: Emulator) -> None:
    config = endpoint_config(emu.url, client_secret=WRONG_KEY)
    assert_one_clear_error(run_flow(validate(config, "charges")), "client_secret")
    run = run_flow(open_request(config, ["charges", "customers"], {}), streams=["charges"])
    assert_one_clear_error(run, "client_secret")
    refused = [(r.path, str(sorted(r.query.items()))) for r in emu.requests if r.status == 401]
    assert len(refused) == len(set(refused)), "a 401 must not be retried"
    assert len(refused) <= 3, "validate's check, then at most one request per stream"


def test_key_revoked_between_validate_and_open(account: Account) -> None:
    with Emulator(account, restricted_keys={REVOKED_KEY: ALL_LIST_PATHS}) as emu:
        config = endpoint_config(emu.url, client_secret=REVOKED_KEY)
        ok = run_flow(validate(config, "charges"))
        assert ok.code == 0
        del emu.api.restricted[REVOKED_KEY]  # the key is rolled in the dashboard
        run = run_flow(open_request(config, ["charges"], {}), streams=["charges"])
        SCAN.emulator(emu)
    assert_one_clear_error(run, "client_secret")


def test_key_without_permission_for_one_stream_skips_it_by_name(account: Account) -> None:
    allowed = [p for p in ALL_LIST_PATHS if p != "/v1/invoices"]
    with Emulator(account, restricted_keys={RESTRICTED_KEY: allowed}) as emu:
        config = endpoint_config(emu.url, client_secret=RESTRICTED_KEY)
        streams = ["charges", "invoices", "refunds"]
        run = run_flow(open_request(config, streams, {}), streams=streams)
        log = emu.requests
        SCAN.emulator(emu)
    assert run.code == 0, "the other streams go on"
    skipped = [e["msg"] for e in run.logs if e["level"] == "error" and "invoices" in e["msg"]]
    assert skipped, "the skipped stream is not named"
    assert "client_secret" in skipped[0]
    assert "rak_invoice_read" in skipped[0], "Stripe's sentence names the permission"
    forbidden = [r for r in log if r.status == 403]
    assert len(forbidden) == 1, "a 403 must not be retried"
    captured = {stream for stream, _ in run.ids()}
    assert captured == {"charges", "refunds"}


MALFORMED = [
    ("not JSON", lambda c: b"{open: please}\n", "not valid JSON"),
    ("two keys in one line", lambda c: b'{"spec":{},"discover":{}}\n', "exactly one"),
    ("unknown request", lambda c: b'{"pull":{}}\n', "unknown request"),
    ("request not an object", lambda c: b"[1,2]\n", "JSON object"),
    ("body of the wrong type", lambda c: b'{"open":[]}\n', "open"),
    (
        "binding for a stream that does not exist",
        lambda c: open_request(c, ["charges", "chargez"], {}),
        "chargez",
    ),
    (
        "state with an unknown top-level key",
        lambda c: open_request(c, ["charges"], {"cursor": 5}),
        "state",
    ),
    (
        "bindingStateV1 not an object",
        lambda c: open_request(c, ["charges"], {"bindingStateV1": [1]}),
        "bindingStateV1",
    ),
    (
        "bookmark not an object",
        lambda c: open_request(c, ["charges"], {"bindingStateV1": {"charges": 17}}),
        "charges",
    ),
    ("state not an object", lambda c: open_request(c, ["charges"], "yesterday"), "state"),
]


@pytest.mark.parametrize(("name", "make", "words"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_flow_requests_are_protocol_errors(
    emu: Emulator, name: str, make: Any, words: str
) -> None:
    line = make(endpoint_config(emu.url))
    run = run_flow(line, session=line.startswith(b'{"open"'), streams=["charges"])
    assert_one_clear_error(run, words)
    assert not [r for r in emu.requests if r.path != "/v1/account"]


@pytest.mark.parametrize(
    "bookmark",
    [
        {"replication_key": "created", "replication_key_value": "yesterday"},
        {"replication_key": "created", "replication_key_value": [1, 2]},
        {"replication_key": "created"},
    ],
    ids=["value not a date", "value a list", "value missing"],
)
def test_bookmark_of_a_shape_we_never_write(emu: Emulator, bookmark: dict[str, Any]) -> None:
    state = {"bindingStateV1": {"charges": bookmark}}
    run = run_flow(open_request(endpoint_config(emu.url), ["charges"], state), streams=["charges"])
    if run.code == 0:  # tolerated: then it must still capture everything
        assert run.ids()
        return
    message = assert_one_clear_error(run, "charges")
    assert "state" in message or "bookmark" in message, message
