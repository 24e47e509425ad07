"""The emulator as a Connect platform: each connected account's data under ``Stripe-Account``
(the platform's key), its own events and rate limits, accounts connected, disconnected and
rejected while serving, and the builder of connected accounts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import requests

from stripe_emulator import (
    Account,
    Emulator,
    build_account,
    build_platform,
    connected_accounts,
    errors,
)
from stripe_emulator.__main__ import build_parser
from stripe_emulator.platform import KINDS, opened_at, reject_account
from tests.emulator.test_emulator_limits import assert_stripes_429
from tests.support.emulator_http import stripe_session
from tests.support.stripe_spec import assert_conforms

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 3, 1, tzinfo=UTC)
END_TS = int(END.timestamp())
KEY = "sk_test_platform0000000000000001"
PLATFORM = "acct_1PlatformEmu0001"
#: The types a small connected account holds, by list path.
SMALL = {
    "/v1/products": "product",
    "/v1/prices": "price",
    "/v1/customers": "customer",
    "/v1/charges": "charge",
    "/v1/coupons": "coupon",
    "/v1/invoices": "invoice",
}

Json = Any


@dataclass
class World:
    platform: Account
    shops: list[Account]
    emu: Emulator
    http: requests.Session

    def get(self, path: str, account: str | None = None, **params: Any) -> requests.Response:
        headers = {} if account is None else {"Stripe-Account": account}
        return self.http.get(self.emu.url + path, params=params, headers=headers, timeout=10)

    def ids(self, path: str, account: str | None = None, **params: Any) -> list[str]:
        """Every id of a list (pages of 100), acting on ``account``."""
        out: list[str] = []
        while True:
            resp = self.get(path, account, limit=100, **params)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            out += [o["id"] for o in body["data"]]
            if not body["has_more"]:
                return out
            params["starting_after"] = out[-1]


def make_platform(objects: int = 40) -> Account:
    """A platform with data of its own (and the Connect accounts ``build_account`` makes,
    which have none)."""
    platform = build_account(objects, 3, START, END, PLATFORM, KEY, event_retention_days=None)
    platform.clock = lambda: END_TS
    return platform


def make_shops(count: int = 5, seed: int = 2, **options: Any) -> list[Account]:
    sizes = options.pop("sizes", (9, 0, 4, 14, 150))
    return connected_accounts(
        count, seed, START, END, sizes=sizes, event_retention_days=None, **options
    )


def serve(**options: Any) -> Iterator[World]:
    platform, shops = make_platform(), make_shops()
    connected = build_platform(platform, shops)
    with (
        Emulator(platform, connected_accounts=connected, **options) as emu,
        stripe_session(KEY) as http,
    ):
        yield World(platform, shops, emu, http)


@pytest.fixture
def world() -> Iterator[World]:
    yield from serve()


def forbidden(resp: requests.Response, account: str) -> None:
    """Exactly the 403 a key without access to ``account`` gets."""
    assert resp.status_code == 403, resp.text
    assert resp.json() == orjson.loads(errors.account_mismatch(KEY, account)[1])


# ---------------------------------------------------------------------------- routing
def test_each_request_acts_on_the_account_its_header_names(world: World) -> None:
    platform_charges = world.ids("/v1/charges")
    assert platform_charges == [c["id"] for c in world.platform.objects("charge")]
    assert world.ids("/v1/charges", PLATFORM) == platform_charges
    for shop in world.shops:
        mine = world.ids("/v1/charges", shop.id)
        assert mine == [c["id"] for c in shop.objects("charge")], shop.id
        assert not set(mine) & set(platform_charges)
    own = world.get("/v1/account", world.shops[0].id).json()
    assert own == world.get(f"/v1/accounts/{world.shops[0].id}").json()  # as the platform sees it
    forbidden(world.get("/v1/charges", "acct_1NotConnected000"), "acct_1NotConnected000")
    gone = world.shops[1].id
    world.emu.disconnect(gone)
    forbidden(world.get("/v1/charges", gone), gone)
    forbidden(world.get("/v1/events", gone), gone)
    assert gone not in world.ids("/v1/accounts")
    assert world.get("/v1/charges", world.shops[0].id).status_code == 200  # the others stay
    records = world.emu.requests
    assert [r.stripe_account for r in records[-4:-1]] == [gone, gone, None]
    assert [r.account for r in records[-4:]] == [PLATFORM] * 3 + [world.shops[0].id]


def test_a_listed_account_without_data_is_an_empty_account_kept(world: World) -> None:
    given = {s.id for s in world.shops}
    bare = [a for a in world.ids("/v1/accounts") if a not in given]
    assert bare, "build_account makes Connect accounts without data"
    assert world.ids("/v1/customers", bare[0]) == []
    assert world.ids("/v1/events", bare[0]) == []
    data = world.emu.connected(bare[0])
    assert data is world.emu.connected(bare[0])
    assert data.id == bare[0]
    made = data.create("customer", name="First buyer")
    assert world.ids("/v1/customers", bare[0]) == [made["id"]]
    assert world.ids("/v1/customers", bare[1]) == []
    assert made["id"] not in world.ids("/v1/customers")
    (event,) = world.get("/v1/events", bare[0]).json()["data"]
    assert (event["type"], event["account"]) == ("customer.created", bare[0])
    with pytest.raises(KeyError):
        world.emu.connected("acct_1NotConnected000")


def test_a_connected_accounts_lists_events_and_retrieves_are_its_own(world: World) -> None:
    platform_ids = {oid for path in (*SMALL, "/v1/events") for oid in world.ids(path)}
    for shop in world.shops:
        for path, otype in SMALL.items():
            ids = world.ids(path, shop.id)
            listed = [o for o in shop.objects(otype) if otype != "price" or o["active"]]
            assert ids == [o["id"] for o in listed], (shop.id, path)  # active prices only
            assert not set(ids) & platform_ids
        events = [
            world.get(f"/v1/events/{e}", shop.id).json() for e in world.ids("/v1/events", shop.id)
        ]
        assert len(events) == len(shop.objects("event"))
        assert {e["account"] for e in events} <= {shop.id}
        assert not {e["id"] for e in events} & platform_ids
    small, large = world.shops[0], world.shops[4]
    assert len(world.ids("/v1/events", small.id)) == 9  # one creation event per object
    assert world.ids("/v1/subscriptions", large.id, status="all")  # a large one: every stream
    charge = small.objects("charge")[0]["id"]
    assert world.get(f"/v1/charges/{charge}", small.id).json()["id"] == charge
    assert world.get(f"/v1/charges/{charge}").status_code == 404
    assert world.get(f"/v1/charges/{charge}", large.id).status_code == 404
    theirs = world.platform.objects("charge")[0]["id"]
    assert world.get(f"/v1/charges/{theirs}", small.id).status_code == 404


def test_a_connected_account_is_no_platform(world: World) -> None:
    listed = world.ids("/v1/accounts")
    assert {s.id for s in world.shops} <= set(listed)
    large = world.shops[4]  # built by build_account: it holds Connect accounts of its own
    assert large.objects("account")
    inner = large.objects("account")[0]["id"]
    for shop in (world.shops[0], large):
        assert world.ids("/v1/accounts", shop.id) == []
        for path in (f"/v1/accounts/{inner}", f"/v1/accounts/{shop.id}/persons"):
            resp = world.get(path, shop.id)
            assert resp.status_code == 404, (path, resp.text)
            assert resp.json()["error"]["code"] == "resource_missing"
        assert world.get(f"/v1/accounts/{inner}/capabilities", shop.id).status_code == 404
        assert world.get("/v1/accounts", shop.id, foo="1").status_code == 400
        forbidden(world.get("/v1/charges", inner), inner)  # not the platform's account


def test_a_restricted_key_applies_on_every_account_it_acts_on() -> None:
    limited = "rk_test_platformcharges0001"
    platform, shops = make_platform(), make_shops(2, sizes=(7,))
    connected = build_platform(platform, shops)
    keys = {limited: ["/v1/charges"]}
    with (
        Emulator(platform, connected_accounts=connected, restricted_keys=keys) as emu,
        stripe_session(limited) as http,
    ):
        shop = shops[0].id

        def get(path: str, account: str) -> requests.Response:
            headers = {"Stripe-Account": account}
            return http.get(emu.url + path, headers=headers, timeout=10)

        charges = get("/v1/charges", shop).json()["data"]
        assert [c["id"] for c in charges] == [c["id"] for c in shops[0].objects("charge")]
        denied = get("/v1/customers", shop)
        assert denied.status_code == 403
        assert "rak_customer_read" in denied.json()["error"]["message"]
        assert get("/v1/account", shop).status_code == 200
        other = get("/v1/charges", "acct_1NotConnected000")
        assert other.status_code == 403
        assert other.json()["error"]["code"] == "account_invalid"
        del emu.api.restricted[limited]  # the key is rolled in the dashboard
        assert get("/v1/charges", shop).status_code == 401
        assert get("/v1/charges", shops[1].id).status_code == 401


# ---------------------------------------------------------------------------- rate limits
def test_each_account_has_its_own_global_rate_limit() -> None:
    """A budget of one request a second (so a test under load stays within the second)."""
    for world in serve(rate_limit=1):
        first, second = world.shops[0].id, world.shops[2].id
        assert world.get("/v1/charges").status_code == 200
        assert_stripes_429(world.get("/v1/customers"), "global-rate")
        assert world.get("/v1/customers", first).status_code == 200
        assert_stripes_429(world.get("/v1/charges", first), "global-rate")
        assert world.get("/v1/charges", second).status_code == 200
        stats = world.emu.stats()
        assert stats["by_account"] == {PLATFORM: 2, first: 2, second: 1}
        assert stats["rate_limited"] == 2
        peaks = world.emu.peak_rates()
        assert peaks[PLATFORM] == {"/v1/charges": 1, "/v1/customers": 1, "*": 2}
        assert peaks[second] == {"/v1/charges": 1, "*": 1}


def test_each_account_has_its_own_endpoint_rate_limits() -> None:
    for world in serve(endpoint_rate_limit=1):
        shop = world.shops[0]
        charge = shop.objects("charge")[0]["id"]
        assert world.get("/v1/charges").status_code == 200
        assert_stripes_429(world.get("/v1/charges"), "endpoint-rate")
        assert world.get("/v1/customers").status_code == 200  # another endpoint
        assert world.get("/v1/charges", shop.id).status_code == 200
        assert world.get(f"/v1/charges/{charge}", shop.id).status_code == 200  # a retrieve
        assert_stripes_429(world.get("/v1/charges", shop.id), "endpoint-rate")
        assert world.get("/v1/charges", world.shops[3].id).status_code == 200
        assert world.emu.peak_rates()[shop.id] == {
            "/v1/charges": 2,
            "/v1/charges/{id}": 1,
            "*": 3,
        }


# ---------------------------------------------------------------------------- changes
def test_an_account_connected_while_serving_is_listed_and_read_from_then_on(
    world: World,
) -> None:
    newcomer = connected_accounts(1, 99, START, END, sizes=(5,), event_retention_days=None)[0]
    forbidden(world.get("/v1/customers", newcomer.id), newcomer.id)
    made = world.emu.connect(newcomer, kind="custom")
    assert (made["id"], made["created"], made["type"]) == (newcomer.id, END_TS, "custom")
    listed = world.get("/v1/accounts", limit=1).json()["data"][0]
    assert listed["id"] == newcomer.id  # the newest
    assert world.ids("/v1/customers", newcomer.id) == [
        c["id"] for c in newcomer.objects("customer")
    ]
    assert world.emu.connected(newcomer.id) is newcomer
    with pytest.raises(ValueError, match="already"):
        world.emu.connect(newcomer)
    world.emu.disconnect(newcomer.id)
    forbidden(world.get("/v1/customers", newcomer.id), newcomer.id)


def test_a_rejected_account_renders_as_the_spec_says_and_stays_readable(world: World) -> None:
    shop = world.shops[0]
    before = world.get(f"/v1/accounts/{shop.id}").json()
    assert before["charges_enabled"] is True
    after = world.emu.reject(shop.id)
    served = world.get(f"/v1/accounts/{shop.id}").json()
    assert served == after
    assert served["requirements"]["disabled_reason"] == "rejected.fraud"
    assert (served["charges_enabled"], served["payouts_enabled"]) == (False, False)
    assert_conforms(served)
    event = world.get("/v1/events", shop.id, limit=1).json()["data"][0]
    assert (event["type"], event["account"]) == ("account.updated", shop.id)
    assert event["data"]["previous_attributes"]["charges_enabled"] is True
    assert_conforms(event)
    assert world.ids("/v1/charges", shop.id) == [c["id"] for c in shop.objects("charge")]
    assert world.get("/v1/account", shop.id).json() == after
    other = reject_account(world.platform, world.shops[2].id, "terms_of_service")
    assert other["requirements"]["disabled_reason"] == "rejected.terms_of_service"
    with pytest.raises(ValueError, match="reason"):
        reject_account(world.platform, shop.id, "bored")


# ---------------------------------------------------------------------------- the builder
def test_the_builder_is_deterministic_with_distinct_ids() -> None:
    first, again = make_shops(6, sizes=(5, 11)), make_shops(6, sizes=(5, 11))
    assert [a.id for a in first] == [a.id for a in again]
    for one, two in zip(first, again, strict=True):
        for otype in SMALL.values():
            assert one.objects(otype) == two.objects(otype)
    assert len({a.id for a in first}) == 6
    assert all(a.id.startswith("acct_") and len(a.id) == 21 for a in first)
    object_ids = [o["id"] for a in first for t in SMALL.values() for o in a.objects(t)]
    assert len(object_ids) == len(set(object_ids)) == 3 * 5 + 3 * 11
    other = make_shops(6, seed=3, sizes=(5, 11))
    assert not {a.id for a in other} & {a.id for a in first}
    sized = make_shops(3, sizes=lambda n: 2 * n)
    assert [sum(a.count(t) for t in SMALL.values()) for a in sized] == [0, 2, 4]


def test_build_platform_lists_each_account_dated_before_its_data() -> None:
    platform = Account(PLATFORM, KEY, clock=lambda: END_TS)
    shops = make_shops(6, sizes=(6, 0, 3))
    connected = build_platform(platform, shops, created={shops[2].id: 1_700_000_000})
    assert list(connected) == [s.id for s in shops]
    assert all(connected[s.id] is s for s in shops)
    accounts = {a["id"]: a for a in platform.objects("account")}
    assert set(accounts) == set(connected)
    assert {a["type"] for a in accounts.values()} == set(KINDS)
    for shop in shops:
        created = accounts[shop.id]["created"]
        times = [o["created"] for t in SMALL.values() for o in shop.objects(t)]
        if shop is shops[2]:
            assert created == 1_700_000_000
        elif times:
            assert created == min(times) == opened_at(shop)
            assert START.timestamp() <= created <= END_TS
        else:
            assert created == END_TS  # no data: the platform's clock
    with pytest.raises(ValueError, match="twice"):
        build_platform(platform, [shops[0], shops[0]])


def test_every_object_served_for_a_platform_conforms_to_the_spec(world: World) -> None:
    for shop in world.shops[:4]:
        account = world.get(f"/v1/accounts/{shop.id}").json()
        assert_conforms(account, where=shop.id)
        for cap in world.get(f"/v1/accounts/{shop.id}/capabilities").json()["data"]:
            assert_conforms(cap, where=shop.id)
        assert set(account["capabilities"]) == {"card_payments", "transfers"}
        for path in (*SMALL, "/v1/events"):
            body = world.get(path, shop.id, limit=100).json()
            for obj in body["data"]:
                assert_conforms(obj, where=f"{shop.id} {path}")
    assert_conforms(world.get("/v1/account", world.shops[0].id).json())


def test_the_cli_serves_a_platform_with_connected_accounts() -> None:
    assert build_parser().parse_args([]).connected_accounts == 0
    command = [sys.executable, "-m", "stripe_emulator", "--port", "0", "--objects", "40"]
    with subprocess.Popen(
        [*command, "--connected-accounts", "3", "--api-key", KEY],
        stdout=subprocess.PIPE,
        text=True,
    ) as served:
        try:
            assert served.stdout is not None
            url, _, key, connected = served.stdout.readline().split()
            assert (key, connected) == (f"key={KEY}", "connected=3")
            expected = connected_accounts(3, 0, START, END)  # the ids depend on the seed only
            with stripe_session(KEY) as http:
                listed = http.get(url + "/v1/accounts", params={"limit": 100}, timeout=10)
                assert {a.id for a in expected} <= {a["id"] for a in listed.json()["data"]}
                headers = {"Stripe-Account": expected[0].id}
                mine = http.get(url + "/v1/customers", headers=headers, timeout=10).json()
                assert len(mine["data"]) == expected[0].count("customer") > 0
        finally:
            served.terminate()
    assert served.returncode == 0
