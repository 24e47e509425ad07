"""One capture of a Connect platform (``capture_connected_accounts``): the platform and every
connected account it lists, each account's records tagged and keyed by ``account_id``, its state
its own; and the second run after accounts came, left, were rejected or changed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from stripe_emulator import Account, Emulator, build_platform, connected_accounts
from tap_stripe_flow.progress import close_all
from tap_stripe_flow.stripe_api import AccountCheckError, check_credentials
from tests.support.accounts import API_KEY, DATA_END, DATA_START, make_account, tap_config
from tests.support.tap import TapRun, rewound, run_tap

#: Streams a small connected account holds objects of (and the platform's Connect list).
STREAMS = ["charges", "customers", "invoices", "products", "coupons", "accounts"]
INCREMENTAL = ("charges", "customers", "invoices", "coupons")
OBJECT = {
    "charges": "charge",
    "customers": "customer",
    "invoices": "invoice",
    "products": "product",
    "coupons": "coupon",
}
HOUR = 3600


def platform_with_shops(count: int = 3, seed: int = 11) -> tuple[Account, dict[str, Account]]:
    """A small platform (its own data and generated Connect accounts, which hold nothing) with
    ``count`` connected accounts that hold data of their own."""
    platform = make_account(objects=200, seed=seed)
    platform.clock = lambda: int(DATA_END.timestamp())
    shops = connected_accounts(
        count,
        seed,
        DATA_START,
        DATA_END,
        sizes=(9, 14, 6),
        api_key=API_KEY,
        event_retention_days=None,
    )
    return platform, build_platform(platform, shops)


def by_account(run: TapRun, stream: str) -> dict[str, set[str]]:
    """account_id -> the ids of ``stream`` the run wrote for it."""
    out: dict[str, set[str]] = defaultdict(set)
    for record in run.records.get(stream, []):
        out[record["account_id"]].add(record["id"])
    return dict(out)


def expected(emulator: Emulator, platform: Account, stream: str) -> dict[str, set[str]]:
    """account_id -> the ids of ``stream``'s objects each listed account holds."""
    out: dict[str, set[str]] = {}
    accounts = [platform.id, *(a["id"] for a in platform.objects("account"))]
    for account_id in accounts:
        holder = platform if account_id == platform.id else emulator.connected(account_id)
        ids = {o["id"] for o in holder.objects(OBJECT[stream])}
        if ids:
            out[account_id] = ids
    return out


def config(url: str, **extra: Any) -> dict[str, Any]:
    return tap_config(url, capture_connected_accounts=True, **extra)


@pytest.fixture(scope="module")
def first_run() -> tuple[Account, dict[str, Account], TapRun, list[Any]]:
    platform, shops = platform_with_shops()
    with Emulator(platform, connected_accounts=shops) as emulator:
        run = run_tap(config(emulator.url), streams=STREAMS)
        requests = emulator.requests
        want = {s: expected(emulator, platform, s) for s in OBJECT}
    return platform, shops, run, [requests, want]


def test_every_account_is_read_once_with_its_own_records(
    first_run: tuple[Account, dict[str, Account], TapRun, list[Any]],
) -> None:
    platform, shops, run, (requests, want) = first_run
    for stream in OBJECT:
        assert by_account(run, stream) == want[stream], stream
        keys = Counter((r["account_id"], r["id"]) for r in run.records[stream])
        assert max(keys.values()) == 1, stream
    assert all(set(want["charges"]).issuperset({s}) for s in shops if shops[s].objects("charge"))
    # the platform's Connect list is the platform's alone
    assert {r["account_id"] for r in run.records["accounts"]} == {platform.id}
    # every connected account read acting as itself; none of the platform's lists as another
    acted = {r.stripe_account for r in requests}
    assert acted == {platform.id, *(a["id"] for a in platform.objects("account"))}
    as_shop = [r for r in requests if r.stripe_account in shops]
    assert not any(r.path.startswith("/v1/accounts") for r in as_shop)
    assert all(r.status == 200 for r in requests)


def test_records_are_keyed_by_account_and_each_stream_has_one_schema(
    first_run: tuple[Account, dict[str, Account], TapRun, list[Any]],
) -> None:
    _, _, run, _ = first_run
    schemas = [m for m in run.messages if m["type"] == "SCHEMA"]
    assert Counter(m["stream"] for m in schemas) == Counter(STREAMS)
    for message in schemas:
        assert message["key_properties"][0] == "account_id", message["stream"]
        assert message["schema"]["properties"]["account_id"]["type"] == "string"
    assert all("account_id" in r for rs in run.records.values() for r in rs)


