"""Prediction data: set-based worker statistics and the reads the predictors need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from costsight.core.domain.costs import WorkerRun
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import (
    WorkerRunTotals,
)


class PredictionPort(Protocol):
    """Reads what the predictors need and stores their (always advisory) predictions."""

    async def failure_patterns(self, tenant_id: str, since: datetime, until: datetime,
                               limit: int = 100) -> list[PatternFeedback]:
        """failure_pattern feedback last seen in [since, until], newest first, at most limit."""
        ...

    async def worker_run_totals(self, tenant_id: str, since: datetime,
                                until: datetime) -> list[WorkerRunTotals]:
        """For every worker with runs created in [since, until]: all runs and failed runs.
        One aggregate query (no sampling, so failure rates are exact). Ordered by worker_id."""
        ...

    async def recent_failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                                 per_worker: int) -> list[WorkerRun]:
        """Failed runs (error may be null) in [since, until]: the newest ``per_worker`` of every
        worker, ordered by (worker_id, created_at desc, id desc)."""
        ...

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        """Same contract as ``PatternDetectionPort.recent_cost_runs``."""
        ...
