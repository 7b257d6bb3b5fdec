"""In-memory PredictionPort: worker statistics and the reads the predictors need."""

from __future__ import annotations

from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import check_limit
from costsight.adapters.memory._runs import newest_per_worker, recent_cost_runs, runs_between
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.domain.patterns import PatternFeedback, PatternType
from costsight.core.domain.predictions import (
    WorkerRunTotals,
)


class MemoryPrediction:
    """PredictionPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def failure_patterns(self, tenant_id: str, since: datetime, until: datetime,
                               limit: int = 100) -> list[PatternFeedback]:
        since, until = aware(since, "since"), aware(until, "until")
        check_limit(limit)
        rows = self._tx.feedback.rows(
            lambda f: f.tenant_id == tenant_id
            and f.pattern_type == PatternType.FAILURE_PATTERN.value
            and since <= f.last_seen_at <= until)
        rows.sort(key=lambda f: (f.last_seen_at, f.id), reverse=True)
        return rows[:limit]

    async def worker_run_totals(self, tenant_id: str, since: datetime,
                                until: datetime) -> list[WorkerRunTotals]:
        totals: dict[str, list[int]] = {}
        for run in runs_between(self._tx, tenant_id, since, until, lambda r: True):
            counts = totals.setdefault(run.worker_id, [0, 0])
            counts[0] += 1
            counts[1] += 1 if run.status is RunStatus.FAILED else 0
        return [WorkerRunTotals(worker_id=w, total_runs=t, failed_runs=f)
                for w, (t, f) in sorted(totals.items())]

    async def recent_failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                                 per_worker: int) -> list[WorkerRun]:
        runs = runs_between(self._tx, tenant_id, since, until,
                            lambda r: r.status is RunStatus.FAILED)
        return newest_per_worker(runs, per_worker)

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        return recent_cost_runs(self._tx, tenant_id, since, until, per_worker)
