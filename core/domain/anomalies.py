"""Cost anomalies and the state the detectors keep: breach history and drift trackers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.domain.costs import Budget
from costsight.core.domain.drivers import AnomalyDrivers
from costsight.core.errors import Conflict, ValidationError
from costsight.core.money import Cents
from costsight.core.timeutil import UtcDateTime


class AnomalyType(StrEnum):
    ABSOLUTE_SPIKE = "ABSOLUTE_SPIKE"
    SUSTAINED_DRIFT = "SUSTAINED_DRIFT"
    BUDGET_WARNING = "BUDGET_WARNING"
    BUDGET_EXCEEDED = "BUDGET_EXCEEDED"


class Severity(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class DerivedCause(StrEnum):
    """Built-in causes; plugins may derive other (uppercase) cause names."""

    RETRY_LOOP = "RETRY_LOOP"
    PROMPT_GROWTH = "PROMPT_GROWTH"
    FEATURE_SURGE = "FEATURE_SURGE"
    TRAFFIC_GROWTH = "TRAFFIC_GROWTH"
    MODEL_SWITCH = "MODEL_SWITCH"
    UNKNOWN = "UNKNOWN"


class AnomalyStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"

    @property
    def is_closed(self) -> bool:
        return self in (AnomalyStatus.RESOLVED, AnomalyStatus.DISMISSED)


#: Allowed status transitions: from -> the statuses it may move to.
STATUS_TRANSITIONS: dict[AnomalyStatus, frozenset[AnomalyStatus]] = {
    AnomalyStatus.OPEN: frozenset({AnomalyStatus.ACKNOWLEDGED, AnomalyStatus.RESOLVED,
                                   AnomalyStatus.DISMISSED}),
    AnomalyStatus.ACKNOWLEDGED: frozenset({AnomalyStatus.RESOLVED, AnomalyStatus.DISMISSED}),
    AnomalyStatus.RESOLVED: frozenset(),
    AnomalyStatus.DISMISSED: frozenset(),
}


#: The ``*_at`` field a status stamps when an anomaly moves to it.
STATUS_STAMPS: dict[AnomalyStatus, str] = {
    AnomalyStatus.ACKNOWLEDGED: "acknowledged_at",
    AnomalyStatus.RESOLVED: "resolved_at",
    AnomalyStatus.DISMISSED: "dismissed_at",
}


def parse_status(status: str) -> AnomalyStatus:
    try:
        return AnomalyStatus(status)
    except ValueError:
        raise ValidationError("status", f"unknown anomaly status {status!r}",
                              allowed=", ".join(s.value for s in AnomalyStatus)) from None


class EntityType(StrEnum):
    """What an anomaly or a breach is about. Budget anomalies use the budget type."""

    USER = "user"
    FEATURE = "feature"
    TENANT = "tenant"


class DetectedAnomaly(Frozen):
    """What a detector found, before persistence.

    ``entity_id`` is ``""`` where the original had null (tenant budgets). ``period`` is set for
    budget anomalies only and is part of the dedupe key. ``threshold_ratio`` is the ratio that
    triggered (1.40 spike, 1.25 drift, warn/100 or 1.0 for budgets); ``usage_pct`` is set for
    budgets only; ``deviation_pct`` is (ratio - 1) x 100 for spike and drift, and
    usage_pct - 100 for budgets. ``drivers``: the root-cause split of current - expected,
    set by the detection cycle (None from detectors, and where the data was not read).
    """

    tenant_id: TenantId
    anomaly_type: AnomalyType
    severity: Severity
    entity_type: str
    entity_id: str = ""
    period: str | None = None
    current_value_cents: Cents
    expected_value_cents: Cents
    deviation_pct: float
    threshold_ratio: float
    usage_pct: float | None = None
    message: str
    breach_count: int = 1
    derived_cause: str = DerivedCause.UNKNOWN.value
    metadata: dict[str, Any] = Field(default_factory=dict)
    drivers: Annotated[AnomalyDrivers | None, WithJsonSchema({"type": "object"})] = None

    @property
    def dedupe_key(self) -> tuple[str, str, str, str, str]:
        return (self.tenant_id, self.anomaly_type.value, self.entity_type, self.entity_id,
                self.period or "")


class Anomaly(DetectedAnomaly):
    """A stored anomaly with its lifecycle."""

    id: str
    status: AnomalyStatus = AnomalyStatus.OPEN
    detected_at: UtcDateTime
    updated_at: UtcDateTime
    acknowledged_at: UtcDateTime | None = None
    resolved_at: UtcDateTime | None = None
    dismissed_at: UtcDateTime | None = None
    incident_id: str | None = None
    action_taken: str | None = None


class AnomalyFilter(Frozen):
    """Filters for listing anomalies; every field optional, all AND-ed."""

    status: AnomalyStatus | None = None
    severity: Severity | None = None
    anomaly_type: AnomalyType | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    detected_since: UtcDateTime | None = None
    detected_before: UtcDateTime | None = None


class StatusCount(Frozen):
    """How many of a tenant's anomalies of one type are in one status."""

    anomaly_type: AnomalyType
    status: AnomalyStatus
    count: int


