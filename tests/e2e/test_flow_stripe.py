"""The Stripe capture connector end to end: Flow's requests on stdin, the emulator behind it."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest

from stripe_emulator import Account, Emulator
from tap_stripe_flow import flow
from tap_stripe_flow.streams import STREAMS
from tests.support.accounts import API_KEY, DAY, endpoint_config
from tests.support.flow import (
    STRIPE_CONNECTOR,
    Result,
    binding,
    check_response,
    open_request,
    reduce_state,
    request_line,
    start_connector,
    stripe,
)
from tests.support.paths import GOLDEN
from tests.support.streams import (
    ALL_STREAMS,
    CHILDREN,
    FULL_REFRESH,
    TOP_LEVEL,
    expected_ids,
)

WRONG_KEY = "sk_test_51ThisKeyIsWrong000000000000"

pytestmark = pytest.mark.slow


def captured_ids(result: Result, bindings: list[dict[str, Any]]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {b["resourceConfig"]["stream"]: [] for b in bindings}
    for message in result.messages:
        if "captured" in message:
            stream = bindings[message["captured"]["binding"]]["resourceConfig"]["stream"]
            ids[stream].append(message["captured"]["doc"]["id"])
    return ids


def assert_golden(name: str, value: Any) -> None:
    """Compare with tests/golden/<name>.json; UPDATE_GOLDEN=1 rewrites it for review."""
    path = GOLDEN / f"{name}.json"
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"run with UPDATE_GOLDEN=1 to create {path}"
    assert json.loads(path.read_text()) == json.loads(text), f"{path} changed: review it"


def test_spec_matches_the_golden_transcript() -> None:
    (message,) = stripe(request_line("spec", {})).messages
    spec = message["spec"]
    properties = spec["configSchema"]["properties"]
    assert [
        properties[n]["title"]
        for n in ("account_id", "client_secret", "start_date", "lookback_window_days")
    ] == [
        "Account ID",
        "Secret Key",
        "Replication start date",
        "Lookback Window in days (Optional)",
    ]
    assert properties["client_secret"]["secret"] is True
    assert spec["resourcePathPointers"] == ["/stream"]
    assert_golden("spec", spec)


def test_discover_matches_the_seed_catalog_and_the_golden_transcript() -> None:
    (message,) = stripe(
        request_line("discover", {"config": endpoint_config("http://127.0.0.1:9")})
    ).messages
    bindings = message["discovered"]["bindings"]
    modes = {b["recommendedName"]: b["resourceConfig"]["syncMode"] for b in bindings}
    assert modes == {
        s: "full_refresh" if s in FULL_REFRESH else "incremental" for s in [*TOP_LEVEL, *CHILDREN]
    }
    for b in bindings:
        keys = STREAMS[b["recommendedName"]].primary_keys  # capabilities: [account, id]
        assert b["key"] == [f"/{k}" for k in keys]
        schema = b["documentSchema"]
        assert set(keys) <= set(schema["required"])
        assert schema["properties"]["id"]["type"] == "string"
        assert schema["x-infer-schema"] is True
    assert_golden("discover", message["discovered"])


def validate_request(config: dict[str, Any], *bindings: tuple[str, str]) -> bytes:
    return request_line(
        "validate",
        {
            "name": "acmeCo/stripe",
            "config": config,
            "bindings": [
                {
                    "resourceConfig": {"stream": s, "syncMode": m},
                    "collection": {"name": f"acmeCo/{s}"},
                }
                for s, m in bindings
            ],
        },
    )


def test_a_session_stays_open_by_default_and_interval_0_makes_it_one_pass() -> None:
    config = endpoint_config("http://127.0.0.1:9")
    default = {**config, "advanced": {"api_base_url": "http://127.0.0.1:9"}}
    assert flow.pass_interval(default) == 30
    assert flow.pass_interval(config) is None  # interval 0
    assert flow.pass_interval({**config, "advanced": {"interval": 5}}) == 5
    # The connector's setting, not the tap's: the tap never sees it.
    assert "interval" not in flow.to_tap_config(default)
    assert "interval" not in flow.to_tap_config(config)


def test_validate_accepts_a_good_config(shared_emulator: Emulator) -> None:
    result = stripe(
        validate_request(
            endpoint_config(shared_emulator.url),
            ("charges", "incremental"),
            ("bank_accounts", "full_refresh"),
        )
    )
    assert result.code == 0
    assert result.messages == [
        {
            "validated": {
                "bindings": [{"resourcePath": ["charges"]}, {"resourcePath": ["bank_accounts"]}]
            }
        }
    ]


@pytest.mark.parametrize(
    ("config_overrides", "bindings", "expected"),
    [
        ({"client_secret": WRONG_KEY}, [("charges", "incremental")], "client_secret"),
        ({"account_id": "acct_1SomebodyElse"}, [("charges", "incremental")], "account_id"),
        ({"account_id": "12345"}, [("charges", "incremental")], "account_id"),
        ({}, [("charge", "incremental")], "charge"),
        ({}, [("bank_accounts", "log_based")], "syncMode"),
    ],
)
def test_validate_errors_name_what_is_wrong(
    shared_emulator: Emulator,
    config_overrides: dict[str, Any],
    bindings: list[tuple[str, str]],
    expected: str,
) -> None:
    config = endpoint_config(shared_emulator.url, **config_overrides)
    result = stripe(validate_request(config, *bindings), secrets=(API_KEY, WRONG_KEY))
    assert result.code != 0
    assert result.messages == []
    assert expected in result.final_error


def all_bindings() -> list[dict[str, Any]]:
    return [binding(s) for s in sorted([*TOP_LEVEL, *CHILDREN])]


def test_open_captures_every_object_once_in_its_binding(
    shared_emulator: Emulator, shared_account: Account
) -> None:
    bindings = all_bindings()
    result = stripe(open_request(endpoint_config(shared_emulator.url), bindings, {}))
    assert result.code == 0
    messages = result.messages  # each line checked against the protocol's fields
    assert messages[0] == {"opened": {"explicitAcknowledgements": False}}
    assert "checkpoint" in messages[-1]
    ids = captured_ids(result, bindings)
    for stream, emitted in ids.items():
        assert sorted(emitted) == sorted(expected_ids(shared_account, stream, 0)), stream
    for message in messages:
        if "captured" in message:
            assert message["captured"]["doc"]["_meta"]["op"] in {"c", "u"}


def test_state_round_trip_reads_only_new_objects_and_rebackfills_one_binding(
    account: Account, emulator: Emulator
) -> None:
    config = endpoint_config(emulator.url, lookback_window_days=1)
    bindings = [binding("charges"), binding("customers"), binding("invoice_line_items")]
    first = stripe(open_request(config, bindings, {}))
    state = reduce_state(first.messages)
    newest = state["bindingStateV1"]["charges"]["replication_key_value"]
    assert state["bindingStateV1"]["customers"]["replication_key"] == "created"

    # new objects, created after every bookmark (as Stripe dates them: at creation)
    customers_newest = state["bindingStateV1"]["customers"]["replication_key_value"]
    account.clock = lambda: max(newest, customers_newest) + 2 * DAY
    new_charge = account.create("charge")
    new_customer = account.create("customer")
    second = stripe(open_request(config, bindings, state))
    ids = captured_ids(second, bindings)
    assert new_charge["id"] in ids["charges"]
    recent = {c["id"] for c in account.objects("charge") if c["created"] >= newest - DAY}
    assert set(ids["charges"]) == recent
    assert new_customer["id"] in ids["customers"]
    assert len(ids["customers"]) < len(account.objects("customer"))

    rebackfilled = [
        binding("charges", backfill=1),
        binding("customers"),
        binding("invoice_line_items"),
    ]
    third = stripe(open_request(config, rebackfilled, reduce_state(second.messages, state)))
    ids = captured_ids(third, rebackfilled)
    assert sorted(ids["charges"]) == sorted(c["id"] for c in account.objects("charge"))
    assert set(ids["customers"]) <= {new_customer["id"]} | {
        c["id"] for c in account.objects("customer") if c["created"] >= newest + DAY
    }


def test_killed_capture_resumes_from_its_last_checkpoint_without_loss(account: Account) -> None:
    bindings = all_bindings()
    streams = [b["resourceConfig"]["stream"] for b in bindings]
    captured: dict[str, set[str]] = {stream: set() for stream in streams}
    state: Any = {}
    with Emulator(account, latency_ms=15) as emulator:
        config = endpoint_config(emulator.url)
        for kill_after in (40, 200, None):
            opened = open_request(config, bindings, state)
            with start_connector(STRIPE_CONNECTOR, [opened], stderr=False) as connector:
                pending: list[tuple[str, str]] = []
                seen = 0
                for line in connector.lines():
                    message = check_response(line)
                    if "captured" in message:
                        seen += 1
                        stream = streams[message["captured"]["binding"]]
                        pending.append((stream, message["captured"]["doc"]["id"]))
                    elif "checkpoint" in message:
                        state = reduce_state([message], state)
                        for stream, doc_id in pending:
                            captured[stream].add(doc_id)  # committed with this checkpoint
                        pending.clear()
                    if kill_after is not None and seen >= kill_after:
                        connector.send_signal(signal.SIGKILL)
                        break
                connector.finish(timeout=60, drain=False)
    for stream, ids in captured.items():
        assert ids == set(expected_ids(account, stream, 0)), stream


def test_deletions_reach_flow_as_delete_documents_and_rebackfill_resets_both_cursors(
    account: Account, emulator: Emulator
) -> None:
    config = endpoint_config(emulator.url)
    bindings = [binding("coupons"), binding("customers")]
    state = reduce_state(stripe(open_request(config, bindings, {})).messages)
    for stream_state in state["bindingStateV1"].values():
        assert {"replication_key_value", "event_cursor"} <= set(stream_state)
        stream_state["event_cursor"] -= 3600  # as if the last run had been an hour ago
    cursor = state["bindingStateV1"]["coupons"]["event_cursor"]
    account.clock = lambda: cursor + 1800
    coupon = account.objects("coupon")[-1]
    account.delete("coupon", coupon["id"])

    second = stripe(open_request(config, bindings, state))
    docs = [m["captured"]["doc"] for m in second.messages if "captured" in m]
    assert [d["_meta"]["op"] for d in docs if d["id"] == coupon["id"]] == ["d"]

    emulator.clear_requests()
    rebackfilled = [binding("coupons", backfill=1), binding("customers")]
    third = stripe(open_request(config, rebackfilled, reduce_state(second.messages, state)))
    events = [r for r in emulator.requests if r.path == "/v1/events"]
    assert [r.query["types[]"][0].split(".")[0] for r in events] == ["customer"]
    coupons_read = [r for r in emulator.requests if r.path == "/v1/coupons"]
    assert coupons_read[0].query["created[gte]"] == [str(1704067200)]  # start_date again
    assert captured_ids(third, rebackfilled)["coupons"]


def test_in_process_discovery_leaves_the_connectors_signal_handlers_alone() -> None:
    # The connector builds the tap's catalog in its own process; singer-sdk's tap object would
    # otherwise install handlers that exit at once on SIGTERM.
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    catalog = flow.discover(flow.to_tap_config(endpoint_config("http://127.0.0.1:9")))
    assert len(catalog["streams"]) == len(ALL_STREAMS)
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_a_child_stream_bound_incremental_reads_only_what_events_name(
    account: Account, emulator: Emulator
) -> None:
    config = endpoint_config(emulator.url)
    bindings = [binding("subscription_items", "incremental")]
    first = stripe(open_request(config, bindings, {}))
    assert set(captured_ids(first, bindings)["subscription_items"]) == {
        i["id"] for i in account.objects("subscription_item")
    }
    state = reduce_state(first.messages)
    stream_state = state["bindingStateV1"]["subscription_items"]
    stream_state["event_cursor"] -= 3600  # as if the last run had been an hour ago
    account.clock = lambda: stream_state["event_cursor"] + 1800
    subscription = next(s for s in account.objects("subscription") if s["status"] != "canceled")
    removed = account.children("subscription_item", subscription["id"])[0]
    account.delete("subscription_item", removed["id"])

    emulator.clear_requests()
    second = stripe(open_request(config, bindings, state))
    docs = [m["captured"]["doc"] for m in second.messages if "captured" in m]
    assert [d["_meta"]["op"] for d in docs if d["id"] == removed["id"]] == ["d"]
    assert {d["id"] for d in docs} <= {removed["id"]} | {
        i["id"] for i in account.children("subscription_item", subscription["id"])
    }
    assert "/v1/subscriptions" not in {r.path for r in emulator.requests}