def test_each_account_keeps_its_own_state(
    first_run: tuple[Account, dict[str, Account], TapRun, list[Any]],
) -> None:
    platform, shops, run, _ = first_run
    state = run.final_state["bookmarks"]
    for stream in INCREMENTAL:
        top = state[stream]
        assert top["replication_key"] == "created", stream  # the platform's, where it was
        accounts = top["accounts"]
        assert set(shops) <= set(accounts), stream
        for shop in shops:
            assert accounts[shop]["replication_key"] == "created"
            assert "progress_markers" not in accounts[shop]
    newest = max(c["created"] for c in shops[next(iter(shops))].objects("charge"))
    first = next(iter(shops))
    assert state["charges"]["accounts"][first]["replication_key_value"] == newest
    assert platform.id not in state["charges"]["accounts"]


def test_a_second_run_reads_what_changed_in_each_account_and_follows_the_platform() -> None:
    platform, shops = platform_with_shops(count=3, seed=12)
    kept, left, rejected = list(shops)
    with Emulator(platform, connected_accounts=shops) as emulator:
        first = run_tap(config(emulator.url), streams=STREAMS, incremental=())
        cursor = first.final_state["bookmarks"]["charges"]["accounts"][kept]["event_cursor"]
        when = cursor - HOUR + 60
        shop = emulator.connected(kept)
        shop.clock = lambda: when
        customer = shop.objects("customer")[0]
        shop.update("customer", customer["id"], email="changed@example.com")
        charge = shop.create("charge", amount=4242, customer=customer["id"])
        newcomer = connected_accounts(
            1, 99, DATA_START, DATA_END, sizes=(8,), api_key=API_KEY, event_retention_days=None
        )[0]
        emulator.connect(newcomer)
        emulator.disconnect(left)
        emulator.reject(rejected)
        emulator.clear_requests()
        start = rewound_accounts(first.final_state, HOUR)
        second = run_tap(config(emulator.url), streams=STREAMS, state=start)
        acted = Counter(r.stripe_account for r in emulator.requests)
        want_new = {o["id"] for t in OBJECT.values() for o in newcomer.objects(t)}
    customers = {r["id"]: r for r in second.records["customers"] if r["account_id"] == kept}
    assert customers[customer["id"]]["email"] == "changed@example.com"
    assert charge["id"] in by_account(second, "charges")[kept]
    # the newcomer is read whole from start_date
    got_new = {r["id"] for s in OBJECT for r in second.records[s] if r["account_id"] == newcomer.id}
    assert got_new == want_new
    # neither the account that left nor the rejected one is read; their state stays
    assert left not in acted
    assert rejected not in acted
    state = second.final_state["bookmarks"]["charges"]["accounts"]
    assert state[left] == start["bookmarks"]["charges"]["accounts"][left]
    assert state[rejected] == start["bookmarks"]["charges"]["accounts"][rejected]
    assert newcomer.id in state


def rewound_accounts(state: dict[str, Any], seconds: int) -> dict[str, Any]:
    """``rewound`` for the platform and for every connected account's stream state."""
    moved = rewound(state, seconds)
    for bookmark in moved["bookmarks"].values():
        for key, account_state in (bookmark.get("accounts") or {}).items():
            bookmark["accounts"][key] = rewound({"bookmarks": {"s": account_state}}, seconds)[
                "bookmarks"
            ]["s"]
    return moved