class CostAnomalyFact(Frozen):
    """A HIGH anomaly handed to the incidents domain."""

    tenant_id: TenantId
    anomaly_id: str
    anomaly_type: AnomalyType
    severity: Severity
    current_value_cents: Cents
    expected_value_cents: Cents
    entity_type: str
    entity_id: str
    deviation_pct: float
    confidence: float = 1.0
    observed_at: UtcDateTime
    metadata: dict[str, Any] = Field(default_factory=dict)


class Breach(Frozen):
    """One breach day of one entity; upserted by (tenant, entity, breach_type, day)."""

    tenant_id: TenantId
    entity_type: str
    entity_id: str = ""
    breach_type: str = AnomalyType.ABSOLUTE_SPIKE.value
    breach_date: date
    deviation_pct: float
    current_value_cents: Cents
    baseline_value_cents: Cents


class DriftTracker(Frozen):
    """Sustained-drift state of one entity: one row per entity, reactivated in place."""

    tenant_id: TenantId
    entity_type: str
    entity_id: str = ""
    rolling_avg_cents: Cents
    baseline_avg_cents: Cents
    drift_pct: float
    drift_days_count: int = Field(ge=1)
    first_drift_date: date
    last_check_date: date
    is_active: bool = True


class DailyUsage(Frozen):
    """Spend and traffic of one entity on one UTC day (the detectors' set-based input).

    ``entity_type`` is ``tenant`` (entity_id = tenant id), ``user`` or ``feature``; records
    without a user (or feature) contribute only to the tenant row.
    """

    entity_type: EntityType
    entity_id: str
    day: date
    spend_cents: Decimal
    requests: int
    retries: int
    input_tokens: int


class BudgetSpend(Frozen):
    """One active budget and the spend that counts against it: today so far, month so far."""

    budget: Budget
    daily_spend_cents: Decimal
    monthly_spend_cents: Decimal


class EntityUsageSummary(Frozen):
    """One entity's spend and traffic around one UTC day, aggregated in storage.

    The spike detector's and the cause derivers' input: one row per entity instead of one per
    (entity, day). ``baseline_spend_cents`` / ``baseline_days``: total spend and number of days
    WITH records over the baseline window; ``today_*``: the day so far (up to the "as of"
    instant); ``yesterday_*``: the whole day before. ``*_requests`` counts records, so a day
    with records always has ``*_requests >= 1`` (even at zero spend). Entity kinds and null
    user / feature handling as in ``DailyUsage``.
    """

    entity_type: EntityType
    entity_id: str
    baseline_spend_cents: Decimal = Decimal(0)
    baseline_days: int = 0
    today_spend_cents: Decimal = Decimal(0)
    today_requests: int = 0
    today_retries: int = 0
    today_input_tokens: int = 0
    yesterday_spend_cents: Decimal = Decimal(0)
    yesterday_requests: int = 0
    yesterday_retries: int = 0
    yesterday_input_tokens: int = 0


#: Fields a repeated finding overwrites on the stored anomaly: everything measured, the
#: message, cause and metadata. Identity, status and lifecycle stamps are kept.
MEASURED_FIELDS = ("severity", "current_value_cents", "expected_value_cents", "deviation_pct",
                   "threshold_ratio", "usage_pct", "message", "breach_count", "derived_cause",
                   "metadata", "drivers")


def move_anomaly(row: Anomaly, status: str, at: datetime) -> Anomaly:
    """The row after moving it to ``status`` at ``at``: the status, its ``*_at`` stamp and
    ``updated_at`` all change. The same status again returns ``row`` itself (nothing to
    write); a transition ``STATUS_TRANSITIONS`` does not allow raises ``Conflict``."""
    target = parse_status(status)
    if row.status is target:
        return row
    allowed = STATUS_TRANSITIONS[row.status]
    if target not in allowed:
        raise Conflict(f"status: anomaly {row.id!r} cannot move from {row.status.value} to "
                       f"{target.value} (allowed from {row.status.value}: "
                       f"{', '.join(sorted(s.value for s in allowed)) or 'none, it is closed'})")
    return row.model_copy(update={"status": target, STATUS_STAMPS[target]: at, "updated_at": at})
