"""SQL PatternDetectionPort: bounded reads of worker runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit
from costsight.adapters.sql.rows import worker_run_from_row
from costsight.adapters.sql.runs import completed_cost_runs
from costsight.adapters.sql.tables import worker_runs
from costsight.core.domain.costs import RunStatus, WorkerRun

wr = worker_runs.c


class SqlPatternDetection:
    """Reads runs for the detectors and stores their feedback; tenant-explicit."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                          limit: int) -> list[WorkerRun]:
        check_limit(limit)
        stmt = (select(worker_runs)
                .where(wr.tenant_id == tenant_id, wr.status == RunStatus.FAILED.value,
                       wr.error.is_not(None), wr.created_at >= since, wr.created_at <= until)
                .order_by(wr.created_at.desc(), self._dialect.text_key(wr.id).desc())
                .limit(limit))
        return [worker_run_from_row(r) for r in await self._conn.execute(stmt)]

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        return await completed_cost_runs(self._conn, self._dialect, tenant_id, since, until,
                                         per_worker)
