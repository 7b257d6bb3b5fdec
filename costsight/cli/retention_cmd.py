"""``costsight retention``: remove raw cost records older than N whole days, per tenant."""

from __future__ import annotations

import argparse
from datetime import datetime
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
                    "removed rows. A removed record's request id stays claimed: a replay of it "
                    "is refused as a duplicate. On PostgreSQL, without --tenant, a month wholly "
                    "older than the cut-off is dropped as a whole partition (no row-by-row "
                    "delete; it locks cost_records for a moment).")
    p.add_argument("--raw-days", type=int, required=True, metavar="N",
                   help="keep the raw rows of the last N whole days and today (N >= 1)")
    p.add_argument("--tenant", help="only this tenant (default: every known tenant)")
    p.add_argument("--dry-run", action="store_true", help="count the rows, remove nothing")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                   help=f"rows per transaction (default {DEFAULT_BATCH})")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(handler=run)


async def _drop_partitions(storage: Any, cutoff: datetime,
                           dry_run: bool) -> dict[str, dict[str, int]]:
    """The whole-month partitions dropped (SQL storage on Postgres; nothing elsewhere)."""
    from costsight.adapters.sql.storage import SqlStorage

    if not isinstance(storage, SqlStorage):
        return {}
    return await storage.drop_partitions_before(cutoff, dry_run=dry_run)


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
        # Every tenant: the months wholly older than the cut-off go first, as whole partitions.
        dropped = ({} if args.tenant is not None
                   else await _drop_partitions(app.storage, cutoff, args.dry_run))
        in_dropped: dict[str, int] = {}
        for counts in dropped.values():
            for tenant, rows in counts.items():
                in_dropped[tenant] = in_dropped.get(tenant, 0) + rows
        results = []
        for tenant in sorted({*await service.tenants(args.tenant), *in_dropped}):
            if args.dry_run:  # the count includes the rows of the partitions it would drop
                results.append(await service.count(tenant, cutoff))
                continue
            purged = await service.purge(tenant, cutoff, batch=args.batch)
            results.append(TenantRetention(tenant, purged.rows + in_dropped.get(tenant, 0),
                                           purged.batches))
    total = sum(r.rows for r in results)
    partitions = [{"name": name, "rows": sum(counts.values())}
                  for name, counts in sorted(dropped.items())]
    if args.json:
        payload: dict[str, Any] = {
            "dry_run": args.dry_run, "raw_days": args.raw_days, "cutoff": iso(cutoff),
            "tenants": [{"tenant_id": r.tenant_id, "rows": r.rows} for r in results],
            "rows": total, "partitions": partitions}
        print_json(payload)
        return EXIT_OK
    out = stdout_console()
    out.print(_table(results, iso(cutoff), args.dry_run))
    for p in partitions:
        out.print(f"partition {p['name']} ({p['rows']} row(s)) "
                  f"{'would be dropped' if args.dry_run else 'dropped'} whole")
    out.print(f"dry run: {total} row(s) would be removed, nothing removed" if args.dry_run
              else f"removed {total} row(s)")
    return EXIT_OK
