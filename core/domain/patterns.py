"""Advisory pattern feedback (failure signatures, per-worker cost spikes)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.timeutil import UtcDateTime


class PatternType(StrEnum):
    FAILURE_PATTERN = "failure_pattern"
    COST_SPIKE = "cost_spike"


class FeedbackSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class NewPatternFeedback(Frozen):
    """A pattern a detector found. Natural key: (tenant, pattern_type, signature) while open."""

    tenant_id: TenantId
    pattern_type: str
    severity: FeedbackSeverity = FeedbackSeverity.WARNING
    description: str
    signature: str
    provenance: list[str] = Field(default_factory=list)
    occurrence_count: int = Field(1, ge=1)
    time_window_minutes: int | None = None
    threshold_used: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class PatternFeedback(NewPatternFeedback):
    id: str
    detected_at: UtcDateTime
    last_seen_at: UtcDateTime
    acknowledged: bool = False
    acknowledged_at: UtcDateTime | None = None
    acknowledged_by: str | None = None


class FeedbackFilter(Frozen):
    pattern_type: str | None = None
    severity: FeedbackSeverity | None = None
    acknowledged: bool | None = None


class FeedbackStats(Frozen):
    total: int
    acknowledged: int
    unacknowledged: int
    by_type: dict[str, int]
    by_severity: dict[str, int]
