"""The inputs engines receive: plain data fetched by the services through the ports.

"Today" is the UTC calendar day of ``as_of``; every collection was read with ``created_at <=
as_of``, so an engine run as of a past instant sees what that instant saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Required, TypedDict

from costsight.core.domain.anomalies import (
    BudgetSpend,
    DailyUsage,
    DriftTracker,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.domain.costs import WorkerRun
from costsight.core.domain.drivers import AnomalyDrivers
from costsight.core.domain.entity_days import EntityDays
from costsight.core.domain.forecasts import BudgetProjection
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import WorkerRunTotals
from costsight.core.engines.usage_index import EntityKey, UsageIndex, weekday_days
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import require_aware, utc_day


@dataclass(frozen=True)
class _Context:
    tenant_id: str
    as_of: datetime
    settings: EngineSettings

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", require_aware(self.as_of))

    @property
    def today(self) -> date:
        return utc_day(self.as_of)

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)


@dataclass(frozen=True)
class CauseEvidence:
    """What a cause deriver compares: one entity's usage today so far and all of yesterday.

    ``today_features`` are today's per-feature rows of the whole tenant (tagged spend only,
    ascending by feature), for concentration signals; ``entity_type`` is ``tenant``, ``user``
    or ``feature``. ``drivers``: the anomaly's root-cause drivers when the cycle read them
    (None for engines run without storage); causes derived from them take precedence.
    """

    tenant_id: str
    entity_type: str
    entity_id: str
    today: DailyUsage | None
    yesterday: DailyUsage | None
    today_features: tuple[DailyUsage, ...]
    settings: EngineSettings
    drivers: AnomalyDrivers | None = None


@dataclass(frozen=True)
class AnomalyContext(_Context):
    """Input of anomaly detectors.

    ``usage_summaries``: one row per entity (tenant, users, features) with usage since the
    baseline window began: its baseline over ``baseline_window`` and its usage yesterday and
    today so far (the spike detector's and the cause derivers' input). ``daily_usage``:
    per-day rows over the longest history a detector needs; the cycle reads them for the
    TENANT (sustained drift). ``entity_days``: the same per-day usage as columns per entity
    (no row objects); when ``seasonal`` the cycle puts every user's and feature's days of the
    ``seasonal_weeks`` weeks before today there (the spike's noise gate; their today is in
    ``usage_summaries``). ``usage``, ``day_spends``, ``window`` and ``spend_on`` of other days
    answer from both. ``budget_spend``: every active budget with its spend.
    ``prior_streaks``: for each entity breached YESTERDAY, the length of its breach streak
    ending yesterday (today's breach, if any, extends it by one). ``drift_trackers``: every
    stored tracker of the tenant.

    ``seasonal``: the cycle found the day-of-week baselines apply (``core/engines/seasonal.py``:
    the option is on and the tenant has enough history); ``weekday_usage`` then holds per-day
    rows on today's weekday in earlier weeks (the cycle: the tenant's), and ``weekday_rows`` /
    ``weekday_spends`` answer them together with ``entity_days`` on those days (the spike's
    seasonal baseline). They default to off / empty, so contexts built without them use the
    flat baselines.

    Data only: cause derivers are not here. The engines facade derives the causes of spike
    and drift anomalies after the detectors ran, from ``cause_evidence``.
    """

    daily_usage: tuple[DailyUsage, ...] = ()
    usage_summaries: tuple[EntityUsageSummary, ...] = ()
    budget_spend: tuple[BudgetSpend, ...] = ()
    prior_streaks: Mapping[EntityKey, int] = field(default_factory=dict)
    drift_trackers: tuple[DriftTracker, ...] = ()
    seasonal: bool = False
    weekday_usage: tuple[DailyUsage, ...] = ()
    entity_days: tuple[EntityDays, ...] = ()

    @cached_property
    def _weekday_index(self) -> UsageIndex:
        return UsageIndex(self.weekday_usage, self.entity_days,
                          weekday_days(self.today, self.settings.seasonal_weeks))

    def weekday_rows(self, entity_type: EntityType | str,
                     entity_id: str) -> Mapping[date, DailyUsage]:
        """Day -> usage of one entity on today's weekday of earlier weeks (only days with
        records): ``weekday_usage``, and ``entity_days`` on those days."""
        return self._weekday_index.rows((EntityType(entity_type).value, entity_id))

    def weekday_spends(self, entity_type: EntityType | str, entity_id: str) -> dict[date, Decimal]:
        """``weekday_rows``' spend per day, without building rows."""
        return self._weekday_index.spends((EntityType(entity_type).value, entity_id))

    @property
    def baseline_window(self) -> tuple[date, date]:
        """First and last day of the spike baseline the summaries hold (both inclusive)."""
        return baseline_window(self.today, self.settings)

    @cached_property
    def _summaries_by_type(self) -> dict[str, tuple[EntityUsageSummary, ...]]:
        grouped: dict[str, list[EntityUsageSummary]] = {}
        for row in self.usage_summaries:
            grouped.setdefault(row.entity_type.value, []).append(row)
        return {kind: tuple(sorted(rows, key=lambda r: r.entity_id))
                for kind, rows in grouped.items()}

    @cached_property
    def _summary_index(self) -> dict[EntityKey, EntityUsageSummary]:
        return {(row.entity_type.value, row.entity_id): row for row in self.usage_summaries}

    def summaries(self, entity_type: EntityType | str) -> tuple[EntityUsageSummary, ...]:
        """The summaries of every entity of that type, ascending by id."""
        return self._summaries_by_type.get(EntityType(entity_type).value, ())

    def summary(self, entity_type: EntityType | str,
                entity_id: str) -> EntityUsageSummary | None:
        """One entity's summary, None when it had no usage since the baseline began."""
        return self._summary_index.get((EntityType(entity_type).value, entity_id))

    def entities(self, entity_type: EntityType | str) -> list[str]:
        """Ids of every entity of that type with a usage summary, ascending."""
        return [row.entity_id for row in self.summaries(entity_type)]

    @cached_property
    def _usage_index(self) -> UsageIndex:
        return UsageIndex(self.daily_usage, self.entity_days)

    def usage(self, entity_type: EntityType | str, entity_id: str) -> Mapping[date, DailyUsage]:
        """Day -> usage of one entity from ``daily_usage`` and ``entity_days`` (only days with
        records)."""
        return self._usage_index.rows((EntityType(entity_type).value, entity_id))

    def day_spends(self, entity_type: EntityType | str, entity_id: str) -> dict[date, Decimal]:
        """``usage``' spend per day, without building rows."""
        return self._usage_index.spends((EntityType(entity_type).value, entity_id))

    def spend_on(self, entity_type: EntityType | str, entity_id: str, day: date) -> Decimal:
        """Spend of an entity on a day: today and yesterday from its summary (any entity),
        other days from ``daily_usage``."""
        if day == self.today or day == self.yesterday:
            found = self.summary(entity_type, entity_id)
            if found is not None:
                return (found.today_spend_cents if day == self.today
                        else found.yesterday_spend_cents)
        row = self.usage(entity_type, entity_id).get(day)
        return row.spend_cents if row is not None else Decimal(0)

    def window(self, entity_type: EntityType | str, entity_id: str, first: date,
               last: date) -> tuple[Decimal, int]:
        """(total spend, active days) over ``[first, last]`` (both inclusive), from
        ``daily_usage``."""
        total, days = Decimal(0), 0
        for day, row in self.usage(entity_type, entity_id).items():
            if first <= day <= last:
                total += row.spend_cents
                days += 1
        return total, days

    def _day_usage(self, entity_type: str, entity_id: str, day: date) -> DailyUsage | None:
        found = self.summary(entity_type, entity_id)
        if found is None:
            return self.usage(entity_type, entity_id).get(day)
        return day_usage(found, day, yesterday=day != self.today)

    @cached_property
    def _today_features(self) -> tuple[DailyUsage, ...]:
        today = self.today
        return tuple(usage for usage in (day_usage(row, today, yesterday=False)
                                         for row in self.summaries(EntityType.FEATURE))
                     if usage is not None)

    def cause_evidence(self, entity_type: str, entity_id: str,
                       drivers: AnomalyDrivers | None = None) -> CauseEvidence:
        """The evidence cause derivers see for one entity (any type; unknown types have none),
        with the anomaly's drivers when known."""
        known = entity_type in _ENTITY_TYPES
        return CauseEvidence(
            tenant_id=self.tenant_id, entity_type=entity_type, entity_id=entity_id,
            today=self._day_usage(entity_type, entity_id, self.today) if known else None,
            yesterday=(self._day_usage(entity_type, entity_id, self.yesterday) if known
                       else None),
            today_features=self._today_features, settings=self.settings, drivers=drivers)


