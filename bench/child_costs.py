"""``python -m bench.child_costs``: what each child stream costs on a full read, in requests
per 100 child records.

It builds one realistic account (``--objects``, default 20,000; the emulator with no latency
and no rate limit) and runs the Singer tap once per child stream (``--stream`` to choose),
that stream alone selected, in its default mode; it counts the stream's RECORD lines and the
requests the emulator served for the run (the parent list and the child lists). A child that
Stripe embeds in its parent costs one request per 100 parents plus one per parent cut at 10;
one listed per parent (customer balance transactions, persons, capabilities, Issuing tokens)
costs one request per parent whatever it holds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import data
from bench.connector import tap_output
from bench.product_streams import CHILD_STREAMS
from flow_adapter.mapping import select_streams
from stripe_emulator import Emulator
from tap_stripe_flow.tap import TapStripeFlow


def records_and_requests(emu: Emulator, stream: str, workdir: Path) -> tuple[int, int]:
    """A full read of ``stream`` alone: (its records, the requests the emulator served)."""
    config = data.tap_config(emu.url)
    config_file = workdir / "config.json"
    config_file.write_text(json.dumps(config))
    discovered = TapStripeFlow(config=config, parse_env_config=False).catalog_dict
    mode = "incremental" if stream == "checkout_sessions_line_items" else "full_refresh"
    catalog = workdir / f"{stream}.json"
    catalog.write_text(json.dumps(select_streams(discovered, {stream: mode})))
    emu.clear_requests()
    out = tap_output("--config", str(config_file), "--catalog", str(catalog), timeout=1800)
    records = 0
    for line in out.splitlines():
        message = json.loads(line)
        records += message.get("type") == "RECORD" and message.get("stream") == stream
    return records, len(emu.requests)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child_costs", description=__doc__)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--stream", action="append", choices=list(CHILD_STREAMS))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    account = data.realistic_account(args.objects)
    rows = []
    print("| stream | records | requests | requests per 100 records |")
    print("|:--|--:|--:|--:|")
    with Emulator(account) as emu, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for stream in args.stream or CHILD_STREAMS:
            records, requests = records_and_requests(emu, stream, Path(tmp))
            per_100 = 100 * requests / records if records else None
            row = {"stream": stream, "records": records, "requests": requests}
            rows.append({**row, "requests_per_100_records": per_100})
            shown = "-" if per_100 is None else f"{per_100:.1f}"
            print(f"| {stream} | {records:,} | {requests:,} | {shown} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"objects": args.objects, "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
