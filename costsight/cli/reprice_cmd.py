"""``costsight reprice``: recompute priced and unpriced records after a price change."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from costsight.cli.common import EXIT_OK, application, print_json, stdout_console
from costsight.core.money import cents_json
from costsight.core.services.reprice import DEFAULT_BATCH, RepriceReport, RepriceService
from costsight.core.timeutil import parse_instant


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "reprice", help="recompute priced/unpriced records of a tenant with today's price book",
        description="Shows old and new totals per model, then writes the new costs in batches "
                    "(one transaction each). Reported costs never change. Idempotent: run it "
                    "again after a crash and it finishes the job.")
    p.add_argument("--tenant", required=True)
    p.add_argument("--since", required=True, metavar="ISO", help="records created at or after")
    p.add_argument("--until", metavar="ISO", help="records created before (default: no bound)")
    p.add_argument("--dry-run", action="store_true", help="show the totals, write nothing")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                   help=f"records per transaction (default {DEFAULT_BATCH})")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(handler=run)


def report_json(report: RepriceReport) -> dict[str, Any]:
    return {"tenant_id": report.tenant_id, "records": report.records,
            "changed": report.changed,
            "models": [{"model": m.model, "records": m.records,
                        "old_cents": cents_json(m.old_cents),
                        "new_cents": cents_json(m.new_cents),
                        "old_unpriced": m.old_unpriced, "new_unpriced": m.new_unpriced,
                        "changed": m.changed} for m in report.totals()]}


def _table(report: RepriceReport) -> Table:
    table = Table(title=f"Repricing {report.tenant_id!r}: {report.records} priced/unpriced "
                        f"record(s), {report.changed} to change", title_justify="left")
    for column in ("model", "records", "old cents", "new cents", "unpriced old -> new",
                   "changed"):
        table.add_column(column)
    for m in report.totals():
        table.add_row(m.model, str(m.records), str(m.old_cents), str(m.new_cents),
                      f"{m.old_unpriced} -> {m.new_unpriced}", str(m.changed))
    return table


async def run(args: argparse.Namespace) -> int:
    since = parse_instant(args.since, field="--since")
    until = parse_instant(args.until, field="--until") if args.until else None
    out = stdout_console()
    async with application() as app:
        service = RepriceService(app.storage)
        plan = await service.plan(args.tenant, since, until, batch=args.batch)
        if not args.json:
            out.print(_table(plan))
        if args.dry_run:
            if args.json:
                print_json({"dry_run": True, "plan": report_json(plan)})
            else:
                out.print("dry run: nothing written")
            return EXIT_OK
        applied = await service.apply(args.tenant, since, until, batch=args.batch)
    if args.json:
        print_json({"dry_run": False, "plan": report_json(plan), "updated": applied.updated,
                    "batches": applied.batches})
    else:
        out.print(f"updated {applied.updated} record(s) in {applied.batches} batch(es)")
    return EXIT_OK
