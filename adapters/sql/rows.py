"""Row <-> domain conversions shared by several port adapters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from costsight.core.domain.costs import Budget, CostRecord, CostSource, FeatureTag, WorkerRun
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.money import cents_to_micros, micros_to_cents


def micros(cents: Decimal | None) -> int | None:
    return None if cents is None else cents_to_micros(cents)


def cents(value: int | None) -> Decimal | None:
    return None if value is None else micros_to_cents(value)


def worker_run_values(run: WorkerRun) -> dict[str, Any]:
    return {
        "id": run.id, "tenant_id": run.tenant_id, "worker_id": run.worker_id,
        "user_id": run.user_id, "status": run.status.value, "success": run.success,
        "error": run.error, "total_tokens": run.total_tokens,
        "total_latency_ms": run.total_latency_ms, "cost_micros": micros(run.cost_cents),
        "parent_run_id": run.parent_run_id, "attempt": run.attempt, "is_retry": run.is_retry,
        "created_at": run.created_at, "started_at": run.started_at,
        "completed_at": run.completed_at,
    }


def worker_run_from_row(row: Row[Any]) -> WorkerRun:
    m = row._mapping
    return WorkerRun(
        id=m["id"], tenant_id=m["tenant_id"], worker_id=m["worker_id"], status=m["status"],
        created_at=m["created_at"], user_id=m["user_id"], success=m["success"],
        error=m["error"], total_tokens=m["total_tokens"],
        total_latency_ms=m["total_latency_ms"], cost_cents=cents(m["cost_micros"]),
        parent_run_id=m["parent_run_id"], attempt=m["attempt"], is_retry=bool(m["is_retry"]),
        started_at=m["started_at"], completed_at=m["completed_at"],
    )


def feature_tag_from_row(row: Row[Any]) -> FeatureTag:
    m = row._mapping
    return FeatureTag(
        id=m["id"], tenant_id=m["tenant_id"], tag=m["tag"], display_name=m["display_name"],
        description=m["description"], budget_cents=cents(m["budget_micros"]),
        is_active=bool(m["is_active"]), created_at=m["created_at"], updated_at=m["updated_at"],
    )


def budget_from_row(row: Row[Any]) -> Budget:
    m = row._mapping
    return Budget(
        id=m["id"], tenant_id=m["tenant_id"], budget_type=m["budget_type"],
        entity_id=m["entity_id"], daily_limit_cents=cents(m["daily_limit_micros"]),
        monthly_limit_cents=cents(m["monthly_limit_micros"]),
        warn_threshold_pct=m["warn_threshold_pct"],
        hard_limit_enabled=bool(m["hard_limit_enabled"]), is_active=bool(m["is_active"]),
        created_at=m["created_at"], updated_at=m["updated_at"],
    )


def feedback_from_row(row: Row[Any]) -> PatternFeedback:
    m = row._mapping
    return PatternFeedback(
        id=m["id"], tenant_id=m["tenant_id"], pattern_type=m["pattern_type"],
        severity=m["severity"], description=m["description"], signature=m["signature"],
        provenance=list(m["provenance"] or []), occurrence_count=m["occurrence_count"],
        time_window_minutes=m["time_window_minutes"], threshold_used=m["threshold_used"],
        metadata=dict(m["metadata"] or {}), detected_at=m["detected_at"],
        last_seen_at=m["last_seen_at"], acknowledged=bool(m["acknowledged"]),
        acknowledged_at=m["acknowledged_at"], acknowledged_by=m["acknowledged_by"],
    )


def cost_record_from_row(row: Row[Any]) -> CostRecord:
    m = row._mapping
    return CostRecord.model_construct(
        id=m["id"], tenant_id=m["tenant_id"], model=m["model"], provider=m["provider"],
        input_tokens=m["input_tokens"], output_tokens=m["output_tokens"],
        cache_read_tokens=m["cache_read_tokens"], cache_write_tokens=m["cache_write_tokens"],
        reasoning_tokens=m["reasoning_tokens"], cost_cents=micros_to_cents(m["cost_micros"]),
        cost_source=CostSource(m["cost_source"]), price_id=m["price_id"],
        created_at=m["created_at"], user_id=m["user_id"], feature_tag=m["feature_tag"],
        request_id=m["request_id"], workflow_id=m["workflow_id"], skill_id=m["skill_id"],
        worker_run_id=m["worker_run_id"], is_retry=m["is_retry"])
