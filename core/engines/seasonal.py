"""Weekly seasonality for the spike and drift baselines.

Once the tenant has ``seasonal_min_history_days`` (21) of history and ``seasonal_baselines``
is on (the default):
- spike: an entity's baseline is its average over the SAME WEEKDAY in the last
  ``seasonal_weeks`` weeks (days 7, 14, 21, 28 ago) that have records, so a busy Monday is
  compared with earlier Mondays, not with the weekend; an entity with no records on that
  weekday keeps the flat baseline;
- drift: the baseline is trimmed to whole weeks ending ``drift_baseline_last_offset_days``
  ago and starting no earlier than the tenant's first day, and averaged over its CALENDAR
  days, as the rolling window (7 days, today counting as one) is; each weekday then weighs
  the same in both, and quiet days without records do not inflate the baseline.
With shorter history, or the option off, the flat baselines of the detectors apply unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from costsight.core.domain.anomalies import DailyUsage, EntityType
from costsight.core.engines.contexts import AnomalyContext
from costsight.core.engines.usage_index import weekday_days as same_weekdays
from costsight.core.settings import EngineSettings

TENANT = EntityType.TENANT.value

WEEKDAY = "weekday"
FLAT = "flat"


def first_day(context: AnomalyContext) -> date | None:
    """The tenant's first day with records in the history the context holds."""
    days = context.usage(TENANT, context.tenant_id)
    return min(days) if days else None


def seasonal(context: AnomalyContext) -> bool:
    """Whether the day-of-week baselines apply to this context (the cycle decided)."""
    return context.seasonal


def applies(settings: EngineSettings, today: date, tenant_days: Iterable[date]) -> bool:
    """The cycle's decision: the option is on and the tenant's first day with records (among
    those given) is at least ``seasonal_min_history_days`` before today."""
    first = min(tenant_days, default=None)
    return settings.seasonal_baselines and first is not None and (
        (today - first).days >= settings.seasonal_min_history_days)


def same_weekday(rows: Iterable[DailyUsage], today: date,
                 settings: EngineSettings) -> tuple[DailyUsage, ...]:
    """The rows on the days of ``weekday_days`` (the cycle's ``weekday_usage``)."""
    days = set(weekday_days(today, settings))
    return tuple(row for row in rows if row.day in days)


def weekday_days(today: date, settings: EngineSettings) -> list[date]:
    """The same weekday in each of the last ``seasonal_weeks`` weeks, oldest first."""
    return same_weekdays(today, settings.seasonal_weeks)


def history_days(settings: EngineSettings) -> int:
    """How far back the per-day usage a seasonal pass reads must reach."""
    return max(7 * settings.seasonal_weeks, settings.seasonal_min_history_days)


def drift_baseline(context: AnomalyContext) -> tuple[date, date, int]:
    """(first, last, divisor) of the drift baseline: whole weeks, calendar-day mean."""
    s, today = context.settings, context.today
    last = today - timedelta(days=s.drift_baseline_last_offset_days)
    first = today - timedelta(days=s.drift_baseline_first_offset_days)
    known = first_day(context)
    if known is not None and known > first:
        first = known
    weeks = ((last - first).days + 1) // 7
    return last - timedelta(days=7 * weeks - 1), last, 7 * weeks
