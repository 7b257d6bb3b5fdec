"""SQL CostAnomalyPort: set-based spend aggregates, breach days, drift trackers.

Per-day usage: ``daily_usage.py``; per-entity summaries: ``usage_summaries.py``. Spend is read through ``rollup_source`` (whole days and hours from the rollups, raw rows only
at the as-of edge); the (rare) days with unpriced calls are found on raw rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.daily_usage import daily_usage, entity_days
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import (
    ENTITY_COLUMNS,
    ENTITY_PLANS,
    INSTANT,
    joined,
    money,
    spend_rows,
)
from costsight.adapters.sql.rows import budget_from_row
from costsight.adapters.sql.tables import cost_breach_history, cost_budgets, cost_drift_tracking
from costsight.adapters.sql.unpriced_days import unpriced_entity_days
from costsight.adapters.sql.usage_summaries import entity_usage_summaries
from costsight.core.domain.anomalies import Breach as BreachDay
from costsight.core.domain.anomalies import (
    BudgetSpend,
    DailyUsage,
    DriftTracker,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.domain.costs import BudgetType
from costsight.core.domain.entity_days import EntityDays
from costsight.core.ids import BREACH, DRIFT, new_id
from costsight.core.money import cents_to_micros, micros_to_cents
from costsight.core.pricing.unpriced_days import baselines_without_unpriced_days
from costsight.core.timeutil import day_start, month_start

bh = cost_breach_history.c
dt = cost_drift_tracking.c


def _cents(high: Any, low: Any) -> Decimal:
    return micros_to_cents(joined(high, low))


class SqlCostAnomaly:
    """Every read is one statement whatever the number of users, features or budgets."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def daily_usage(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[DailyUsage]:
        return await daily_usage(self._conn, self._dialect, tenant_id, entity_types, first_day,
                                 until)

    async def entity_days(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[EntityDays]:
        return await entity_days(self._conn, self._dialect, tenant_id, entity_types, first_day,
                                 until)

    async def entity_usage_summaries(
            self, tenant_id: str, entity_types: Sequence[EntityType], *, baseline_first: date,
            baseline_last: date, day: date, until: datetime) -> list[EntityUsageSummary]:
        summaries, has_unpriced = await entity_usage_summaries(
            self._conn, self._dialect, tenant_id, entity_types, baseline_first=baseline_first,
            baseline_last=baseline_last, day=day, until=until)
        if not has_unpriced:  # the common case: one statement
            return summaries
        kinds = list(dict.fromkeys(EntityType(e) for e in entity_types))
        unpriced = await unpriced_entity_days(self._conn, self._dialect, tenant_id, kinds,
                                              baseline_first, min(until, day_start(
                                                  baseline_last + timedelta(days=1))))
        return baselines_without_unpriced_days(summaries, unpriced, baseline_first,
                                               baseline_last)

    async def budget_spend(self, tenant_id: str, day: date, until: datetime) -> list[BudgetSpend]:
        b = cost_budgets.c
        today, month = day_start(day), day_start(month_start(day))
        # Spend per budgeted entity first, then one equality join: joining budgets to records
        # on "type matches and entity matches" would compare every budget with every record.
        # Every user and feature, not only budgeted ones: an IN (budgeted ids) semi-join turns
        # into budgets x records comparisons when statistics are stale (a fresh load).
        parts: list[Select[Any]] = []
        for kind, of in ((BudgetType.TENANT, EntityType.TENANT), (BudgetType.USER, EntityType.USER),
                         (BudgetType.FEATURE, EntityType.FEATURE)):
            # windows from midnight UTC (the month, today): raw rows per day
            s = spend_rows(tenant_id, month, until + INSTANT, ENTITY_PLANS[of], raw_days=True)
            sums = [*(m.label(n) for m, n in zip(money(s, s.c.ts >= today),
                                                 ("daily_hi", "daily_lo"), strict=True)),
                    *(m.label(n) for m, n in zip(money(s), ("monthly_hi", "monthly_lo"),
                                                 strict=True))]
            if of is EntityType.TENANT:
                parts.append(select(literal(kind.value).label("kind"),
                                    literal("").label("entity_id"), *sums))
            else:
                column = s.c[ENTITY_COLUMNS[of]]
                parts.append(select(literal(kind.value), column, *sums)
                             .where(column.is_not(None)).group_by(column))
        # MATERIALIZED: computed once. Without it a planner misled by stale statistics (a freshly
        # loaded table) re-runs the aggregate for every budget of a nested loop.
        spend = union_all(*parts).cte("spend").prefix_with("MATERIALIZED")
        # Tenant budgets have entity_id "" (the domain enforces it); match on it regardless.
        entity = case((b.budget_type == BudgetType.TENANT.value, ""), else_=b.entity_id)
        stmt = (select(cost_budgets, spend.c.daily_hi, spend.c.daily_lo, spend.c.monthly_hi,
                       spend.c.monthly_lo)
                .select_from(cost_budgets.outerjoin(spend, and_(
                    spend.c.kind == b.budget_type, spend.c.entity_id == entity)))
                .where(b.tenant_id == tenant_id, b.is_active))
        out = [BudgetSpend(budget=budget_from_row(r),
                           daily_spend_cents=_cents(r.daily_hi, r.daily_lo),
                           monthly_spend_cents=_cents(r.monthly_hi, r.monthly_lo))
               for r in await self._conn.execute(stmt)]
        out.sort(key=lambda s: (s.budget.budget_type.value, s.budget.entity_id))
        return out

    async def record_breaches(self, breaches: Sequence[BreachDay]) -> None:
        latest: dict[tuple[Any, ...], BreachDay] = {}
        for x in breaches:  # a repeated key in one batch: the last one wins, as sequential upserts
            latest[(x.tenant_id, x.entity_type, x.entity_id, x.breach_type, x.breach_date)] = x
        if not latest:
            return
        stmt = self._dialect.insert(cost_breach_history)
        stmt = stmt.on_conflict_do_update(
            index_elements=[bh.tenant_id, bh.entity_type, bh.entity_id, bh.breach_type,
                            bh.breach_date],
            set_={c: stmt.excluded[c] for c in ("deviation_pct", "current_value_micros",
                                                "baseline_value_micros")},
        )
        await self._conn.execute(stmt, [{
            "id": new_id(BREACH), "tenant_id": x.tenant_id, "entity_type": x.entity_type,
            "entity_id": x.entity_id, "breach_type": x.breach_type, "breach_date": x.breach_date,
            "deviation_pct": x.deviation_pct,
            "current_value_micros": cents_to_micros(x.current_value_cents),
            "baseline_value_micros": cents_to_micros(x.baseline_value_cents),
        } for x in latest.values()])

    async def breach_streaks(self, tenant_id: str, breach_type: str, day: date,
                             lookback_days: int = 7) -> dict[tuple[str, str], int]:
        first = day - timedelta(days=max(lookback_days, 0))
        stmt = select(bh.entity_type, bh.entity_id, bh.breach_date).where(
            bh.tenant_id == tenant_id, bh.breach_type == breach_type,
            bh.breach_date >= first, bh.breach_date <= day)
        days: dict[tuple[str, str], set[date]] = defaultdict(set)
        for entity_type, entity_id, breach_date in await self._conn.execute(stmt):
            days[(entity_type, entity_id)].add(breach_date)
        streaks: dict[tuple[str, str], int] = {}
        for key, seen in days.items():
            if day not in seen:
                continue
            length = 1
            while day - timedelta(days=length) in seen:
                length += 1
            streaks[key] = length
        return streaks

    async def drift_trackers(self, tenant_id: str) -> list[DriftTracker]:
        stmt = (select(cost_drift_tracking).where(dt.tenant_id == tenant_id)
                .order_by(self._dialect.text_key(dt.entity_type),
                          self._dialect.text_key(dt.entity_id)))
        return [DriftTracker(
            tenant_id=r.tenant_id, entity_type=r.entity_type, entity_id=r.entity_id,
            rolling_avg_cents=micros_to_cents(r.rolling_avg_micros),
            baseline_avg_cents=micros_to_cents(r.baseline_avg_micros), drift_pct=r.drift_pct,
            drift_days_count=r.drift_days_count, first_drift_date=r.first_drift_date,
            last_check_date=r.last_check_date, is_active=bool(r.is_active),
        ) for r in await self._conn.execute(stmt)]

    async def save_drift_trackers(self, trackers: Sequence[DriftTracker]) -> None:
        latest = {(t.tenant_id, t.entity_type, t.entity_id): t for t in trackers}
        if not latest:
            return
        stmt = self._dialect.insert(cost_drift_tracking)
        overwritten = ("rolling_avg_micros", "baseline_avg_micros", "drift_pct",
                       "drift_days_count", "first_drift_date", "last_check_date", "is_active")
        stmt = stmt.on_conflict_do_update(
            index_elements=[dt.tenant_id, dt.entity_type, dt.entity_id],
            set_={c: stmt.excluded[c] for c in overwritten},
        )
        await self._conn.execute(stmt, [{
            "id": new_id(DRIFT), "tenant_id": t.tenant_id, "entity_type": t.entity_type,
            "entity_id": t.entity_id,
            "rolling_avg_micros": cents_to_micros(t.rolling_avg_cents),
            "baseline_avg_micros": cents_to_micros(t.baseline_avg_cents),
            "drift_pct": t.drift_pct, "drift_days_count": t.drift_days_count,
            "first_drift_date": t.first_drift_date, "last_check_date": t.last_check_date,
            "is_active": t.is_active,
        } for t in latest.values()])
