"""Connect streams (connected accounts and what they hold) and Issuing cards' tokens: an
account that is not a platform, and a second run after changes and deletions."""

from __future__ import annotations

from stripe_emulator import Account, Emulator
from tests.support.accounts import make_account, tap_config
from tests.support.tap import rewound, run_tap

CONNECT = ["accounts", "capabilities", "external_accounts", "persons"]
HOUR = 3600


def test_a_non_platform_account_lists_no_connected_account_and_that_is_no_error() -> None:
    """Stripe answers ``/v1/accounts`` of an account that is not a platform with an empty
    list: each stream ends empty, at one request, with no skip (nothing is missing)."""
    account = make_account(objects=300, seed=3)
    assert account.objects("account")
    with Emulator(account, unavailable_paths=["/v1/accounts"]) as emulator:
        run = run_tap(tap_config(emulator.url), streams=CONNECT)
        paths = [r.path for r in emulator.requests]
    for stream in CONNECT:
        assert run.ids(stream) == [], stream
    assert paths == ["/v1/accounts"] * len(CONNECT)


def _connect_changes(account: Account, when: int) -> dict[str, str]:
    """Changes of every kind, dated ``when``; returns the ids they name."""
    account.clock = lambda: when
    accounts = account.objects("account")
    controlled = [a for a in accounts if "external_accounts" in a]
    companies = [a for a in accounts if account.children("person", a["id"])]
    kept, gone = companies[0], accounts[-1]
    assert gone["id"] != kept["id"]
    person = account.children("person", kept["id"])[0]
    account.delete("person", person["id"])
    added_person = account.create("person", parent=kept["id"], first_name="New")
    bank = next(e for a in controlled for e in account.children("bank_account", a["id"]))
    account.delete("bank_account", bank["id"])
    owner = controlled[0]["id"]
    added_bank = account.create("bank_account", parent=owner, customer=None, last4="0042")
    cap = account.children("capability", kept["id"])[0]
    new_status = "active" if cap["status"] != "active" else "inactive"
    account.update_capability(kept["id"], cap["id"], status=new_status)
    account.delete("account", gone["id"])  # deauthorized: it leaves the platform's list
    new_account = account.create("account", type="express", email="new@example.com")
    token = account.objects("issuing.token")[-1]  # the oldest
    account.update("issuing.token", token["id"], status="suspended")
    card = account.objects("issuing.card")[0]["id"]
    added_token = account.create("issuing.token", parent=card, status="requested")
    return {
        "kept": kept["id"],
        "gone": gone["id"],
        "person": person["id"],
        "added_person": added_person["id"],
        "bank": bank["id"],
        "added_bank": added_bank["id"],
        "capability": cap["id"],
        "capability_status": new_status,
        "new_account": new_account["id"],
        "token": token["id"],
        "added_token": added_token["id"],
    }


def test_a_second_run_sees_every_change_of_the_connect_streams() -> None:
    account = make_account(objects=400, seed=5)
    streams = [*CONNECT, "issuing_tokens"]
    with Emulator(account) as emulator:
        config = tap_config(emulator.url)
        first = run_tap(config, streams=streams, incremental=["issuing_tokens"])
        assert sorted(first.ids("issuing_tokens")) == sorted(
            t["id"] for t in account.objects("issuing.token")
        )
        cursor = first.final_state["bookmarks"]["issuing_tokens"]["event_cursor"]
        changed = _connect_changes(account, cursor - HOUR + 1800)
        second = run_tap(
            config,
            streams=streams,
            state=rewound(first.final_state, HOUR),
            incremental=["issuing_tokens"],
        )
    # children are read whole: what was deleted is gone, what was added is there
    persons = set(second.ids("persons"))
    assert changed["person"] not in persons
    assert changed["added_person"] in persons
    assert persons == {
        p["id"] for a in account.objects("account") for p in account.children("person", a["id"])
    }
    external = set(second.ids("external_accounts"))
    assert changed["bank"] not in external
    assert changed["added_bank"] in external
    (cap,) = [
        r
        for r in second.records["capabilities"]
        if r["account"] == changed["kept"] and r["id"] == changed["capability"]
    ]
    assert cap["status"] == changed["capability_status"]
    # a deauthorized account is no longer listed, nor are its children read
    assert changed["gone"] not in second.ids("accounts")
    for stream in ("persons", "capabilities", "external_accounts"):
        assert changed["gone"] not in {r["account"] for r in second.records[stream]}, stream
    # a new account is read by its created time
    assert changed["new_account"] in second.ids("accounts")
    # tokens: only what the events name, with the new status
    tokens = {r["id"]: r for r in second.records["issuing_tokens"]}
    assert tokens[changed["token"]]["status"] == "suspended"
    assert changed["added_token"] in tokens
    named = {t["card"] for t in account.objects("issuing.token") if t["id"] in tokens}
    assert set(tokens) == {
        t["id"] for card in named for t in account.children("issuing.token", card)
    }, "the cards the events named, and only those"


def test_external_accounts_cost_a_request_only_past_the_ten_stripe_embeds() -> None:
    """Stripe embeds a controlled account's external accounts (the first 10) and none of a
    Standard account's, which are its own: one request per 100 accounts, plus one per account
    cut at 10, and no list of a Standard account's."""
    account = make_account(objects=300, seed=3)
    accounts = account.objects("account")
    cut = [a["id"] for a in accounts if a.get("external_accounts", {}).get("has_more")]
    assert cut
    assert any(a["type"] == "standard" for a in accounts)
    with Emulator(account) as emulator:
        run = run_tap(tap_config(emulator.url), streams=["external_accounts"])
        paths = sorted(r.path for r in emulator.requests)
    assert paths == sorted(["/v1/accounts", *(f"/v1/accounts/{a}/external_accounts" for a in cut)])
    controlled = [a["id"] for a in accounts if a["type"] != "standard"]
    assert sorted(run.ids("external_accounts")) == sorted(
        e["id"] for a in controlled for e in account.children("external_account", a)
    )
