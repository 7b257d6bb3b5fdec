"""The inputs engines receive: plain data fetched by the services through the ports.

"Today" is the UTC calendar day of ``as_of``; every collection was read with ``created_at <=
as_of``, so an engine run as of a past instant sees what that instant saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType

from core.domain.anomalies import BudgetSpend, DailyUsage, DerivedCause, DriftTracker, EntityType
from core.domain.costs import WorkerRun
from core.domain.patterns import PatternFeedback
from core.domain.predictions import WorkerRunTotals
from core.engines.protocols import CauseDeriver
from core.settings import EngineSettings
from core.timeutil import require_aware, utc_day

#: (entity_type, entity_id) of a tenant, user or feature.
EntityKey = tuple[str, str]

_EMPTY_USAGE: Mapping[date, DailyUsage] = MappingProxyType({})


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

    ``today_features`` are today's per-feature rows of the whole tenant (tagged spend only),
    for concentration signals; ``entity_type`` is ``tenant``, ``user`` or ``feature``.
    """

    tenant_id: str
    entity_type: str
    entity_id: str
    today: DailyUsage | None
    yesterday: DailyUsage | None
    today_features: tuple[DailyUsage, ...]
    settings: EngineSettings


@dataclass(frozen=True)
class AnomalyContext(_Context):
    """Input of anomaly detectors.

    ``daily_usage``: per-entity daily rows (tenant, user, feature) from the first day any
    detector needs up to today so far. ``budget_spend``: every active budget with its spend.
    ``prior_streaks``: for each entity breached YESTERDAY, the length of its breach streak
    ending yesterday (today's breach, if any, extends it by one). ``drift_trackers``: every
    stored tracker of the tenant. ``cause_derivers``: registered derivers, in order.
    """

    daily_usage: tuple[DailyUsage, ...] = ()
    budget_spend: tuple[BudgetSpend, ...] = ()
    prior_streaks: Mapping[EntityKey, int] = field(default_factory=dict)
    drift_trackers: tuple[DriftTracker, ...] = ()
    cause_derivers: tuple[CauseDeriver, ...] = ()

    @cached_property
    def _usage_index(self) -> dict[EntityKey, dict[date, DailyUsage]]:
        index: dict[EntityKey, dict[date, DailyUsage]] = {}
        for row in self.daily_usage:
            index.setdefault((row.entity_type.value, row.entity_id), {})[row.day] = row
        return index

    def entities(self, entity_type: EntityType | str) -> list[str]:
        """Ids of every entity of that type with usage in the context, ascending."""
        kind = EntityType(entity_type).value
        return sorted(eid for etype, eid in self._usage_index if etype == kind)

    def usage(self, entity_type: EntityType | str, entity_id: str) -> Mapping[date, DailyUsage]:
        """Day -> usage of one entity (only days with records)."""
        found = self._usage_index.get((EntityType(entity_type).value, entity_id))
        return MappingProxyType(found) if found is not None else _EMPTY_USAGE

    def spend_on(self, entity_type: EntityType | str, entity_id: str, day: date) -> Decimal:
        row = self.usage(entity_type, entity_id).get(day)
        return row.spend_cents if row is not None else Decimal(0)

    def window(self, entity_type: EntityType | str, entity_id: str, first: date,
               last: date) -> tuple[Decimal, int]:
        """(total spend, active days) of an entity over ``[first, last]``, both inclusive."""
        total, days = Decimal(0), 0
        for day, row in self.usage(entity_type, entity_id).items():
            if first <= day <= last:
                total += row.spend_cents
                days += 1
        return total, days

    @cached_property
    def _today_features(self) -> tuple[DailyUsage, ...]:
        today = self.today
        return tuple(row for row in sorted(self.daily_usage, key=lambda r: r.entity_id)
                     if row.entity_type is EntityType.FEATURE and row.day == today)

    def cause_evidence(self, entity_type: str, entity_id: str) -> CauseEvidence:
        """The evidence cause derivers see for one entity (any type; unknown types have none)."""
        usage = self.usage(entity_type, entity_id) if entity_type in _ENTITY_TYPES else {}
        return CauseEvidence(
            tenant_id=self.tenant_id, entity_type=entity_type, entity_id=entity_id,
            today=usage.get(self.today), yesterday=usage.get(self.yesterday),
            today_features=self._today_features, settings=self.settings)

    def derive_cause(self, entity_type: str, entity_id: str) -> str:
        """The first cause a deriver returns, in deriver order; ``UNKNOWN`` if none does."""
        return derive_cause(self.cause_derivers, self.cause_evidence(entity_type, entity_id))


_ENTITY_TYPES = frozenset(e.value for e in EntityType)


def derive_cause(derivers: tuple[CauseDeriver, ...], evidence: CauseEvidence) -> str:
    """Run derivers in the given order; the first non-None answer wins, else ``UNKNOWN``."""
    for deriver in derivers:
        cause = deriver.derive(evidence)
        if cause:
            return cause
    return DerivedCause.UNKNOWN.value


@dataclass(frozen=True)
class PredictionContext(_Context):
    """Input of predictors, over the lookback window ``[as_of - lookback, as_of]``.

    ``run_totals``: exact run and failure counts per worker. ``failed_runs``: the newest
    failed runs of each worker (for error samples). ``cost_runs``: the newest completed runs
    with a cost of each worker. ``failure_patterns``: failure-pattern feedback seen recently.
    """

    run_totals: tuple[WorkerRunTotals, ...] = ()
    failed_runs: tuple[WorkerRun, ...] = ()
    cost_runs: tuple[WorkerRun, ...] = ()
    failure_patterns: tuple[PatternFeedback, ...] = ()


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
