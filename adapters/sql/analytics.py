"""Analytics read port: zero-filled time series and breakdowns over half-open windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, literal, select, union
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.cost_filters import cost_filter_clauses, tenant_activity_statement
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import ascending_after, check_limit, page_of
from costsight.adapters.sql.tables import (
    cost_budgets,
    cost_records,
    costsim_provenance,
    worker_runs,
)
from costsight.core.domain.statistics import (
    BreakdownRow,
    CostFilter,
    Dimension,
    Resolution,
    SpendBucket,
    TenantActivity,
    TimeWindow,
    UsageBucket,
)
from costsight.core.money import micros_to_cents
from costsight.core.pagination import Page

B = TypeVar("B")

cr = cost_records.c
wr = worker_runs.c

#: The fixed map from dimension to column (worker goes through worker_runs).
DIMENSION_COLUMNS: dict[Dimension, ColumnElement[Any]] = {
    Dimension.MODEL: cr.model,
    Dimension.FEATURE: cr.feature_tag,
    Dimension.USER: cr.user_id,
    Dimension.WORKER: wr.worker_id,
    Dimension.WORKFLOW: cr.workflow_id,
    Dimension.SKILL: cr.skill_id,
    Dimension.COST_SOURCE: cr.cost_source,
}

_UNPRICED = cr.cost_source == "unpriced"
#: COUNT / SUM of the unpriced calls and their tokens, beside every spend sum.
UNPRICED_CALLS = func.sum(case((_UNPRICED, 1), else_=0))
UNPRICED_TOKENS = func.sum(case((_UNPRICED, cr.input_tokens + cr.output_tokens), else_=0))


def bucket_starts(window: TimeWindow, resolution: Resolution) -> list[datetime]:
    """Every bucket from the one containing window.start to the last starting before end."""
    start = window.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if resolution is Resolution.DAY:
        start = start.replace(hour=0)
    step = resolution.step
    out = []
    while start < window.end:
        out.append(start)
        start += step
    return out


def _fill(window: TimeWindow, resolution: Resolution, found: dict[datetime, B],
          empty: Callable[[datetime], B]) -> list[B]:
    return [found.get(ts) or empty(ts) for ts in bucket_starts(window, resolution)]


class SqlAnalytics:
    """Series and breakdowns of one tenant; each method is one statement."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def _in_window(self, created_at: ColumnElement[datetime], tenant_col: ColumnElement[str],
                   tenant_id: str, window: TimeWindow) -> ColumnElement[bool]:
        return and_(tenant_col == tenant_id, created_at >= window.start,
                    created_at < window.end)

    async def _series(self, stmt: Select[*tuple[Any, ...]]) -> list[Any]:
        return list(await self._conn.execute(stmt))

    async def cost_metrics(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                           filters: CostFilter | None = None) -> list[UsageBucket]:
        ts = self._dialect.bucket(cr.created_at, resolution)
        stmt = (select(ts.label("ts"), func.count().label("requests"),
                       func.coalesce(func.sum(cr.input_tokens + cr.output_tokens), 0))
                .where(self._in_window(cr.created_at, cr.tenant_id, tenant_id, window),
                       *cost_filter_clauses(filters))
                .group_by(ts))
        found = {r[0]: UsageBucket(ts=r[0], requests=r[1], tokens=int(r[2]))
                 for r in await self._series(stmt)}
        return _fill(window, resolution, found, lambda t: UsageBucket(ts=t))

    async def run_usage(self, tenant_id: str, window: TimeWindow,
                        resolution: Resolution) -> list[UsageBucket]:
        ts = self._dialect.bucket(wr.created_at, resolution)
        stmt = (select(ts, func.count(), func.coalesce(func.sum(wr.total_tokens), 0))
                .where(self._in_window(wr.created_at, wr.tenant_id, tenant_id, window))
                .group_by(ts))
        found = {r[0]: UsageBucket(ts=r[0], requests=r[1], tokens=int(r[2]))
                 for r in await self._series(stmt)}
        return _fill(window, resolution, found, lambda t: UsageBucket(ts=t))

    async def worker_executions(self, tenant_id: str, window: TimeWindow,
                                resolution: Resolution) -> list[UsageBucket]:
        ts = self._dialect.bucket(wr.created_at, resolution)
        stmt = (select(ts, func.count())
                .where(self._in_window(wr.created_at, wr.tenant_id, tenant_id, window),
                       wr.started_at.is_not(None))
                .group_by(ts))
        found = {r[0]: UsageBucket(ts=r[0], requests=r[1], tokens=0)
                 for r in await self._series(stmt)}
        return _fill(window, resolution, found, lambda t: UsageBucket(ts=t))

    async def cost_spend(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                         filters: CostFilter | None = None) -> list[SpendBucket]:
        ts = self._dialect.bucket(cr.created_at, resolution)
        stmt = (select(ts, func.sum(cr.cost_micros), func.count(), func.sum(cr.input_tokens),
                       func.sum(cr.output_tokens), UNPRICED_CALLS, UNPRICED_TOKENS)
                .where(self._in_window(cr.created_at, cr.tenant_id, tenant_id, window),
                       *cost_filter_clauses(filters))
                .group_by(ts))
        found = {r[0]: SpendBucket(ts=r[0], spend_cents=micros_to_cents(r[1]), requests=r[2],
                                   input_tokens=int(r[3] or 0), output_tokens=int(r[4] or 0),
                                   unpriced_calls=int(r[5] or 0), unpriced_tokens=int(r[6] or 0))
                 for r in await self._series(stmt)}
        return _fill(window, resolution, found, lambda t: SpendBucket(ts=t))

    def _labelled(self, dimension: Dimension) -> tuple[ColumnElement[str], Any]:
        """The dimension's label expression (nulls named) and the FROM clause it needs."""
        dimension = Dimension(dimension)
        column = DIMENSION_COLUMNS[dimension]
        source: Any = cost_records
        if dimension is Dimension.WORKER:
            source = cost_records.outerjoin(
                worker_runs, and_(wr.id == cr.worker_run_id, wr.tenant_id == cr.tenant_id))
        return func.coalesce(column, literal(dimension.null_label)), source

    async def cost_breakdown(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                             filters: CostFilter | None = None) -> list[BreakdownRow]:
        label, source = self._labelled(dimension)
        stmt = (select(label, func.sum(cr.cost_micros), func.count(), func.sum(cr.input_tokens),
                       func.sum(cr.output_tokens), UNPRICED_CALLS, UNPRICED_TOKENS)
                .select_from(source)
                .where(self._in_window(cr.created_at, cr.tenant_id, tenant_id, window),
                       *cost_filter_clauses(filters))
                .group_by(label))
        rows = [BreakdownRow(key=r[0], spend_cents=micros_to_cents(r[1]), requests=r[2],
                             input_tokens=int(r[3] or 0), output_tokens=int(r[4] or 0),
                             unpriced_calls=int(r[5] or 0), unpriced_tokens=int(r[6] or 0))
                for r in await self._conn.execute(stmt)]
        rows.sort(key=lambda b: (-b.spend_cents, b.key))
        return rows

    async def dimension_values(self, tenant_id: str, dimension: Dimension,
                               window: TimeWindow | None, limit: int,
                               cursor: str | None) -> Page[str]:
        check_limit(limit)
        label, source = self._labelled(dimension)
        inner = select(label.label("value")).select_from(source).where(cr.tenant_id == tenant_id)
        if window is not None:
            inner = inner.where(cr.created_at >= window.start, cr.created_at < window.end)
        values_q = inner.distinct().subquery("dimension_values")
        key = self._dialect.text_key(values_q.c.value)
        stmt = select(values_q.c.value)
        after = ascending_after(cursor, key)
        if after is not None:
            stmt = stmt.where(after)
        stmt = stmt.order_by(key).limit(limit + 1)
        values = [r[0] for r in await self._conn.execute(stmt)]
        return page_of(values, limit, lambda v: (v,))

    async def known_tenants(self) -> list[str]:
        stmt = union(*(select(t.c.tenant_id) for t in
                       (cost_records, worker_runs, cost_budgets, costsim_provenance)))
        return sorted(r[0] for r in await self._conn.execute(stmt))


    async def tenant_activity(self) -> list[TenantActivity]:
        return [TenantActivity(tenant_id=r[0], first_seen=r[1], last_seen=r[2])
                for r in await self._conn.execute(tenant_activity_statement())]
