"""SQL PredictionRecordPort: natural-key upsert with expiry, listing, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, case, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.tables import prediction_events
from costsight.core.domain.predictions import (
    NewPrediction,
    Prediction,
    PredictionFilter,
    PredictionStats,
)
from costsight.core.domain.upserts import PREDICTION_REFRESHED, plan_prediction_upserts
from costsight.core.errors import NotFound
from costsight.core.pagination import Page

pe = prediction_events.c

HIGH_CONFIDENCE = 0.7


def prediction_from_row(row: Row[Any]) -> Prediction:
    m = row._mapping
    return Prediction(
        id=m["id"], tenant_id=m["tenant_id"], prediction_type=m["prediction_type"],
        subject_type=m["subject_type"], subject_id=m["subject_id"],
        confidence_score=m["confidence_score"], prediction_value=dict(m["prediction_value"]),
        contributing_factors=list(m["contributing_factors"]), expires_at=m["expires_at"],
        notes=m["notes"], created_at=m["created_at"], updated_at=m["updated_at"],
        is_advisory=bool(m["is_advisory"]),
    )


def prediction_values(p: Prediction) -> dict[str, Any]:
    return {
        "id": p.id, "tenant_id": p.tenant_id, "prediction_type": p.prediction_type,
        "subject_type": p.subject_type, "subject_id": p.subject_id,
        "confidence_score": p.confidence_score, "prediction_value": p.prediction_value,
        "contributing_factors": p.contributing_factors, "expires_at": p.expires_at,
        "notes": p.notes, "created_at": p.created_at, "updated_at": p.updated_at,
        "is_advisory": True,
    }


class SqlPredictionRecord:
    """Stores the predictors' (always advisory) predictions."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def upsert_predictions(self, items: Sequence[NewPrediction], *,
                                 now: datetime) -> list[Prediction]:
        if not items:
            return []
        stmt = (select(prediction_events)
                .where(pe.tenant_id.in_(sorted({i.tenant_id for i in items})),
                       pe.prediction_type.in_(sorted({i.prediction_type for i in items})),
                       pe.expires_at > now))
        stored = [prediction_from_row(row) for row in await self._conn.execute(stmt)]
        plan = plan_prediction_upserts(items, stored, now=now)
        if plan.inserts:
            await self._conn.execute(insert(prediction_events),
                                     [prediction_values(p) for p in plan.inserts])
        if plan.updates:
            fields = [*PREDICTION_REFRESHED, "updated_at"]
            update = (sql_update(prediction_events).where(pe.id == bindparam("row_id"))
                      .values({f: bindparam(f"v_{f}") for f in fields}))
            params = []
            for p in plan.updates:
                values = prediction_values(p)
                params.append({"row_id": p.id, **{f"v_{n}": values[n] for n in fields}})
            await self._conn.execute(update, params)
        return plan.rows

    def _filtered(self, tenant_id: str, filters: PredictionFilter, now: datetime) -> Any:
        stmt = select(prediction_events).where(pe.tenant_id == tenant_id)
        for name in ("prediction_type", "subject_type", "subject_id"):
            value = getattr(filters, name)
            if value is not None:
                stmt = stmt.where(pe[name] == value)
        if not filters.include_expired:
            stmt = stmt.where(pe.expires_at > now)
        return stmt

    async def list_predictions(self, tenant_id: str, filters: PredictionFilter, *, now: datetime,
                               limit: int, cursor: str | None = None) -> Page[Prediction]:
        check_limit(limit)
        id_key = self._dialect.text_key(pe.id)
        stmt = self._filtered(tenant_id, filters, now)
        stmt = newest_first(stmt, cursor, pe.created_at, id_key, limit)
        items = [prediction_from_row(r) for r in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda p: (p.created_at, p.id))

    async def get_prediction(self, tenant_id: str, prediction_id: str) -> Prediction:
        row = (await self._conn.execute(select(prediction_events).where(
            pe.tenant_id == tenant_id, pe.id == prediction_id))).one_or_none()
        if row is None:
            raise NotFound("prediction", prediction_id, tenant_id)
        return prediction_from_row(row)

    async def prediction_stats(self, tenant_id: str, *, include_expired: bool,
                               now: datetime) -> PredictionStats:
        high = func.sum(case((pe.confidence_score > HIGH_CONFIDENCE, 1), else_=0))
        stmt = (select(pe.prediction_type, pe.subject_type, func.count(),
                       func.sum(pe.confidence_score), high)
                .where(pe.tenant_id == tenant_id)
                .group_by(pe.prediction_type, pe.subject_type))
        if not include_expired:
            stmt = stmt.where(pe.expires_at > now)
        total = high_count = 0
        confidence = 0.0
        by_type: dict[str, int] = {}
        by_subject: dict[str, int] = {}
        for ptype, stype, count, conf_sum, n_high in await self._conn.execute(stmt):
            total += count
            confidence += float(conf_sum or 0.0)
            high_count += int(n_high or 0)
            by_type[ptype] = by_type.get(ptype, 0) + count
            by_subject[stype] = by_subject.get(stype, 0) + count
        return PredictionStats(
            total=total, by_type=dict(sorted(by_type.items())),
            by_subject_type=dict(sorted(by_subject.items())),
            avg_confidence=round(confidence / total, 3) if total else 0.0,
            high_confidence_count=high_count, all_advisory=True)
