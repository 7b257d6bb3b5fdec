"""Reading stored forecasts for one subject (the MCP tool ``get_cost_forecast``).

Subjects: the tenant, a feature, a user, or a budget. A budget is named by its id or by its
entity id (the user id or feature tag; a tenant budget by its id); its series is the spend of
what it counts (the tenant's, the feature's or the user's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastHeader,
    ForecastSubject,
    SeriesForecast,
)
from costsight.core.ports import Storage

_SERIES_OF_BUDGET = {BudgetType.TENANT: ForecastSubject.TENANT,
                     BudgetType.FEATURE: ForecastSubject.FEATURE,
                     BudgetType.USER: ForecastSubject.USER}


@dataclass(frozen=True)
class ForecastRead:
    """The tenant's snapshot header (None: no snapshot), the subject's series (None: the
    snapshot has none) and, for a budget, its projections (monthly first)."""

    header: ForecastHeader | None
    series: SeriesForecast | None = None
    projections: list[BudgetProjection] = field(default_factory=list)


def _matching(projections: list[BudgetProjection], subject: str) -> list[BudgetProjection]:
    by_id = [p for p in projections if p.budget_id == subject]
    chosen = by_id or [p for p in projections if p.entity_id == subject]
    if not chosen:
        return []
    first = chosen[0].budget_id  # projections are ordered by (budget_type, entity_id, period)
    mine = [p for p in chosen if p.budget_id == first]
    return sorted(mine, key=lambda p: p.period is not BudgetPeriod.MONTHLY)


async def read_forecast(storage: Storage, tenant_id: str, subject_type: str,
                        subject_id: str | None) -> ForecastRead:
    """The stored forecast of one subject, in one read-only unit of work."""
    async with storage.unit_of_work() as uow:
        header = await uow.forecasts.snapshot_header(tenant_id)
        if header is None:
            return ForecastRead(None)
        if subject_type == "budget":
            projections = _matching(await uow.forecasts.list_projections(tenant_id),
                                    subject_id or "")
            if not projections:
                return ForecastRead(header)
            p = projections[0]
            kind = _SERIES_OF_BUDGET[p.budget_type]
            series_id = tenant_id if kind is ForecastSubject.TENANT else p.entity_id
            series = await uow.forecasts.get_series(tenant_id, kind, series_id)
            return ForecastRead(header, series, projections)
        kind = ForecastSubject(subject_type)
        series_id = tenant_id if kind is ForecastSubject.TENANT else subject_id or ""
        return ForecastRead(header, await uow.forecasts.get_series(tenant_id, kind, series_id))
