"""In-memory ForecastPort: one snapshot object per tenant."""

from __future__ import annotations

from costsight.adapters.memory._tables import Tx
from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastHeader,
    ForecastSnapshot,
    ForecastSubject,
    SeriesForecast,
)


class MemoryForecast:
    """ForecastPort over the unit of work's ``forecasts`` table (tenant id -> snapshot)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def replace_snapshot(self, snapshot: ForecastSnapshot) -> None:
        self._tx.forecasts.put(snapshot.tenant_id, snapshot)

    async def snapshot_header(self, tenant_id: str) -> ForecastHeader | None:
        found = self._tx.forecasts.get(tenant_id)
        if found is None:
            return None
        return ForecastHeader(tenant_id=tenant_id, generated_at=found.generated_at,
                              start_day=found.start_day, horizon_days=found.horizon_days,
                              series_count=len(found.series),
                              projection_count=len(found.projections))

    async def get_series(self, tenant_id: str, subject_type: ForecastSubject,
                         subject_id: str) -> SeriesForecast | None:
        found = self._tx.forecasts.get(tenant_id)
        if found is None:
            return None
        kind = ForecastSubject(subject_type)
        return next((s for s in found.series
                     if s.subject_type is kind and s.subject_id == subject_id), None)

    async def list_projections(self, tenant_id: str) -> list[BudgetProjection]:
        found = self._tx.forecasts.get(tenant_id)
        if found is None:
            return []
        return sorted(found.projections,
                      key=lambda p: (p.budget_type.value, p.entity_id, p.period.value))
