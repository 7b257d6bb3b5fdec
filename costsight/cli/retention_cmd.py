"""``costsight retention``: remove raw cost records older than N whole days, per tenant."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from costsight.cli.common import EXIT_OK, application, print_json, stdout_console
from costsight.core.errors import ValidationError
from costsight.core.services.read_models import iso
from costsight.core.services.retention import (
    DEFAULT_BATCH,
    RetentionService,
    TenantRetention,
    check_batch,
    check_raw_days,
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "retention", help="remove raw cost records older than N days (rollups keep history)",
        description="Removes each tenant's raw cost records created before 00:00 UTC of the day "
                    "N days before today, in batches (one transaction each). Rollups keep the "
                    "history: answers for whole hours stay the same; breakdowns by worker, "
                    "workflow or skill, drivers and partial-hour edges of those days lose the "
                    "removed rows. A replay of a removed request id is stored again.")
    p.add_argument("--raw-days", type=int, required=True, metavar="N",
                   help="keep the raw rows of the last N whole days and today (N >= 1)")
    p.add_argument("--tenant", help="only this tenant (default: every known tenant)")
    p.add_argument("--dry-run", action="store_true", help="count the rows, remove nothing")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                   help=f"rows per transaction (default {DEFAULT_BATCH})")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(handler=run)


def _table(results: list[TenantRetention], cutoff: str, dry_run: bool) -> Table:
    table = Table(title=f"Raw cost records created before {cutoff}", title_justify="left")
    table.add_column("tenant")
    table.add_column("rows to remove" if dry_run else "rows removed", justify="right")
    for r in results:
        table.add_row(r.tenant_id, str(r.rows))
    return table


async def run(args: argparse.Namespace) -> int:
    # Every flag is checked before the database is opened: a refused run touches nothing.
    check_raw_days(args.raw_days, field="--raw-days")
    check_batch(args.batch, field="--batch")
    if args.tenant is not None and not 1 <= len(args.tenant) <= 64:
        raise ValidationError("--tenant", "must not be empty", allowed="1 to 64 characters")
    async with application() as app:
        service = RetentionService(app.storage, app.clock)
        cutoff = service.cutoff(args.raw_days)
        results = []
        for tenant in await service.tenants(args.tenant):
            results.append(await service.count(tenant, cutoff) if args.dry_run
                           else await service.purge(tenant, cutoff, batch=args.batch))
    total = sum(r.rows for r in results)
    if args.json:
        payload: dict[str, Any] = {
            "dry_run": args.dry_run, "raw_days": args.raw_days, "cutoff": iso(cutoff),
            "tenants": [{"tenant_id": r.tenant_id, "rows": r.rows} for r in results],
            "rows": total}
        print_json(payload)
        return EXIT_OK
    out = stdout_console()
    out.print(_table(results, iso(cutoff), args.dry_run))
    out.print(f"dry run: {total} row(s) would be removed, nothing removed" if args.dry_run
              else f"removed {total} row(s)")
    return EXIT_OK
