"""Concurrent fetching: streams and windows side by side, under one request budget."""

from __future__ import annotations

import bisect
import json
import threading
import time
from datetime import UTC, datetime

import pytest
import requests

from stripe_emulator import Account, Emulator, build_account
from tap_stripe_flow import fetch
from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.fetch import BufferSpace, PageBuffer
from tap_stripe_flow.pagination import PARENT_KEYS, ListPage, StripePage, children_to_fetch
from tap_stripe_flow.ratelimit import RateLimiter
from tap_stripe_flow.settings import requests_per_second
from tap_stripe_flow.streams import STREAM_TYPES
from tests.support.accounts import ACCOUNT_ID, API_KEY, tap_config
from tests.support.streams import ALL_STREAMS, expected_ids
from tests.support.tap import run_tap

LATENCY_S = 0.05
START = "2023-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def big_account():  # type: ignore[no-untyped-def]
    """Enough charges for a dozen pages, over two years."""
    return build_account(
        objects=15_000,
        seed=5,
        start=datetime(2023, 1, 1, tzinfo=UTC),
        end=datetime(2025, 1, 1, tzinfo=UTC),
        account_id=ACCOUNT_ID,
        api_key=API_KEY,
    )


def answer(status: int, reason: str | None = None) -> requests.Response:
    """A response of ``status``, naming the limit a 429 enforced as Stripe does."""
    response = requests.Response()
    response.status_code = status
    response._content = b"{}"
    if reason is not None:
        response.headers["Stripe-Rate-Limited-Reason"] = reason
    return response


def in_flight_peak(times: list[float]) -> int:
    """How many requests arrived within one latency of each other, at most."""
    times = sorted(times)
    return max(
        sum(1 for other in times if start <= other < start + LATENCY_S * 0.8) for start in times
    )


def test_default_budget_is_stripes_read_limit_for_the_kind_of_key() -> None:
    assert requests_per_second({"client_secret": "sk_live_x"}) == 100
    assert requests_per_second({"client_secret": "rk_live_x"}) == 100
    assert requests_per_second({"client_secret": "sk_test_x"}) == 25
    assert requests_per_second({"client_secret": "rk_test_x"}) == 25
    assert requests_per_second({"client_secret": "sk_live_x", "max_requests_per_second": 7}) == 7


def test_the_limiter_never_lets_more_than_the_budget_through() -> None:
    limiter = RateLimiter(50)
    stamps: list[float] = []
    lock = threading.Lock()

    def take(n: int) -> None:
        for _ in range(n):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=take, args=(15,)) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert len(stamps) == 120
    assert elapsed >= (120 - 1) / 50 * 0.95
    for start in stamps:
        assert sum(1 for s in stamps if start <= s < start + 1.0) <= 51


def test_a_429_halves_the_rate_and_answers_win_it_back() -> None:
    limiter = RateLimiter(100)
    limiter.answered("/v1/charges", answer(429, "global-rate"), time.monotonic())
    assert limiter.rate == 50
    for _ in range(60):
        limiter.answered("/v1/charges", answer(200), time.monotonic())
    assert limiter.rate == 100


def test_split_hands_older_parts_to_other_walks() -> None:
    newer, older = ListPage("ch_9", 100, 200).split(read_down_to=180) or (None, ())
    assert newer == ListPage("ch_9", 140, 200)
    assert older == (ListPage(None, 100, 139),)
    assert ListPage("ch_1", 100, 200).split(read_down_to=100) is None

    newer, older = ListPage("ch_9", 100, 200).split(read_down_to=179, parts=4) or (None, ())
    assert newer == ListPage("ch_9", 160, 200)
    assert older == (ListPage(None, 140, 159), ListPage(None, 120, 139), ListPage(None, 100, 119))
    # never more parts than seconds left
    _, older = ListPage("ch_9", 100, 200).split(read_down_to=101, parts=8) or (None, ())
    assert older == (ListPage(None, 100, 100),)


def test_a_large_stream_is_read_in_parallel_windows_without_loss(big_account) -> None:  # type: ignore[no-untyped-def]
    with Emulator(big_account, latency_ms=LATENCY_S * 1000) as emulator:
        run = run_tap(
            tap_config(
                emulator.url,
                start_date=START,
                max_requests_per_second=1000,
                max_requests_per_second_per_endpoint=1000,
            ),
            streams=["charges"],
        )
        requests = [r for r in emulator.requests if r.path == "/v1/charges"]
    ids = run.ids("charges")
    assert len(ids) == len(set(ids)), "split windows overlap"
    assert sorted(ids) == sorted(c["id"] for c in big_account.objects("charge"))
    windows = {r.query["created[gte]"][0] for r in requests}
    assert len(windows) > 3, "the window was never split"
    assert in_flight_peak([r.time for r in requests]) >= 4


#: A budget the tap reaches with this latency on two busy cores (so that the limiter binds).
BUDGET = 70
#: How late a granted request may reach the emulator in this process (the scheduler, the GIL and
#: a busy CI machine hold a thread back): arrivals in one second are grants of up to 1 + this.
ARRIVAL_DELAY_S = 0.1