def test_an_account_whose_access_is_revoked_mid_run_is_skipped_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Listed, then refused (403 ``account_invalid``): a warning names it, its state stays as it
    was, and the accounts after it are read."""
    platform, shops = platform_with_shops(count=3, seed=13)
    first_shop, revoked, last_shop = sorted(
        shops, key=lambda a: platform.get("account", a)["created"]
    )
    listed = platform.get("account", revoked)

    def still_listed(route: str, query: Any, page: dict[str, Any]) -> dict[str, Any] | None:
        if route != "/v1/accounts" or any(a["id"] == revoked for a in page["data"]):
            return None
        return {**page, "data": [*page["data"], listed]}

    with Emulator(platform, connected_accounts=shops, page_hook=still_listed) as emulator:
        emulator.disconnect(revoked)
        with caplog.at_level("WARNING"):
            run = run_tap(config(emulator.url), streams=STREAMS)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(revoked in line and "skipping it" in line for line in warned), warned
    charges = by_account(run, "charges")
    assert revoked not in charges
    for shop in (first_shop, last_shop):
        assert charges[shop] == {c["id"] for c in shops[shop].objects("charge")}
    state = run.final_state["bookmarks"]["charges"]["accounts"]
    assert "replication_key_value" not in state.get(revoked, {})
    assert state[last_shop]["replication_key_value"]


def test_a_large_account_reads_for_its_turn_and_goes_on_next_run_where_it_stopped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The oldest account is large and read first: after its turn (0.2 s here) its streams stop
    with their progress saved, the small accounts after it are read whole in the same run, and
    the next run finishes the large one from where it stopped."""
    platform = make_account(objects=200, seed=14)
    platform.clock = lambda: int(DATA_END.timestamp())
    large, *small = connected_accounts(
        3,
        14,
        DATA_START,
        DATA_END,
        sizes=(3000, 9, 6),
        api_key=API_KEY,
        event_retention_days=None,
    )
    opened = {large.id: int(DATA_START.timestamp())}
    shops = build_platform(platform, [large, *small], created=opened)
    streams = ["charges", "customers", "invoices"]
    with Emulator(platform, connected_accounts=shops, latency_ms=100) as emulator:
        with caplog.at_level("INFO"):
            first = run_tap(config(emulator.url, account_turn_seconds=0.2), streams=streams)
        second = run_tap(config(emulator.url), streams=streams, state=first.final_state)
    said = [r.getMessage() for r in caplog.records]
    assert any(large.id in line and "turn" in line for line in said), said
    state = first.final_state["bookmarks"]["charges"]["accounts"][large.id]
    assert state["backfill"], ("the large account's progress is saved", state)
    want_large = {c["id"] for c in large.objects("charge")}
    got_first = by_account(first, "charges").get(large.id, set())
    assert got_first < want_large
    for shop in small:  # read whole in the first run, after the large account's turn
        assert by_account(first, "charges")[shop.id] == {c["id"] for c in shop.objects("charge")}
    got_second = by_account(second, "charges")[large.id]
    assert got_first | got_second == want_large
    assert len(got_first & got_second) < len(got_first) / 2, "resumed, not read again"
    assert second.final_state["bookmarks"]["charges"]["accounts"][large.id]["backfill"] is None


def test_validate_says_when_the_key_cannot_list_connected_accounts() -> None:
    """A restricted key without Connect read access: one error naming the setting at validate
    (without the setting the same key passes); the platform's key passes."""
    platform, shops = platform_with_shops(count=1, seed=15)
    restricted = "rk_test_noconnect00000000000001"
    with Emulator(
        platform, connected_accounts=shops, restricted_keys={restricted: ["/v1/charges"]}
    ) as emulator:
        pinned = {"stripe_api_version": "2024-06-20"}
        check_credentials(config(emulator.url, **pinned))
        check_credentials(tap_config(emulator.url, client_secret=restricted, **pinned))
        with pytest.raises(AccountCheckError) as refused:
            check_credentials(config(emulator.url, client_secret=restricted, **pinned))
        run = run_tap(
            config(emulator.url, client_secret=restricted), streams=["charges"], keep_error=True
        )
    assert "capture_connected_accounts" in str(run.error)
    assert not run.records
    said = str(refused.value)
    assert "capture_connected_accounts" in said
    assert "403" in said
    assert restricted not in said


def test_each_connected_account_logs_one_info_line_and_the_summary_does_not_grow(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its streams' own lines (singer-sdk's, the metrics, each stream's summary) are DEBUG;
    the run summary has one row per stream for all connected accounts."""
    platform, shops = platform_with_shops(count=3, seed=16)
    streams = ["charges", "customers"]
    close_all()  # earlier runs' reporters in this process: their summaries go out now
    with Emulator(platform, connected_accounts=shops) as emulator, caplog.at_level("INFO"):
        run_tap(config(emulator.url), streams=streams)
        close_all()  # this run's summary (at exit otherwise)
    info = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    accounts = [a["id"] for a in platform.objects("account")]
    for account_id in accounts:
        lines = [line for line in info if account_id in line]
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"Connected account {account_id}: ")
    assert sum("Beginning sync" in line for line in info) == len(streams)  # the platform's
    (summary,) = [line for line in info if line.startswith("Run summary")]
    assert summary.count("(connected accounts)") == len(streams)
    assert not any(account_id in summary for account_id in accounts)