def baseline_window(today: date, settings: EngineSettings) -> tuple[date, date]:
    """The spike baseline's days: [today - spike_lookback_days, today -
    spike_baseline_end_offset_days]."""
    return (today - timedelta(days=settings.spike_lookback_days),
            today - timedelta(days=settings.spike_baseline_end_offset_days))


def day_usage(summary: EntityUsageSummary, day: date, *, yesterday: bool) -> DailyUsage | None:
    """The summary's today (or yesterday) as the per-day row of ``day``; None without records."""
    if yesterday:
        spend, requests, retries, tokens = (
            summary.yesterday_spend_cents, summary.yesterday_requests,
            summary.yesterday_retries, summary.yesterday_input_tokens)
    else:
        spend, requests, retries, tokens = (
            summary.today_spend_cents, summary.today_requests,
            summary.today_retries, summary.today_input_tokens)
    if not requests:
        return None
    return DailyUsage(
        entity_type=summary.entity_type, entity_id=summary.entity_id, day=day,
        spend_cents=spend, requests=requests, retries=retries, input_tokens=tokens)


class _SummaryFields(TypedDict, total=False):
    """``EntityUsageSummary``'s fields after the entity; an absent day keeps its zeros."""

    baseline_spend_cents: Required[Decimal]
    baseline_days: Required[int]
    today_spend_cents: Decimal
    today_requests: int
    today_retries: int
    today_input_tokens: int
    yesterday_spend_cents: Decimal
    yesterday_requests: int
    yesterday_retries: int
    yesterday_input_tokens: int


