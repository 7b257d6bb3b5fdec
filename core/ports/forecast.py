"""Forecast snapshots: each tenant's latest forecast run, replaced whole."""

from __future__ import annotations

from typing import Protocol

from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastHeader,
    ForecastSnapshot,
    ForecastSubject,
    SeriesForecast,
)


class ForecastPort(Protocol):
    """The forecast cycle's output, stored so readers never recompute it.

    One snapshot per tenant: ``replace_snapshot`` deletes the tenant's previous series, days
    and projections and writes the new ones in the caller's unit of work, so a reader sees one
    run or the other, never a mix. Amounts are exact micro-cents.
    """

    async def replace_snapshot(self, snapshot: ForecastSnapshot) -> None:
        """Store ``snapshot`` as the tenant's only one (the previous one is removed)."""
        ...

    async def snapshot_header(self, tenant_id: str) -> ForecastHeader | None:
        """When and over which days the tenant's snapshot was made, and how many series and
        projections it holds; None when the tenant has none."""
        ...

    async def get_series(self, tenant_id: str, subject_type: ForecastSubject,
                         subject_id: str) -> SeriesForecast | None:
        """One subject's series with its days ascending; None when the snapshot has none
        (or there is no snapshot). Ids compare exactly (case-sensitive)."""
        ...

    async def list_projections(self, tenant_id: str) -> list[BudgetProjection]:
        """Every budget projection of the tenant's snapshot, ordered by (budget_type,
        entity_id, period)."""
        ...
