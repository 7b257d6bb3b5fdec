"""In-memory CostAnomalyPort: spend aggregates, breach days, drift trackers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from costsight.adapters.memory._buckets import Sums, aware
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.anomalies import (
    Breach,
    BudgetSpend,
    DailyUsage,
    DriftTracker,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.domain.costs import BudgetType, CostRecord, CostSource
from costsight.core.domain.entity_days import EntityDays, entity_days_of
from costsight.core.pricing.unpriced_days import (
    EntityDay,
    baselines_without_unpriced_days,
    without_unpriced_days,
)
from costsight.core.timeutil import day_start, month_start


def _entity_of(record: CostRecord, entity_type: EntityType) -> str | None:
    if entity_type is EntityType.TENANT:
        return record.tenant_id
    if entity_type is EntityType.USER:
        return record.user_id
    return record.feature_tag


def _counts_for(record: CostRecord, budget_type: BudgetType, entity_id: str) -> bool:
    if budget_type is BudgetType.FEATURE:
        return record.feature_tag == entity_id
    if budget_type is BudgetType.USER:
        return record.user_id == entity_id
    return True


class MemoryCostAnomaly:
    """CostAnomalyPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _costs_until(self, tenant_id: str, since: datetime, until: datetime) -> list[CostRecord]:
        return self._tx.cost_records.rows(
            lambda r: r.tenant_id == tenant_id and since <= r.created_at <= until)

    # --- set-based aggregates ---------------------------------------------------------------

    async def daily_usage(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[DailyUsage]:
        until = aware(until, "until")
        types = [EntityType(t) for t in dict.fromkeys(entity_types)]
        groups: dict[tuple[str, str, date], Sums] = {}
        for r in self._costs_until(tenant_id, day_start(first_day), until):
            day = r.created_at.date()
            for entity_type in types:
                entity_id = _entity_of(r, entity_type)
                if entity_id is not None:
                    groups.setdefault((entity_type.value, entity_id, day), Sums()).add(r)
        rows = [DailyUsage(entity_type=EntityType(et), entity_id=eid, day=day,
                           spend_cents=s.spend_cents, requests=s.requests, retries=s.retries,
                           input_tokens=s.input_tokens)
                for (et, eid, day), s in sorted(groups.items())]
        return without_unpriced_days(rows, self._unpriced_days(
            tenant_id, types, day_start(first_day), until))

    async def entity_days(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[EntityDays]:
        return entity_days_of(await self.daily_usage(tenant_id, entity_types, first_day, until))

    def _unpriced_days(self, tenant_id: str, types: Sequence[EntityType], since: datetime,
                       until: datetime) -> dict[EntityDay, Decimal]:
        """Each (entity, day) with an unpriced call -> the entity's whole spend that day."""
        records = self._costs_until(tenant_id, since, until)
        bad = {(t.value, entity_id, r.created_at.date())
               for r in records if r.cost_source is CostSource.UNPRICED
               for t in types if (entity_id := _entity_of(r, t)) is not None}
        out = dict.fromkeys(bad, Decimal(0))
        for r in records:
            for t in types:
                key = (t.value, _entity_of(r, t) or "", r.created_at.date())
                if key in out:
                    out[key] += r.cost_cents
        return out

    async def entity_usage_summaries(
            self, tenant_id: str, entity_types: Sequence[EntityType], *, baseline_first: date,
            baseline_last: date, day: date, until: datetime) -> list[EntityUsageSummary]:
        until = aware(until, "until")
        types = [EntityType(t) for t in dict.fromkeys(entity_types)]
        yesterday = day - timedelta(days=1)
        start = min(baseline_first, yesterday)
        groups: dict[tuple[str, str], _EntityUsage] = {}
        for r in self._costs_until(tenant_id, day_start(start), until):
            on = r.created_at.date()
            for entity_type in types:
                entity_id = _entity_of(r, entity_type)
                if entity_id is None:
                    continue
                # Listed even when the record falls in no window (a day between the baseline
                # and yesterday, or after ``day``): the entity had usage in the range.
                group = groups.setdefault((entity_type.value, entity_id), _EntityUsage())
                if baseline_first <= on <= baseline_last:
                    group.baseline_spend_cents += r.cost_cents
                    group.baseline_days.add(on)
                if on == day:
                    group.today.add(r)
                elif on == yesterday:
                    group.yesterday.add(r)
        summaries = [EntityUsageSummary(
                    entity_type=EntityType(entity_type), entity_id=entity_id,
                    baseline_spend_cents=g.baseline_spend_cents, baseline_days=len(g.baseline_days),
                    today_spend_cents=g.today.spend_cents, today_requests=g.today.requests,
                    today_retries=g.today.retries, today_input_tokens=g.today.input_tokens,
                    yesterday_spend_cents=g.yesterday.spend_cents,
                    yesterday_requests=g.yesterday.requests,
                    yesterday_retries=g.yesterday.retries,
                    yesterday_input_tokens=g.yesterday.input_tokens)
                for (entity_type, entity_id), g in sorted(groups.items())]
        unpriced = self._unpriced_days(tenant_id, types, day_start(baseline_first),
                                       min(until, day_start(baseline_last + timedelta(days=1))))
        return baselines_without_unpriced_days(summaries, unpriced, baseline_first,
                                               baseline_last)

    async def budget_spend(self, tenant_id: str, day: date, until: datetime) -> list[BudgetSpend]:
        until = aware(until, "until")
        budgets = sorted(self._tx.budgets.rows(lambda b: b.tenant_id == tenant_id and b.is_active),
                         key=lambda b: (b.budget_type.value, b.entity_id))
        daily_from = day_start(day)
        records = self._costs_until(tenant_id, day_start(month_start(day)), until)
        result = []
        for budget in budgets:
            mine = [r for r in records if _counts_for(r, budget.budget_type, budget.entity_id)]
            result.append(BudgetSpend(
                budget=budget,
                daily_spend_cents=sum((r.cost_cents for r in mine if r.created_at >= daily_from),
                                      Decimal(0)),
                monthly_spend_cents=sum((r.cost_cents for r in mine), Decimal(0))))
        return result

    # --- breach history ---------------------------------------------------------------------

    async def record_breaches(self, breaches: Sequence[Breach]) -> None:
        for b in breaches:
            key = (b.tenant_id, b.entity_type, b.entity_id, b.breach_type, b.breach_date)
            self._tx.breaches.put(key, b)

    async def breach_streaks(self, tenant_id: str, breach_type: str, day: date,
                             lookback_days: int = 7) -> dict[tuple[str, str], int]:
        days: dict[tuple[str, str], set[date]] = {}
        for b in self._tx.breaches.rows(
                lambda b: b.tenant_id == tenant_id and b.breach_type == breach_type):
            days.setdefault((b.entity_type, b.entity_id), set()).add(b.breach_date)
        streaks = {}
        for entity, breached in days.items():
            if day not in breached:
                continue
            length = 1
            while length <= lookback_days and day - timedelta(days=length) in breached:
                length += 1
            streaks[entity] = length
        return streaks

    # --- drift trackers ---------------------------------------------------------------------

    async def drift_trackers(self, tenant_id: str) -> list[DriftTracker]:
        rows = self._tx.drift_trackers.rows(lambda t: t.tenant_id == tenant_id)
        return sorted(rows, key=lambda t: (t.entity_type, t.entity_id))

    async def save_drift_trackers(self, trackers: Sequence[DriftTracker]) -> None:
        for t in trackers:
            self._tx.drift_trackers.put((t.tenant_id, t.entity_type, t.entity_id), t)


@dataclass
class _EntityUsage:
    baseline_spend_cents: Decimal = Decimal(0)
    baseline_days: set[date] = field(default_factory=set)
    today: Sums = field(default_factory=Sums)
    yesterday: Sums = field(default_factory=Sums)
