"""A hand-written Singer tap (no singer-sdk) that misbehaves in the ways real taps do.

It ignores catalog selection (writes records of ``other`` even when unbound), prints a non-JSON
line on stdout, logs plain text on stderr, and ends its output
without a final newline.
"""

from __future__ import annotations

import json
import sys

CATALOG = {
    "streams": [
        {
            "tap_stream_id": "rows",
            "key_properties": ["id"],
            "replication_key": "n",
            "replication_method": "INCREMENTAL",
            "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "metadata": [],
        },
        {
            "tap_stream_id": "other",
            "key_properties": [],
            "schema": {"type": "object", "properties": {}},
            "metadata": [],
        },
    ]
}


def main() -> None:
    """Discover or sync, by the singer-sdk command-line convention."""
    if "--discover" in sys.argv:
        sys.stdout.write(json.dumps(CATALOG))
        return
    lines = [
        "hello, not json",
        json.dumps({"type": "SCHEMA", "stream": "rows", "schema": {}, "key_properties": ["id"]}),
        json.dumps({"type": "RECORD", "stream": "other", "record": {"x": 1}}),
        json.dumps({"type": "RECORD", "stream": "other", "record": {"x": 2}}),
        json.dumps({"type": "RECORD", "stream": "rows", "record": {"id": 1, "n": 2}}),
        json.dumps({"type": "STATE", "value": {"bookmarks": {"rows": {"n": 1}}}}),
    ]
    sys.stderr.write("2024-01-01 00:00:00,000 | WARNING  | raw-tap | running without an SDK\n")
    sys.stderr.write("just some text\n")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.write(json.dumps({"type": "RECORD", "stream": "rows", "record": {"id": 2, "n": 3}}))


if __name__ == "__main__":
    main()
