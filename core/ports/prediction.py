"""Prediction data: set-based worker statistics, advisory predictions with expiry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.costs import WorkerRun
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import (
    NewPrediction,
    Prediction,
    PredictionFilter,
    PredictionStats,
    WorkerRunTotals,
)
from costsight.core.pagination import Page


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

    async def upsert_predictions(self, items: Sequence[NewPrediction], *,
                                 now: datetime) -> list[Prediction]:
        """Store predictions with natural dedupe; is_advisory is always true.

        A stored prediction with the same (tenant, prediction_type, subject_type, subject_id)
        whose expires_at > ``now`` is updated (confidence, value, factors, notes, expires_at,
        updated_at = now); otherwise a new row (uuid id, created_at = updated_at = now).
        Returns the stored rows in input order.
        """
        ...

    async def list_predictions(self, tenant_id: str, filters: PredictionFilter, *, now: datetime,
                               limit: int, cursor: str | None = None) -> Page[Prediction]:
        """Newest created first (ties by id desc), keyset-paged; unless include_expired, only
        rows with expires_at > now."""
        ...

    async def get_prediction(self, tenant_id: str, prediction_id: str) -> Prediction:
        """One prediction of the tenant (expired or not); ``NotFound`` otherwise."""
        ...

    async def prediction_stats(self, tenant_id: str, *, include_expired: bool,
                               now: datetime) -> PredictionStats:
        """Counts by type and subject type, average confidence (3 dp), and how many have
        confidence > 0.7, over the tenant's (unexpired unless include_expired) predictions."""
        ...
