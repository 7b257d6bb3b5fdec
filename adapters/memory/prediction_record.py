"""In-memory PredictionRecordPort: natural-key upsert with expiry, listing, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.predictions import (
    NewPrediction,
    Prediction,
    PredictionFilter,
    PredictionStats,
)
from costsight.core.domain.upserts import plan_prediction_upserts
from costsight.core.errors import NotFound
from costsight.core.pagination import Page

#: Above this confidence a prediction counts as high-confidence in the stats.
HIGH_CONFIDENCE = 0.7


class MemoryPredictionRecord:
    """PredictionRecordPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def upsert_predictions(self, items: Sequence[NewPrediction], *,
                                 now: datetime) -> list[Prediction]:
        now = aware(now, "now")
        tenants = {i.tenant_id for i in items}
        plan = plan_prediction_upserts(
            items, self._tx.predictions.rows(lambda p: p.tenant_id in tenants), now=now)
        for row in (*plan.inserts, *plan.updates):
            self._tx.predictions.put(row.id, row)
        return plan.rows

    def _visible(self, tenant_id: str, include_expired: bool, now: datetime) -> list[Prediction]:
        return self._tx.predictions.rows(
            lambda p: p.tenant_id == tenant_id and (include_expired or p.expires_at > now))

    async def list_predictions(self, tenant_id: str, filters: PredictionFilter, *, now: datetime,
                               limit: int, cursor: str | None = None) -> Page[Prediction]:
        now = aware(now, "now")
        f = filters
        rows = [p for p in self._visible(tenant_id, f.include_expired, now)
                if (f.prediction_type is None or p.prediction_type == f.prediction_type)
                and (f.subject_type is None or p.subject_type == f.subject_type)
                and (f.subject_id is None or p.subject_id == f.subject_id)]
        return keyset_page(rows, key=lambda p: (p.created_at, p.id), kinds=(datetime, str),
                           limit=limit, cursor=cursor, descending=True)

    async def get_prediction(self, tenant_id: str, prediction_id: str) -> Prediction:
        row = self._tx.predictions.get(prediction_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound("prediction", prediction_id, tenant_id)
        return row

    async def prediction_stats(self, tenant_id: str, *, include_expired: bool,
                               now: datetime) -> PredictionStats:
        rows = self._visible(tenant_id, include_expired, aware(now, "now"))
        scores = [p.confidence_score for p in rows]
        return PredictionStats(
            total=len(rows),
            by_type=dict(sorted(Counter(p.prediction_type for p in rows).items())),
            by_subject_type=dict(sorted(Counter(p.subject_type for p in rows).items())),
            avg_confidence=round(sum(scores) / len(scores), 3) if scores else 0.0,
            high_confidence_count=sum(1 for s in scores if s > HIGH_CONFIDENCE),
            all_advisory=all(p.is_advisory for p in rows))
