"""The benchmark harness on tiny sizes, so that it cannot rot: figures produced and sane.

No timing thresholds: only that every scenario ran, counted what the emulator served, and
measured something plausible.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import child_costs, latency, run, steady

pytestmark = pytest.mark.slow

SCALE = 0.002


def test_every_scenario_produces_sane_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    scenarios = [name for name in run.SCENARIOS if name != "steady-state"]  # below
    choice = [arg for name in scenarios for arg in ("--scenario", name)]
    code = run.main([*choice, "--scale", str(SCALE), "--io-latency-ms", "5", "--json", str(out)])
    printed = capsys.readouterr().out
    document = json.loads(out.read_text())
    rows = document["results"]
    assert code == 0, printed
    assert [r["scenario"] for r in rows] == [*scenarios, "memory", "memory"]
    assert all(name in printed for name in scenarios)
    sizes = run.Settings(scale=SCALE)
    assert document["sizes"] == {name: sizes.size(name) for name in run.FULL_SIZES}
    for r in rows:
        assert r["ok"], r
        assert r["exit_code"] == 0
        assert r["failed"] == 0
        assert r["rate_limited"] == 0
        assert r["records"] > 0
        assert r["requests"] > 0
        for name in ("seconds", "records_per_s", "requests_per_s", "cpu_seconds"):
            assert math.isfinite(r[name])
            assert r[name] > 0, name
        assert 10 < r["tap_rss_mb"] < 2000
    by_name = {r["scenario"]: r for r in rows}
    charges = sizes.size("cpu_charges")
    for name in ("cpu-flow", "cpu-tap", "stock-sdk"):
        assert by_name[name]["records"] == charges
        assert by_name[name]["requests"] >= -(-charges // 100)  # pages of 100
        assert by_name[name]["ratio_to_stock"] > 0
    assert by_name["stock-sdk"]["ratio_to_stock"] == pytest.approx(1.0)
    # The stock tap logs singer-sdk's request metric: the log reader finds it.
    assert by_name["stock-sdk"]["logged_requests"] == by_name["stock-sdk"]["requests"]
    assert by_name["stock-sdk"]["requests"] == -(-charges // 100)
    for name in ("cpu-flow", "io-all-streams", "io-large-stream", "memory"):
        assert 10 < by_name[name]["adapter_rss_mb"] < 2000
    assert by_name["io-large-stream"]["records"] == sizes.size("io_charges")
    assert 0 < by_name["io-all-streams"]["percent_of_ceiling"] <= 100
    for name in ("io-all-streams", "io-large-stream"):
        # from the first request to the last: at least the whole run's rate
        sustained = by_name[name]["sustained_percent_of_ceiling"]
        assert by_name[name]["percent_of_ceiling"] <= sustained
    for name in ("io-all-streams", "io-large-stream"):
        # the emulator enforced Stripe's two limits; the row holds the limit-bound optimum
        row = by_name[name]
        assert row["busiest_endpoint"].startswith("/v1/")
        assert 0 < row["busiest_endpoint_requests"] <= row["requests"]
        assert row["limit_bound_seconds"] >= row["busiest_endpoint_requests"] / 25
        assert 0 < row["percent_of_optimum"] <= 100
        assert row["rate_limited_fraction"] == 0
    assert "limit-bound optimum" in printed
    assert any("RSS" in note for note in rows[-1]["notes"])


def test_a_failed_run_is_reported_not_hidden() -> None:
    results = [
        run.Result(
            scenario="cpu-tap",
            size="1 charge",
            records=0,
            seconds=1.0,
            records_per_s=0.0,
            requests=1,
            requests_per_s=1.0,
            rate_limited=0,
            failed=1,
            cpu_seconds=0.5,
            tap_rss_mb=50.0,
            adapter_rss_mb=None,
            exit_code=1,
            logged_requests=1,
            emulator_cpu_seconds=0.1,
            first_record_seconds=None,
            log_tail=["Sync failed: boom"],
        )
    ]
    text = run.table(results)
    assert "FAILED" in text
    assert "Sync failed: boom" in text
    assert not results[0].ok


def test_the_latency_benchmark_measures_every_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "latency.json"
    args = ["--objects", "300", "--latency-ms", "5", "--interval", "1", "--changes", "2"]
    code = latency.main([*args, "--window", "2", "--shift-settle", "--json", str(out)])
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert code == 0, printed
    assert figures["exit_code"] == 0
    assert figures["arrived"] == figures["changes"] == 2
    assert figures["later_passes"] >= 1
    assert 0 < figures["latency_seconds_min"] <= figures["latency_seconds_max"]
    assert "latency_seconds_p99" in printed


def test_the_steady_state_scenario_counts_requests_per_run() -> None:
    lines = steady.steady_state(SCALE, latency_ms=5, sizes=(200,), baseline=False)
    rows = [line.split() for line in lines[1:-1]]
    assert [(r[0], r[1], " ".join(r[2:4])) for r in rows] == [
        ("200", "incremental", "nothing changed"),
        ("200", "incremental", "10 changed"),
    ]
    unchanged, changed = (int(r[4]) for r in rows)
    assert 0 < unchanged <= steady.GOAL_REQUESTS
    assert unchanged < changed <= unchanged + steady.CHANGED_PARENTS
    assert "goal" in lines[-1]


def test_child_costs_prints_requests_per_100_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert child_costs.main(["--objects", "300", "--stream", "persons"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| persons")]
    _, _, records, requests, per_100, _ = (cell.strip() for cell in row.split("|"))
    assert int(records) > 0
    assert float(per_100) == pytest.approx(100 * int(requests) / int(records), abs=0.05)
