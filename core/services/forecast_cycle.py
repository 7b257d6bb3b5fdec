"""The forecast cycle: daily spend history in, one forecast snapshot per tenant out.

Per tenant, one unit of work: two set-based reads (per-entity daily usage over the history
window, every active budget with its spend) and one snapshot write that replaces the tenant's
previous one. The forecasting itself is pure (``forecast_build``) and done by the registered
forecasters (``costsight_register_forecasters``), the first by order that answers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.forecasts import BudgetProjection, ForecastSnapshot, ForecastSubject
from costsight.core.money import Cents
from costsight.core.plugins.facade import EngineFailure, Engines
from costsight.core.ports import Storage
from costsight.core.services.cycle_support import CycleResult, resolve_as_of, resolve_tenants
from costsight.core.services.forecast_build import build_snapshot
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import Clock, UtcDateTime, utc_day

ENTITY_TYPES = (EntityType.TENANT, EntityType.USER, EntityType.FEATURE)


class ForecastSummary(BaseModel):
    """What one tenant's stored snapshot holds: its series by method, the tenant's own
    forecast total over the horizon, and every budget projection."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    generated_at: UtcDateTime
    start_day: date
    horizon_days: int
    series: int
    methods: dict[str, int]
    tenant_forecast_cents: Cents | None = Field(
        None, description="sum of the tenant series' point forecasts over the horizon")
    projections: list[BudgetProjection] = Field(default_factory=list)

    @classmethod
    def of(cls, snapshot: ForecastSnapshot) -> ForecastSummary:
        tenant = next((s for s in snapshot.series if s.subject_type is ForecastSubject.TENANT),
                      None)
        total = (sum((d.point_cents for d in tenant.days), Decimal(0)) if tenant is not None
                 else None)
        return cls(tenant_id=snapshot.tenant_id, generated_at=snapshot.generated_at,
                   start_day=snapshot.start_day, horizon_days=snapshot.horizon_days,
                   series=len(snapshot.series),
                   methods=dict(sorted(Counter(s.method for s in snapshot.series).items())),
                   tenant_forecast_cents=total, projections=list(snapshot.projections))


class ForecastCycleResult(CycleResult):
    """One summary per tenant whose snapshot was stored, in tenant order."""

    forecasts: list[ForecastSummary] = Field(default_factory=list)


class ForecastCycle:
    def __init__(self, storage: Storage, clock: Clock, settings: EngineSettings,
                 engines: Engines) -> None:
        self.storage, self.clock, self.settings, self.engines = storage, clock, settings, engines

    async def run(self, tenant_id: str | None = None, *,
                  as_of: datetime | None = None) -> ForecastCycleResult:
        """Forecast and store a snapshot for one tenant, or for every known tenant."""
        instant = resolve_as_of(as_of, self.clock)
        tenants = await resolve_tenants(self.storage, tenant_id)
        today = utc_day(instant)
        first = today - timedelta(days=self.settings.forecast_history_days)
        summaries: list[ForecastSummary] = []
        engine_errors: list[EngineFailure] = []
        for tenant in tenants:
            async with self.storage.unit_of_work() as uow:
                rows = await uow.cost_anomalies.daily_usage(tenant, ENTITY_TYPES, first, instant)
                budgets = await uow.cost_anomalies.budget_spend(tenant, today, instant)
                snapshot, failures = build_snapshot(tenant, instant, rows, budgets,
                                                    self.settings, self.engines)
                await uow.forecasts.replace_snapshot(snapshot)
                await uow.commit()
            summaries.append(ForecastSummary.of(snapshot))
            engine_errors.extend(failures)
        return ForecastCycleResult(as_of=instant, tenant_ids=tenants, forecasts=summaries,
                                   engine_errors=engine_errors)
