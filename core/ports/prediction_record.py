"""Stored predictions: natural-key upsert with expiry, listing, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.predictions import (
    NewPrediction,
    Prediction,
    PredictionFilter,
    PredictionStats,
)
from costsight.core.pagination import Page


class PredictionRecordPort(Protocol):
    """The predictors' (always advisory) predictions, stored with natural dedupe and expiry."""

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
