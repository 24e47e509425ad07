"""``steady-state``: what a run costs on day 100, when little or nothing changed (issue #16).

For each account size (customers: 1,000 and 100,000 at full scale), the Flow connector with the
seed's 22 bindings (the four full-refresh child streams bound ``incremental``) backfills once
with the emulator unthrottled, then runs as a capture does an hour later, against the emulator
with Stripe's latency and limits (150 ms, 100/s, 25/s per endpoint): once with nothing changed,
once with K changed parents (K/2 customers with a new balance transaction, K/2 updated invoices).
Printed: requests per run, by kind, against the goal (<= 30 with nothing changed, flat across
sizes; K changes cost O(K) more). At the smaller size the same runs with the children in their
default ``full_refresh`` show what the incremental mode saves.
"""

from __future__ import annotations

import collections
import json
import random
import threading
import time
from typing import Any

from bench import data
from bench.connector import flow_bindings, open_request, start_flow
from bench.product_streams import list_path
from stripe_emulator import Account, Emulator
from tap_stripe_flow.streams import SEED_STREAM_NAMES, STREAMS

CHILDREN = (
    "bank_accounts",
    "customer_balance_transactions",
    "invoice_line_items",
    "subscription_items",
)
GOAL_REQUESTS = 30
CHANGED_PARENTS = 10
HOUR = 3600


def customers_account(customers: int) -> Account:
    """A realistic account whose customers are cloned up to ``customers``."""
    account = data.realistic_account(2000)
    models = account.objects("customer")
    rng = random.Random(1)
    lo, hi = int(data.DATA_START.timestamp()), int(data.DATA_END.timestamp())
    clones = []
    for i in range(max(0, customers - len(models))):
        obj = dict(models[i % len(models)])
        obj.update(id=account.new_id("customer"), created=rng.randrange(lo, hi), balance=0)
        clones.append((obj, None))
    account.load(clones)
    return account


def bindings(url: str, incremental_children: bool) -> list[dict[str, Any]]:
    found = flow_bindings(url, SEED_STREAM_NAMES)  # the goal is stated for the seed's 22
    for binding in found:
        if incremental_children and binding["resourceConfig"]["stream"] in CHILDREN:
            binding["resourceConfig"]["syncMode"] = "incremental"
    return found


def open_once(
    url: str, bound: list[dict[str, Any]], state: dict[str, Any], limited: bool
) -> dict[str, Any]:
    """One ``open`` (then EOF); the state reduced from its checkpoints."""
    rps, per_endpoint = (100, 25) if limited else (data.UNTHROTTLED_REQUESTS_PER_SECOND,) * 2
    config = data.flow_config(url, rps, per_endpoint)
    # stdin stays open until the connector exits: EOF would stop the pass (Flow's "stop")
    with start_flow(open_request(config, bound, state)) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr = threading.Thread(target=proc.stderr.read, daemon=True)  # drained, not kept
        stderr.start()
        for line in proc.stdout:
            message = json.loads(line)
            if "checkpoint" in message:
                state = merge_patch(state, message["checkpoint"]["state"]["updated"])
        code = proc.wait(timeout=3600)
        proc.stdin.close()
    if code != 0:
        raise RuntimeError(f"the connector exited {code}")
    return state


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 merge patch, as Flow's runtime reduces checkpoints (the adapter's own
    ``flow_adapter.state.merge_patch`` computes a patch; the tests' copy is their oracle)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def an_hour_earlier(state: dict[str, Any]) -> dict[str, Any]:
    """The state as if the last run had been an hour ago (what a run every hour starts from)."""
    state = json.loads(json.dumps(state))
    for stream_state in state.get("bindingStateV1", {}).values():
        for key in ("event_cursor", "full_read_at"):
            if isinstance(stream_state.get(key), int):
                stream_state[key] -= HOUR
    return state


def kinds(emu: Emulator) -> dict[str, int]:
    """Requests of the last run by kind: the events, lists of the streams (or of their
    parents), and child lists (one parent's)."""
    lists = {list_path(t) for t in STREAMS.values()}
    counts: collections.Counter[str] = collections.Counter()
    for r in emu.requests:
        kind = "events" if r.path == "/v1/events" else "lists" if r.path in lists else "child lists"
        counts[kind] += 1
    return dict(counts)


def steady_state(
    scale: float,
    latency_ms: float = 150.0,
    sizes: tuple[int, ...] | None = None,
    *,
    baseline: bool = True,
) -> list[str]:
    """The scenario's report lines: for each size (customers; by default 1,000 and 100,000
    times ``scale``, at least 200 and 1,000), the runs with the children incremental, and with
    ``baseline`` at the smaller size the same in full_refresh."""
    lines = [
        f"{'customers':>10} {'children':>12} {'run':>16} {'requests':>9} {'seconds':>8}  by kind",
    ]
    sizes = sizes or (max(200, round(1_000 * scale)), max(1000, round(100_000 * scale)))
    for customers in sizes:
        account = customers_account(customers)
        modes = (True, False) if baseline and customers == min(sizes) else (True,)
        for incremental in modes:
            with Emulator(account) as emu:  # the backfill, unthrottled
                bound = bindings(emu.url, incremental)
                state = an_hour_earlier(open_once(emu.url, bound, {}, limited=False))
            cursor = min(
                s["event_cursor"] for s in state["bindingStateV1"].values() if "event_cursor" in s
            )
            account.clock = lambda: cursor + 1800  # noqa: B023 - changes dated in the last hour
            with Emulator(account, latency_ms=150, rate_limit=100, endpoint_rate_limit=25) as emu:
                for run in ("nothing changed", f"{CHANGED_PARENTS} changed"):
                    if run != "nothing changed":
                        for customer in account.objects("customer")[: CHANGED_PARENTS // 2]:
                            account.create(
                                "customer_balance_transaction", customer=customer["id"], amount=1
                            )
                        for invoice in account.objects("invoice")[: CHANGED_PARENTS // 2]:
                            account.update("invoice", invoice["id"], description="day 100")
                    emu.clear_requests()
                    began = time.monotonic()
                    open_once(emu.url, bound, state, limited=True)
                    seconds = time.monotonic() - began
                    mode = "incremental" if incremental else "full_refresh"
                    lines.append(
                        f"{customers:>10} {mode:>12} {run:>16} {len(emu.requests):>9} "
                        f"{seconds:>8.1f}  {kinds(emu)}"
                    )
    lines.append(
        f"goal: <= {GOAL_REQUESTS} requests with nothing changed (incremental children, no "
        f"lookback), the same at every size; {CHANGED_PARENTS} changed parents: O(10) more"
    )
    return lines
