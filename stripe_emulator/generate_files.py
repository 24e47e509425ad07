"""Generation of files, the file links that point at them and report runs.

Called from :func:`stripe_emulator.generate_more.more_resources` (same guarantees as the rest
of the account): files of each upload purpose, each with its links embedded (newest first);
links to existing files created no earlier than them, some expired; report runs in each
status, a succeeded one's result a file of its own (not listed among the account's files).
"""

from __future__ import annotations

from stripe_emulator.generate_base import DAY, Gen, Obj, embedded_list, suffix

_REPORT_TYPES = (
    "balance.summary.1",
    "balance_change_from_activity.itemized.3",
    "payouts.itemized.3",
)


def files_and_reports(g: Gen, files: int, links: int, runs: int) -> None:
    """Add ``files`` files, ``links`` file links and ``runs`` report runs."""
    purposes = ("dispute_evidence", "identity_document", "business_logo", "customer_signature")
    kinds = {"dispute_evidence": "pdf", "identity_document": "jpg", "business_logo": "png"}
    made: list[Obj] = []
    for i in range(files):
        purpose = purposes[i % len(purposes)]
        kind = kinds.get(purpose, "png")
        made.append(
            g.add(
                g.make(
                    "file",
                    g.when("file"),
                    purpose=purpose,
                    filename=f"{purpose}_{i + 1}.{kind}",
                    size=g.rng.randrange(2_000, 2_000_000),
                    title=f"Upload {i + 1}" if i % 3 == 0 else None,
                    type=kind,
                    expires_at=None,
                )
            )
        )
    g.sorted_pool("file")
    by_file: dict[str, list[Obj]] = {}
    for i in range(links):
        t = g.when("file_link")
        target = g.pick_before("file", t)
        assert target is not None
        expired = i % 4 == 3
        link = g.add(
            g.make(
                "file_link",
                max(t, target["created"]),
                expired=expired,
                expires_at=min(g.end - 1, t + DAY) if expired or i % 2 == 0 else None,
                file=target["id"],
                url=f"https://files.stripe.com/links/{suffix(g, 64)}",
            )
        )
        by_file.setdefault(target["id"], []).insert(0, link)
    for i in range(runs):
        t = g.when("reporting.report_run")
        status = ("succeeded", "pending", "failed")[i % 3] if i < 3 else "succeeded"
        run = g.add(
            g.make(
                "reporting.report_run",
                t,
                report_type=_REPORT_TYPES[i % len(_REPORT_TYPES)],
                parameters={"interval_end": t - t % DAY, "interval_start": t - t % DAY - 30 * DAY},
                status=status,
                error="No data is available for the requested interval."
                if status == "failed"
                else None,
                result=None,
                succeeded_at=t + 60 if status == "succeeded" else None,
            )
        )
        if status == "succeeded":
            result = g.make(
                "file",
                t + 60,
                purpose="finance_report_run",
                filename=f"frr_{run['id'][4:]}.csv",
                size=g.rng.randrange(1_000, 500_000),
                title=f"FinanceReportRun {run['id']}",
                type="csv",
                expires_at=t + 60 + 365 * DAY,
            )
            result.pop("links", None)
            result["url"] = f"https://files.stripe.com/v1/files/{result['id']}/contents"
            run["result"] = result
    for f in made:
        f["url"] = f"https://files.stripe.com/v1/files/{f['id']}/contents"
        f["links"] = embedded_list(by_file.get(f["id"], []), f"/v1/file_links?file={f['id']}")
