"""Per-tenant first and last activity (cost records and worker runs), by index probes.

The tenants come from the daily rollup and the worker runs; each tenant's oldest and newest
``created_at`` of each table is one probe of its ``(tenant_id, created_at)`` index (per
partition on Postgres), so the answer costs what the number of tenants costs, not a scan of
every record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, func, select, union

from costsight.adapters.sql.rollup_tables import cost_rollup_daily
from costsight.adapters.sql.tables import cost_records, worker_runs
from costsight.core.domain.statistics import TenantActivity

_SOURCES = (cost_records, worker_runs)


def tenant_activity_statement() -> Select[Any]:
    """tenant_id, then min and max created_at of each source table, ascending by tenant."""
    tenants = union(select(cost_rollup_daily.c.tenant_id),
                    select(worker_runs.c.tenant_id)).subquery("tenants")

    def probe(table: Table, fn: Any) -> Any:
        return (select(fn(table.c.created_at)).where(table.c.tenant_id == tenants.c.tenant_id)
                .scalar_subquery())

    return (select(tenants.c.tenant_id,
                   *(probe(t, fn) for t in _SOURCES for fn in (func.min, func.max)))
            .order_by(tenants.c.tenant_id))


def activity_of(rows: Sequence[Any]) -> list[TenantActivity]:
    """The statement's rows as TenantActivity, tenants without any row left out (a tenant
    whose records retention removed is still in the rollups)."""
    out = []
    for tenant_id, *bounds in rows:
        firsts = [at for at in bounds[0::2] if at is not None]
        lasts: list[datetime] = [at for at in bounds[1::2] if at is not None]
        if firsts:
            out.append(TenantActivity(tenant_id=tenant_id, first_seen=min(firsts),
                                      last_seen=max(lasts)))
    return out
