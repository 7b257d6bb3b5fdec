"""In-memory PatternDetectionPort: bounded reads of worker runs."""

from __future__ import annotations

from datetime import datetime

from costsight.adapters.memory._paging import check_limit
from costsight.adapters.memory._runs import recent_cost_runs, runs_between
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.costs import RunStatus, WorkerRun


class MemoryPatternDetection:
    """PatternDetectionPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                          limit: int) -> list[WorkerRun]:
        """Newest first; runs created at the same instant are ordered by id ascending."""
        check_limit(limit)
        runs = runs_between(self._tx, tenant_id, since, until,
                            lambda r: r.status is RunStatus.FAILED and r.error is not None)
        runs.sort(key=lambda r: r.id)
        runs.sort(key=lambda r: r.created_at, reverse=True)  # stable: ties keep id order
        return runs[:limit]

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        return recent_cost_runs(self._tx, tenant_id, since, until, per_worker)
