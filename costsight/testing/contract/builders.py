"""Builders of valid domain inputs with overridable fields, and seeding through the write ports.

Every instant is a fixed, aware UTC datetime so the contract suite never depends on the clock.
Seeding goes through the write ports only, so the fakes and SQL follow the same path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from costsight.core.domain.anomalies import (
    AnomalyType,
    Breach,
    DetectedAnomaly,
    DriftTracker,
    Severity,
)
from costsight.core.domain.audit import AuditRecord
from costsight.core.domain.costs import (
    Budget,
    BudgetType,
    BudgetUpsert,
    FeatureTag,
    NewCostRecord,
    NewFeatureTag,
    RecordResult,
    RunStatus,
    UpsertResult,
    WorkerRun,
)
from costsight.core.domain.patterns import NewPatternFeedback
from costsight.core.domain.predictions import NewPrediction
from costsight.core.domain.provenance import NewProvenance
from costsight.core.domain.statistics import TimeWindow
from costsight.core.pagination import Page
from costsight.core.ports import Storage, UnitOfWork

T = TypeVar("T")

TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"

#: The reference instant of the suite: Tuesday 2026-03-10 12:00 UTC.
T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
DAY0 = date(2026, 3, 10)
MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, *,
       month: int = 3) -> datetime:
    """An aware UTC instant in 2026 (March by default)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def d(day: int, *, month: int = 3) -> date:
    return date(2026, month, day)


def window(start: datetime, end: datetime) -> TimeWindow:
    return TimeWindow(start=start, end=end)


def cents(text: str) -> Decimal:
    return Decimal(text)


def run_id(n: int) -> str:
    """A deterministic UUID string for worker runs (sortable by ``n``)."""
    return f"00000000-0000-4000-8000-{n:012d}"


def cost(**overrides: Any) -> NewCostRecord:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "model": "gpt-4o",
        "input_tokens": 100,
        "output_tokens": 50,
        "cost_cents": Decimal("1.5"),
        "created_at": T0,
    }
    fields.update(overrides)
    return NewCostRecord(**fields)


def worker_run(n: int, **overrides: Any) -> WorkerRun:
    fields: dict[str, Any] = {
        "id": run_id(n),
        "tenant_id": TENANT,
        "worker_id": "worker-a",
        "status": RunStatus.QUEUED,
        "created_at": T0,
    }
    fields.update(overrides)
    return WorkerRun(**fields)


def completed_run(n: int, cost_cents: str | Decimal | None = "10",
                  **overrides: Any) -> WorkerRun:
    created = overrides.pop("created_at", T0)
    fields: dict[str, Any] = {
        "status": RunStatus.COMPLETED,
        "success": True,
        "cost_cents": None if cost_cents is None else Decimal(cost_cents),
        "created_at": created,
        "started_at": created,
        "completed_at": created + timedelta(minutes=1),
    }
    fields.update(overrides)
    return worker_run(n, **fields)


def failed_run(n: int, error: str | None = "boom", **overrides: Any) -> WorkerRun:
    created = overrides.pop("created_at", T0)
    fields: dict[str, Any] = {
        "status": RunStatus.FAILED,
        "success": False,
        "error": error,
        "created_at": created,
        "started_at": created,
        "completed_at": created + timedelta(minutes=1),
    }
    fields.update(overrides)
    return worker_run(n, **fields)


def feature_tag(tag: str = "chat.reply", **overrides: Any) -> NewFeatureTag:
    fields: dict[str, Any] = {"tenant_id": TENANT, "tag": tag, "display_name": f"Tag {tag}"}
    fields.update(overrides)
    return NewFeatureTag(**fields)


def budget(budget_type: BudgetType | str = BudgetType.TENANT, entity_id: str = "",
           **overrides: Any) -> BudgetUpsert:
    fields: dict[str, Any] = {"tenant_id": TENANT, "budget_type": budget_type,
                              "entity_id": entity_id}
    fields.update(overrides)
    return BudgetUpsert(**fields)


def breach(entity_id: str, day: date, **overrides: Any) -> Breach:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "entity_type": "user",
        "entity_id": entity_id,
        "breach_type": AnomalyType.ABSOLUTE_SPIKE.value,
        "breach_date": day,
        "deviation_pct": 50.0,
        "current_value_cents": Decimal("150"),
        "baseline_value_cents": Decimal("100"),
    }
    fields.update(overrides)
    return Breach(**fields)


def drift_tracker(**overrides: Any) -> DriftTracker:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "entity_type": "tenant",
        "entity_id": "",
        "rolling_avg_cents": Decimal("130"),
        "baseline_avg_cents": Decimal("100"),
        "drift_pct": 30.0,
        "drift_days_count": 1,
        "first_drift_date": DAY0,
        "last_check_date": DAY0,
    }
    fields.update(overrides)
    return DriftTracker(**fields)


