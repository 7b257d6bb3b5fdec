"""Bounded reads of worker runs shared by the pattern and prediction ports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rows import worker_run_from_row
from costsight.adapters.sql.tables import worker_runs
from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.pagination import require_positive

wr = worker_runs.c


async def newest_per_worker(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                            since: datetime, until: datetime, per_worker: int,
                            *conditions: ColumnElement[bool]) -> list[WorkerRun]:
    """The newest ``per_worker`` matching runs of every worker in [since, until], one query,
    ordered by (worker_id, created_at desc, id desc)."""
    require_positive("per_worker", per_worker)
    id_key = dialect.text_key(wr.id)
    rank = func.row_number().over(partition_by=wr.worker_id,
                                  order_by=(wr.created_at.desc(), id_key.desc()))
    ranked = (select(worker_runs, rank.label("rn"))
              .where(wr.tenant_id == tenant_id, wr.created_at >= since, wr.created_at <= until,
                     *conditions)
              .subquery("ranked"))
    r = ranked.c
    stmt = (select(*(r[c.name] for c in worker_runs.c))
            .where(r["rn"] <= per_worker)
            .order_by(dialect.text_key(r.worker_id), r.created_at.desc(),
                      dialect.text_key(r.id).desc()))
    return [worker_run_from_row(row) for row in await conn.execute(stmt)]


async def completed_cost_runs(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                              since: datetime, until: datetime,
                              per_worker: int) -> list[WorkerRun]:
    """Completed runs with cost > 0: the newest ``per_worker`` of every worker."""
    return await newest_per_worker(conn, dialect, tenant_id, since, until, per_worker,
                                   wr.status == RunStatus.COMPLETED.value, wr.cost_micros > 0)