def summarize(rows: Iterable[DailyUsage], today: date,
              settings: EngineSettings) -> tuple[EntityUsageSummary, ...]:
    """The summaries ``CostAnomalyPort.entity_usage_summaries`` returns, from per-day rows.

    For engines fed per-day data (tests, replays): one summary per entity with a row from
    min(baseline first day, yesterday) to today, ordered by (entity_type, entity_id).
    """
    first, last = baseline_window(today, settings)
    yesterday = today - timedelta(days=1)
    start = min(first, yesterday)
    fields: dict[EntityKey, _SummaryFields] = {}
    for row in rows:
        if not start <= row.day <= today:
            continue
        entry = fields.setdefault((row.entity_type.value, row.entity_id), {
            "baseline_spend_cents": Decimal(0), "baseline_days": 0})
        if first <= row.day <= last:
            entry["baseline_spend_cents"] += row.spend_cents
            entry["baseline_days"] += 1
        if row.day == today:
            entry.update({"today_spend_cents": row.spend_cents, "today_requests": row.requests,
                          "today_retries": row.retries, "today_input_tokens": row.input_tokens})
        if row.day == yesterday:
            entry.update({"yesterday_spend_cents": row.spend_cents,
                          "yesterday_requests": row.requests, "yesterday_retries": row.retries,
                          "yesterday_input_tokens": row.input_tokens})
    return tuple(EntityUsageSummary(entity_type=EntityType(kind), entity_id=eid, **values)
                 for (kind, eid), values in sorted(fields.items()))


_ENTITY_TYPES = frozenset(e.value for e in EntityType)


@dataclass(frozen=True)
class PredictionContext(_Context):
    """Input of predictors, over the lookback window ``[as_of - lookback, as_of]``.

    ``run_totals``: exact run and failure counts per worker. ``failed_runs``: the newest
    failed runs of each worker (for error samples). ``cost_runs``: the newest completed runs
    with a cost of each worker. ``failure_patterns``: failure-pattern feedback seen recently.
    ``budget_projections``: the tenant's budget projections from its forecast snapshot of
    today (UTC), made at or before ``as_of``; empty when there is none.
    """

    run_totals: tuple[WorkerRunTotals, ...] = ()
    failed_runs: tuple[WorkerRun, ...] = ()
    cost_runs: tuple[WorkerRun, ...] = ()
    failure_patterns: tuple[PatternFeedback, ...] = ()
    budget_projections: tuple[BudgetProjection, ...] = ()


@dataclass(frozen=True)
class PatternContext(_Context):
    """Input of pattern detectors.

    ``failed_runs``: failed runs with an error in the failure-pattern window. ``cost_runs``:
    the newest completed runs with a cost of every worker, over the cost-spike lookback.
    """

    failed_runs: tuple[WorkerRun, ...] = ()
    cost_runs: tuple[WorkerRun, ...] = ()


def runs_by_worker(runs: tuple[WorkerRun, ...]) -> dict[str, list[WorkerRun]]:
    """Runs grouped by worker (workers ascending), each newest first (ties by id desc)."""
    grouped: dict[str, list[WorkerRun]] = {}
    for run in runs:
        grouped.setdefault(run.worker_id, []).append(run)
    return {worker: sorted(items, key=lambda r: (r.created_at, r.id), reverse=True)
            for worker, items in sorted(grouped.items())}