def test_streams_are_fetched_side_by_side_within_the_budget(big_account) -> None:  # type: ignore[no-untyped-def]
    with Emulator(big_account, latency_ms=LATENCY_S * 1000) as emulator:
        run = run_tap(tap_config(emulator.url, start_date=START, max_requests_per_second=BUDGET))
        log = emulator.requests
    for stream in ALL_STREAMS:
        emitted = run.ids(stream)
        assert sorted(set(emitted)) == sorted(set(expected_ids(big_account, stream, 0))), stream
    assert in_flight_peak([r.time for r in log]) >= 2, "streams were read one after the other"
    times = sorted(r.time for r in log)
    # Arrivals at the emulator, not grants (the limiter's grants are checked exactly in
    # test_ratelimit.py: at most BUDGET + 1 in any second). A grant that reaches the emulator up to
    # ARRIVAL_DELAY_S late lands beside later ones; without a limiter it would be hundreds.
    bound = int(BUDGET * (1 + ARRIVAL_DELAY_S)) + 1
    busiest = max(bisect.bisect_left(times, start + 1.0) - i for i, start in enumerate(times))
    assert busiest <= bound, f"{busiest} requests reached the emulator in one second"
    assert all(r.status == 200 for r in log)


class _Body:
    """What ``PageBuffer`` reads of a page: its body."""

    def __init__(self, size: int) -> None:
        self.body = b"x" * size


def _filling(buffer: PageBuffer, pages: int, size: int) -> list[int]:
    """Put ``pages`` pages of ``size`` bytes from a thread; after a moment, the list holds one
    item per page that went in."""
    done: list[int] = []

    def put_all() -> None:
        for _ in range(pages):
            buffer.put((ListPage(), _Body(size)))  # type: ignore[arg-type]
            done.append(1)

    threading.Thread(target=put_all, daemon=True).start()
    time.sleep(0.2)
    return done


def test_streams_waiting_their_turn_borrow_shared_space_and_the_one_read_does_not() -> None:
    shared = BufferSpace(limit=300)
    waiting = PageBuffer(100, shared)
    assert len(_filling(waiting, 10, 100)) == 4  # its own 100 bytes, then the 300 shared
    assert shared.used == 300
    other = PageBuffer(100, shared)
    others = _filling(other, 10, 100)
    assert len(others) == 1  # its own share; the shared space is taken

    for _ in range(4):  # waiting's turn: reading it gives the shared space to the others
        waiting.get()
    time.sleep(0.2)
    assert len(others) == 4
    assert shared.used == 300

    other.close()  # its stream failed: its blocked puts return and its space comes back
    time.sleep(0.2)
    assert len(others) == 10
    assert shared.used == 0

    reading = PageBuffer(100, BufferSpace(limit=10_000))
    taken = threading.Thread(target=reading.get, daemon=True)  # its turn has come
    taken.start()
    time.sleep(0.1)
    assert len(_filling(reading, 10, 100)) == 2  # one taken, then its own share only
    taken.join(timeout=1)


def test_parents_never_run_far_ahead_of_their_child_lists(
    big_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One request per customer: the customer list is read far faster than the child lists, so
    # a walk of parents goes back in the queue once too many child lists wait behind it.
    monkeypatch.setattr(fetch, "MAX_WAITING_WALKS", 5)
    stream = "customer_balance_transactions"
    with Emulator(big_account) as emulator:
        run = run_tap(
            tap_config(
                emulator.url,
                start_date=START,
                max_requests_per_second=1000,
                max_requests_per_second_per_endpoint=1000,
            ),
            streams=[stream],
        )
    ids = run.ids(stream)
    assert sorted(set(ids)) == sorted(set(expected_ids(big_account, stream, 0)))
    assert len(ids) == len(set(ids))


def test_a_child_walk_keeps_only_what_its_records_need_of_the_parent() -> None:
    for stream_type in STREAM_TYPES:
        if issubclass(stream_type, StripeChildStream):
            assert set(stream_type.parent_fields.values()) <= set(PARENT_KEYS), stream_type
    parent = {"id": "cus_1", "created": 5, "email": "x@example.com", "sources": None}
    (walk,) = children_to_fetch([parent], None)
    assert walk.parent == {"id": "cus_1", "created": 5}


def test_a_pretty_printed_page_is_passed_through_one_line_per_object() -> None:
    # Stripe indents its bodies; a record must fit on one line of output.
    objects = [{"id": "ch_2", "created": 20, "note": "a\nb"}, {"id": "ch_1", "created": 10}]
    pretty = json.dumps({"object": "list", "data": objects, "has_more": True}, indent=2)
    page = StripePage(pretty.encode())
    assert [bytes(raw) for raw in page.raw] == [
        json.dumps(o, separators=(",", ":")).encode() for o in objects
    ]
    assert page.has_more
    assert page.last_id == "ch_1"
    assert page.newest_created == 20
    assert page.data == objects


def test_an_invoice_items_creation_time_is_its_date() -> None:
    # Stripe's invoice items carry ``date``, not ``created``: bookmarks and splits use it.
    body = {"data": [{"id": "ii_2", "date": 20}, {"id": "ii_1", "date": 10}], "has_more": True}
    page = StripePage(json.dumps(body).encode())
    assert [h.created_at for h in page.heads] == [20, 10]
    assert page.newest_created == 20
