"""Building one tenant's forecast snapshot from its daily usage and budgets (pure).

History: every COMPLETE UTC day before today, from the entity's first day with records in the
history window (``forecast_history_days``), days without records counted as zero. Forecast
days start today. Every entity with history (the tenant, each user, each feature) gets a
series; each budgeted entity is also forecast with simulated paths (``forecast_paths``, seeded
from ``forecast_seed`` and the subject, so a re-run gives the same numbers) over at least its
budget period, and every limit of every active budget gets a projection (``project_budget``).
"""

from __future__ import annotations

import calendar
import zlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.anomalies import BudgetSpend, DailyUsage
from costsight.core.domain.costs import Budget, BudgetPeriod, BudgetType
from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastDay,
    ForecastSnapshot,
    ForecastSubject,
    SeriesForecast,
    quantize_cents,
)
from costsight.core.engines.forecasting import ForecastInput, ForecastResult, zero_filled
from costsight.core.engines.projection import project_budget
from costsight.core.plugins.facade import EngineFailure, Engines
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import day_start, utc_day

#: the longest horizon a forecast covers
MAX_HORIZON_DAYS = 90

SubjectKey = tuple[ForecastSubject, str]


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def horizon_days(today: date, settings: EngineSettings) -> int:
    """``forecast_horizon_days``, or (0) the days from today to the month's end inclusive."""
    to_month_end = (month_end(today) - today).days + 1
    return min(settings.forecast_horizon_days or to_month_end, MAX_HORIZON_DAYS)


def histories(rows: Sequence[DailyUsage], today: date
              ) -> dict[SubjectKey, tuple[date, tuple[float, ...]]]:
    """Each entity's first day and zero-filled daily spend (cents) up to yesterday."""
    by_entity: dict[SubjectKey, list[tuple[date, float]]] = {}
    for row in rows:
        if row.day < today:
            key = (ForecastSubject(row.entity_type.value), row.entity_id)
            by_entity.setdefault(key, []).append((row.day, float(row.spend_cents)))
    yesterday = today - timedelta(days=1)
    out: dict[SubjectKey, tuple[date, tuple[float, ...]]] = {}
    for key, days in sorted(by_entity.items()):
        first = min(day for day, _ in days)
        out[key] = (first, zero_filled(days, first, yesterday))
    return out


def budget_subject(budget: Budget) -> SubjectKey:
    """The series a budget's spend is: the tenant's, a feature's or a user's."""
    if budget.budget_type is BudgetType.TENANT:
        return (ForecastSubject.TENANT, budget.tenant_id)
    kind = (ForecastSubject.FEATURE if budget.budget_type is BudgetType.FEATURE
            else ForecastSubject.USER)
    return (kind, budget.entity_id)


def subject_seed(settings: EngineSettings, tenant_id: str, key: SubjectKey) -> int:
    return zlib.crc32(f"{settings.forecast_seed}:{tenant_id}:{key[0].value}:{key[1]}".encode())


def forecast_days(result: ForecastResult, start: date, count: int) -> tuple[ForecastDay, ...]:
    return tuple(ForecastDay(
        day=start + timedelta(days=i), point_cents=quantize_cents(result.point[i]),
        low80_cents=quantize_cents(result.low80[i]), high80_cents=quantize_cents(result.high80[i]),
        low95_cents=quantize_cents(result.low95[i]), high95_cents=quantize_cents(result.high95[i]))
        for i in range(count))


def _limits(item: BudgetSpend, today: date) -> list[tuple[BudgetPeriod, Decimal, Decimal, int]]:
    """(period, limit, spent so far, period days from today) of each limit the budget has."""
    budget, out = item.budget, []
    if budget.monthly_limit_cents is not None:
        out.append((BudgetPeriod.MONTHLY, budget.monthly_limit_cents, item.monthly_spend_cents,
                    (month_end(today) - today).days + 1))
    if budget.daily_limit_cents is not None:
        out.append((BudgetPeriod.DAILY, budget.daily_limit_cents, item.daily_spend_cents, 1))
    return out


def build_snapshot(tenant_id: str, as_of: datetime, rows: Sequence[DailyUsage],
                   budgets: Sequence[BudgetSpend], settings: EngineSettings,
                   engines: Engines) -> tuple[ForecastSnapshot, list[EngineFailure]]:
    """The tenant's snapshot as of ``as_of`` and the forecasters that failed on the way."""
    today = utc_day(as_of)
    horizon = horizon_days(today, settings)
    remaining_today = 1.0 - (as_of - day_start(today)).total_seconds() / 86400.0
    found = histories(rows, today)
    budget_days: dict[SubjectKey, int] = {}
    for item in budgets:
        for _, _, _, days in _limits(item, today):
            key = budget_subject(item.budget)
            budget_days[key] = max(budget_days.get(key, 1), days)
    failures: list[EngineFailure] = []
    series: list[SeriesForecast] = []
    results: dict[SubjectKey, tuple[str, ForecastResult]] = {}
    for key in sorted(set(found) | set(budget_days)):
        first, values = found.get(key, (today, ()))
        budgeted = key in budget_days
        run = engines.forecast(ForecastInput(
            values=values, first_day=first, horizon=max(horizon, budget_days.get(key, 1)),
            paths=settings.forecast_paths if budgeted else 0,
            seed=subject_seed(settings, tenant_id, key)), tenant_id)
        failures.extend(run.failures)
        if run.output is None:
            continue
        name, result = run.output
        results[key] = run.output
        if key in found:
            series.append(SeriesForecast(
                tenant_id=tenant_id, subject_type=key[0], subject_id=key[1],
                method=result.method, forecaster=name, history_days=len(values),
                days=forecast_days(result, today, horizon)))
    projections: list[BudgetProjection] = []
    for item in budgets:
        key = budget_subject(item.budget)
        if key not in results:
            continue
        _, result = results[key]
        for period, limit, spent, days in _limits(item, today):
            p = project_budget(result, limit=limit, spent=spent, start_day=today,
                               period_days=days, remaining_today=remaining_today,
                               seed=subject_seed(settings, tenant_id, key))
            projections.append(BudgetProjection(
                tenant_id=tenant_id, budget_id=item.budget.id,
                budget_type=item.budget.budget_type, entity_id=item.budget.entity_id,
                period=period, period_end=today + timedelta(days=days - 1), limit_cents=limit,
                spent_cents=spent, projected_cents=quantize_cents(p.projected),
                low80_cents=quantize_cents(p.low80), high80_cents=quantize_cents(p.high80),
                low95_cents=quantize_cents(p.low95), high95_cents=quantize_cents(p.high95),
                probability_exceed=round(p.probability_exceed, 4), breach_date=p.breach_date,
                breach_date_p80=p.breach_date_p80, method=result.method))
    snapshot = ForecastSnapshot(tenant_id=tenant_id, generated_at=as_of, start_day=today,
                                horizon_days=horizon, series=tuple(series),
                                projections=tuple(projections))
    return snapshot, failures
