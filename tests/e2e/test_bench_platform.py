"""The Connect platform benchmark (``bench/platform.py``) on six accounts, so that it cannot rot:
each row reads every account once and stays within Stripe's limits. It times nothing, so it runs
side by side with the other tests (``test_bench_smoke.py`` does not)."""

from __future__ import annotations

import pytest

from bench import platform

pytestmark = pytest.mark.slow


def test_the_platform_bench_reads_every_account_once_per_row(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = platform.main(["--accounts", "6", "--latency-ms", "0", "--rows", "default,shards"])
    printed = capsys.readouterr().out
    assert [r.label for r in rows] == [
        "1 process, budget 100/s",
        "4 shards side by side, 400/s together",
    ]
    one, shards = rows
    assert one.records == shards.records > 0
    assert 0 < one.requests <= shards.requests
    for row in rows:
        assert row.rate_limited == 0
        # Stripe's 25/s per account and endpoint, with a few for arrival jitter on a busy
        # machine (the limiter's own bound is tested in tests/tap/test_ratelimit.py, alone)
        assert 0 < row.busiest_endpoint <= 25 + 5
        assert 10 < row.tap_rss_mb < 2000
    assert "Connect platform: 6 connected accounts" in printed


def test_the_platform_bench_of_empty_accounts_reads_the_platforms_records_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    mixed = platform.main(["--accounts", "3", "--latency-ms", "0", "--rows", "raised"])
    (empty,) = platform.main(
        ["--accounts", "3", "--empty", "--latency-ms", "0", "--rows", "raised"]
    )
    assert "3 connected accounts (each empty)" in capsys.readouterr().out
    # the platform's own records (its account objects among them), none of the shops'
    assert 0 < empty.records < mixed[0].records
    assert empty.rate_limited == 0
