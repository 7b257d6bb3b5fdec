"""``costsight rollups rebuild|verify``: recompute the spend rollups from raw records, or
compare the two (exit 1 on any difference)."""

from __future__ import annotations

import argparse
from typing import Any

from costsight.cli.common import EXIT_OK, EXIT_REJECTED, application, print_json, stdout_console
from costsight.core.domain.rollups import RollupDifference, RollupSums
from costsight.core.services.rollups import RollupService
from costsight.core.timeutil import parse_instant


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "rollups", help="rebuild or verify the spend rollups (hourly/daily sums of records)",
        description="The rollups are kept exact at every write; rebuild them after restoring "
                    "raw records from elsewhere, and verify them to prove they match.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="recompute rollups from raw records")
    verify = actions.add_parser("verify", help="compare rollups with raw records; exit 1 on "
                                               "any difference")
    for sub in (rebuild, verify):
        sub.add_argument("--tenant", help="one tenant (default: every tenant)")
        sub.add_argument("--since", metavar="ISO",
                         help="from 00:00 UTC of this instant's day (default: all history)")
        sub.add_argument("--json", action="store_true", help="one JSON object on stdout")
    rebuild.set_defaults(handler=run_rebuild)
    verify.set_defaults(handler=run_verify)


def _sums(sums: RollupSums | None) -> dict[str, int] | None:
    return None if sums is None else sums.model_dump()


def difference_json(d: RollupDifference) -> dict[str, Any]:
    return {"grain": d.grain, "tenant_id": d.tenant_id, "bucket": d.bucket.isoformat(),
            "key": d.key, "stored": _sums(d.stored), "expected": _sums(d.expected)}


async def run_rebuild(args: argparse.Namespace) -> int:
    since = parse_instant(args.since, field="--since") if args.since else None
    async with application() as app:
        report = await RollupService(app.storage).rebuild(args.tenant, since)
    if args.json:
        print_json({"tenants": report.tenants, "rows_written": report.written})
    else:
        out = stdout_console()
        for tenant in report.tenants:
            out.print(f"{tenant}: {report.written[tenant]} rollup row(s) written")
        out.print(f"rebuilt the rollups of {len(report.tenants)} tenant(s)")
    return EXIT_OK


async def run_verify(args: argparse.Namespace) -> int:
    since = parse_instant(args.since, field="--since") if args.since else None
    async with application() as app:
        report = await RollupService(app.storage).verify(args.tenant, since)
    if args.json:
        print_json({"tenants": report.tenants, "clean": not report.differences,
                    "differences": [difference_json(d) for d in report.differences]})
    else:
        out = stdout_console()
        for d in report.differences:
            out.print(f"{d.tenant_id} {d.grain} {d.bucket.isoformat()} {d.key}: "
                      f"stored {_sums(d.stored)}, raw {_sums(d.expected)}")
        verdict = "clean" if not report.differences else \
            f"{len(report.differences)} difference(s)"
        out.print(f"verified the rollups of {len(report.tenants)} tenant(s): {verdict}")
    return EXIT_OK if not report.differences else EXIT_REJECTED
