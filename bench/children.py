"""``python -m bench.children``: requests per 100 child records of each child stream on a
full read (issue #14's request economy).

Each child stream runs alone, in its default ``full_refresh`` mode, in this process against
the emulator (no latency, unthrottled) serving a realistic account (``--objects``, default
3,000: the ``make demo`` account). Printed per stream: parents, child records, requests (the
emulator's log), and requests per 100 child records. A parent list costs one request per 100
parents; a child list Stripe does not embed, one per parent.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from typing import Any

from bench import data
from bench.product_streams import CHILD_STREAMS
from stripe_emulator import Emulator
from tap_stripe_flow.tap import TapStripeFlow


def config(url: str) -> dict[str, Any]:
    return {**data.credentials(), "api_base_url": url}


def one_stream(url: str, stream: str) -> int:
    """Run the tap over ``stream`` alone; the records it wrote."""
    catalog = TapStripeFlow(config=config(url), parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    tap = TapStripeFlow(config=config(url), catalog=catalog, parse_env_config=False)
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    out.flush()
    lines = raw.getvalue().splitlines()
    return sum(1 for line in lines if line.startswith(b'{"type":"RECORD"'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    args = parser.parse_args(argv)
    account = data.realistic_account(args.objects)
    print(f"{'stream':36} {'parents':>8} {'records':>8} {'requests':>9} {'per 100':>8}")
    with Emulator(account) as emulator:
        for stream, stream_type in CHILD_STREAMS.items():
            emulator.clear_requests()
            records = one_stream(emulator.url, stream)
            requests = len(emulator.requests)
            parents = account.count(stream_type.parent_type)
            per_100 = f"{100 * requests / records:.1f}" if records else "-"
            print(f"{stream:36} {parents:8} {records:8} {requests:9} {per_100:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
