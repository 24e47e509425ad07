"""What each fault test held: collected during the session, printed and written at its end."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from tests.support.paths import ROOT

REPORT_PATH = ROOT / "out" / "faults.json"


@dataclass
class FaultRow:
    fault: str
    runs: int
    expected: int
    captured: int
    duplicates: int
    missing: int
    seconds: float


ROWS: list[FaultRow] = []


def record(
    fault: str,
    *,
    runs: int,
    expected: Mapping[str, Iterable[str]],
    documents: Iterable[tuple[str, str]],
    seconds: float,
) -> FaultRow:
    """Add a row: ``expected`` ids per stream, ``documents`` the (stream, id) pairs captured."""
    want = {(s, i) for s, ids in expected.items() for i in ids}
    counts = Counter(documents)
    row = FaultRow(
        fault=fault,
        runs=runs,
        expected=len(want),
        captured=len(set(counts) & want),
        duplicates=sum(n - 1 for n in counts.values()),
        missing=len(want - set(counts)),
        seconds=round(seconds, 2),
    )
    ROWS.append(row)
    return row


def table(rows: list[FaultRow]) -> str:
    head = ("fault", "runs", "expected", "captured", "duplicates", "missing", "seconds")
    cells = [head] + [
        (
            r.fault,
            str(r.runs),
            str(r.expected),
            str(r.captured),
            str(r.duplicates),
            str(r.missing),
            f"{r.seconds:.1f}",
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, c in enumerate(cells):
        lines.append(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(c, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def as_json(rows: list[FaultRow]) -> str:
    return json.dumps([asdict(r) for r in rows], indent=2)


def from_json(text: str) -> list[FaultRow]:
    return [FaultRow(**row) for row in json.loads(text)]


def write(rows: list[FaultRow]) -> None:
    REPORT_PATH.parent.mkdir(exist_ok=True)
    REPORT_PATH.write_text(as_json(rows) + "\n")