def detected(**overrides: Any) -> DetectedAnomaly:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "anomaly_type": AnomalyType.ABSOLUTE_SPIKE,
        "severity": Severity.HIGH,
        "entity_type": "user",
        "entity_id": "u1",
        "current_value_cents": Decimal("300"),
        "expected_value_cents": Decimal("100"),
        "deviation_pct": 200.0,
        "threshold_ratio": 1.4,
        "message": "spend of u1 is 3.0x its baseline",
        "breach_count": 2,
    }
    fields.update(overrides)
    return DetectedAnomaly(**fields)


def feedback(signature: str = "sig-1", **overrides: Any) -> NewPatternFeedback:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "pattern_type": "failure_pattern",
        "description": f"failure pattern {signature}",
        "signature": signature,
        "provenance": [run_id(1), run_id(2), run_id(3)],
        "occurrence_count": 3,
        "time_window_minutes": 1440,
        "threshold_used": "threshold=3",
        "metadata": {"sample": "boom"},
    }
    fields.update(overrides)
    return NewPatternFeedback(**fields)


def prediction(subject_id: str = "worker-a", **overrides: Any) -> NewPrediction:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "prediction_type": "failure_likelihood",
        "subject_type": "worker",
        "subject_id": subject_id,
        "confidence_score": 0.6,
        "prediction_value": {"predicted_outcome": "high_failure_likelihood"},
        "contributing_factors": [{"type": "historical_failure_rate", "value": 0.4}],
        "expires_at": T0 + timedelta(hours=24),
        "notes": "ADVISORY: This is a prediction, not a fact.",
    }
    fields.update(overrides)
    return NewPrediction(**fields)


def provenance(n: int, **overrides: Any) -> NewProvenance:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "variant_slug": "v2",
        "source": "sandbox",
        "run_id": f"run-{n}",
        "input_hash": f"hash-{n:04d}",
        "v1_cost": Decimal("100"),
        "v2_cost": Decimal("101"),
        "created_at": T0,
    }
    fields.update(overrides)
    return NewProvenance(**fields)


def audit(audit_id: str, **overrides: Any) -> AuditRecord:
    fields: dict[str, Any] = {
        "audit_id": audit_id,
        "envelope_id": "env-1",
        "envelope_class": "COST",
        "decision": "APPLIED",
        "reason": "Applied successfully, preempted 0 envelope(s)",
        "decision_timestamp": T0,
        "tenant_id": TENANT,
    }
    fields.update(overrides)
    return AuditRecord(**fields)


# --- seeding and reading through a fresh unit of work -------------------------------------


async def in_uow(storage: Storage, action: Callable[[UnitOfWork], Awaitable[T]], *,
                 commit: bool = True) -> T:
    """Run ``action(uow)`` in a new unit of work and commit it (unless ``commit`` is False)."""
    async with storage.unit_of_work() as uow:
        result = await action(uow)
        if commit:
            await uow.commit()
    return result


async def read(storage: Storage, action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a read in a new unit of work that is left without commit."""
    return await in_uow(storage, action, commit=False)


async def record(storage: Storage, *records: NewCostRecord) -> RecordResult:
    return await in_uow(storage, lambda uow: uow.costs.record_costs(list(records)))


async def upsert_runs(storage: Storage, *runs: WorkerRun) -> UpsertResult:
    return await in_uow(storage, lambda uow: uow.costs.upsert_worker_runs(list(runs)))


async def create_tags(storage: Storage, *tags: NewFeatureTag) -> list[FeatureTag]:
    async def action(uow: UnitOfWork) -> list[FeatureTag]:
        return [await uow.costs.create_feature_tag(tag) for tag in tags]

    return await in_uow(storage, action)


async def upsert_budgets(storage: Storage, *budgets: BudgetUpsert) -> list[Budget]:
    async def action(uow: UnitOfWork) -> list[Budget]:
        return [await uow.costs.upsert_budget(b) for b in budgets]

    return await in_uow(storage, action)


async def collect_pages(fetch: Callable[[str | None], Awaitable[Page[T]]]) -> list[list[T]]:
    """Follow next_cursor from the first page to the last; returns every page's items."""
    pages: list[list[T]] = []
    cursor: str | None = None
    for _ in range(100):  # a cursor that never ends is a bug, not a reason to hang
        page = await fetch(cursor)
        pages.append(list(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("pagination did not terminate after 100 pages")


class HasId(Protocol):
    @property
    def id(self) -> str | int: ...


def ids(items: Sequence[HasId]) -> list[str | int]:
    return [item.id for item in items]
