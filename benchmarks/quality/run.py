"""Run the corpus through the real engines (one in-memory storage per tenant, one cycle per
day at 23:59:59 UTC) and collect what each tenant's detectors and predictors said."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from benchmarks.quality.corpus import DAYS, FEATURES, FEBRUARY, MARCH, Scenario, day_of, records
from costsight.adapters.memory import MemoryStorage
from costsight.core.domain.costs import BudgetType, BudgetUpsert, NewFeatureTag
from costsight.core.domain.predictions import PredictionType
from costsight.core.engines.forecasting import ForecastInput
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.services.anomaly_cycle import AnomalyCycle
from costsight.core.services.forecast_cycle import ForecastCycle
from costsight.core.services.prediction_cycle import PredictionCycle
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import FixedClock

WARM_UP = 28  # detection runs from this day on (state such as streaks warms up first)
FORECAST_ORIGINS = (35, 42, 49)  # forecasts made after these days, 14 days ahead
FORECAST_HORIZON = 14


@dataclass
class TenantRun:
    scenario: Scenario
    #: (day index, anomaly type, entity type, entity id, derived cause)
    findings: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    #: day index of the first budget_breach prediction, and of the breach itself
    first_prediction: int | None = None
    breach_day: int | None = None
    #: (actual, point, low80, high80, low95, high95) per forecast day
    forecast_days: list[tuple[float, ...]] = field(default_factory=list)


def end_of(index: int) -> datetime:
    return datetime.combine(day_of(index), time(23, 59, 59), UTC)


async def run_tenant(s: Scenario, seed: int, engines: Engines,
                     settings: EngineSettings) -> TenantRun:
    storage = MemoryStorage()
    rows = records(s, seed)
    async with storage.unit_of_work() as uow:
        for tag in FEATURES:
            await uow.costs.create_feature_tag(NewFeatureTag(tenant_id=s.tenant_id, tag=tag,
                                                             display_name=tag))
        if s.budget_cents is not None:
            await uow.costs.upsert_budget(BudgetUpsert(
                tenant_id=s.tenant_id, budget_type=BudgetType.TENANT,
                monthly_limit_cents=s.budget_cents))
        await uow.costs.record_costs(rows)
        await uow.commit()
    out = TenantRun(s)
    budgeted = s.budget_cents is not None
    for index in range(WARM_UP, DAYS):
        clock = FixedClock(end_of(index))
        result = await AnomalyCycle(storage, clock, settings, engines).run(s.tenant_id)
        out.findings.extend((index, a.anomaly_type.value, a.entity_type, a.entity_id,
                             a.derived_cause) for a in result.anomalies)
        if budgeted and FEBRUARY <= index < MARCH:
            await ForecastCycle(storage, clock, settings, engines).run(s.tenant_id)
            predicted = await PredictionCycle(storage, clock, settings, engines).run(
                s.tenant_id)
            if out.first_prediction is None and any(
                    p.prediction_type == PredictionType.BUDGET_BREACH.value
                    for p in predicted.predictions):
                out.first_prediction = index
    if budgeted and s.budget_cents is not None:
        spent = 0.0
        for index in range(FEBRUARY, MARCH):
            spent += sum(float(r.cost_cents) for r in rows if r.created_at.date() == day_of(index))
            if spent > float(s.budget_cents):
                out.breach_day = index
                break
    if s.incident is None and not budgeted:
        out.forecast_days = forecast_errors(rows, engines, s.tenant_id)
    return out


def forecast_errors(rows: list, engines: Engines, tenant_id: str) -> list[tuple[float, ...]]:
    """Rolling-origin forecasts of the tenant's daily spend through the forecaster hook."""
    daily = [0.0] * DAYS
    for r in rows:
        daily[(r.created_at.date() - day_of(0)).days] += float(r.cost_cents)
    out: list[tuple[float, ...]] = []
    for origin in FORECAST_ORIGINS:
        series = ForecastInput(values=tuple(daily[:origin + 1]), first_day=day_of(0),
                               horizon=FORECAST_HORIZON)
        answer = engines.forecast(series, tenant_id).output
        if answer is None:
            continue
        _, f = answer
        for h in range(FORECAST_HORIZON):
            index = origin + 1 + h
            if index < DAYS:
                out.append((daily[index], f.point[h], f.low80[h], f.high80[h], f.low95[h],
                            f.high95[h]))
    return out


def build_engines(settings: EngineSettings) -> Engines:
    return Engines(build_plugin_manager(settings, load_entrypoints=False))


async def run_all(scenarios: list[Scenario], seed: int,
                  settings: EngineSettings | None = None) -> list[TenantRun]:
    s = settings or EngineSettings()
    engines = build_engines(s)
    return [await run_tenant(sc, seed, engines, s) for sc in scenarios]


def days_between(first: int, second: int) -> int:
    return (day_of(second) - day_of(first)) // timedelta(days=1)
