"""Advisory, expiring predictions about workers."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.timeutil import UtcDateTime


class PredictionType(StrEnum):
    FAILURE_LIKELIHOOD = "failure_likelihood"
    COST_OVERRUN = "cost_overrun"
    BUDGET_BREACH = "budget_breach"


class SubjectType(StrEnum):
    WORKER = "worker"
    RUN = "run"
    TENANT = "tenant"
    BUDGET = "budget"


class NewPrediction(Frozen):
    """A prediction to store. Natural key: (tenant, type, subject_type, subject_id) while unexpired."""

    tenant_id: TenantId
    prediction_type: str
    subject_type: str = SubjectType.WORKER.value
    subject_id: str
    confidence_score: float = Field(ge=0.0, le=1.0)
    prediction_value: dict[str, Any]
    contributing_factors: list[dict[str, Any]] = Field(default_factory=list)
    expires_at: UtcDateTime
    notes: str | None = None


class Prediction(NewPrediction):
    id: str
    created_at: UtcDateTime
    updated_at: UtcDateTime
    is_advisory: bool = True


class PredictionFilter(Frozen):
    """``include_expired`` False keeps only predictions whose expires_at is after ``now``."""

    prediction_type: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    include_expired: bool = False


class PredictionStats(Frozen):
    total: int
    by_type: dict[str, int]
    by_subject_type: dict[str, int]
    avg_confidence: float
    high_confidence_count: int
    all_advisory: bool = True


class WorkerRunTotals(Frozen):
    """Runs of one worker in a window: every status, and how many failed."""

    worker_id: str
    total_runs: int
    failed_runs: int
