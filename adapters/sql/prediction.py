"""SQL PredictionPort: set-based worker statistics and the reads the predictors need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit
from costsight.adapters.sql.rows import feedback_from_row
from costsight.adapters.sql.runs import completed_cost_runs, newest_per_worker
from costsight.adapters.sql.tables import pattern_feedback, worker_runs
from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.domain.patterns import PatternFeedback, PatternType
from costsight.core.domain.predictions import (
    WorkerRunTotals,
)

pf = pattern_feedback.c
wr = worker_runs.c


class SqlPrediction:
    """Reads what the predictors need and stores their (always advisory) predictions."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def failure_patterns(self, tenant_id: str, since: datetime, until: datetime,
                               limit: int = 100) -> list[PatternFeedback]:
        check_limit(limit)
        stmt = (select(pattern_feedback)
                .where(pf.tenant_id == tenant_id,
                       pf.pattern_type == PatternType.FAILURE_PATTERN.value,
                       pf.last_seen_at >= since, pf.last_seen_at <= until)
                .order_by(pf.last_seen_at.desc(), self._dialect.text_key(pf.id).desc())
                .limit(limit))
        return [feedback_from_row(r) for r in await self._conn.execute(stmt)]

    async def worker_run_totals(self, tenant_id: str, since: datetime,
                                until: datetime) -> list[WorkerRunTotals]:
        failed = func.sum(case((wr.status == RunStatus.FAILED.value, 1), else_=0))
        stmt = (select(wr.worker_id, func.count(), failed)
                .where(wr.tenant_id == tenant_id, wr.created_at >= since,
                       wr.created_at <= until)
                .group_by(wr.worker_id)
                .order_by(self._dialect.text_key(wr.worker_id)))
        return [WorkerRunTotals(worker_id=w, total_runs=n, failed_runs=int(f or 0))
                for w, n, f in await self._conn.execute(stmt)]

    async def recent_failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                                 per_worker: int) -> list[WorkerRun]:
        return await newest_per_worker(self._conn, self._dialect, tenant_id, since, until,
                                       per_worker, wr.status == RunStatus.FAILED.value)

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        return await completed_cost_runs(self._conn, self._dialect, tenant_id, since, until,
                                         per_worker)
