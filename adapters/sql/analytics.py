"""Analytics read port: zero-filled time series and breakdowns over half-open windows.

Spend reads come from the rollups wherever a grain holds what they group and filter by
(``rollup_source``); filter combinations no grain keeps aggregate raw ``cost_records`` rows, and
run and execution counts read ``worker_runs``. The reads served by rollups keep their statement
per window shape (``statement_cache``) and bind each question's tenant and bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, FromClause

from costsight.adapters.sql.bucket_width import Width
from costsight.adapters.sql.cost_filters import cost_filter_clauses
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import ascending_after, check_limit, page_of
from costsight.adapters.sql.rollup_source import (
    Spend,
    bound_select,
    joined,
    money,
    plan,
    spend_of,
    spend_rows,
    total,
)
from costsight.adapters.sql.rollup_source import label as rollup_label
from costsight.adapters.sql.rollup_tables import cost_rollup_daily
from costsight.adapters.sql.statement_cache import STATEMENTS
from costsight.adapters.sql.tables import (
    cost_budgets,
    cost_records,
    costsim_provenance,
    worker_runs,
)
from costsight.adapters.sql.tenant_activity import activity_of, tenant_activity_statement
from costsight.adapters.sql.top_breakdown import top_statement
from costsight.core.domain.statistics import (
    BreakdownRow,
    CostFilter,
    Dimension,
    Resolution,
    SpendBucket,
    SpendOverview,
    TenantActivity,
    TimeWindow,
    TopBreakdown,
    UsageBucket,
    top_of,
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


def _spend_sums(s: FromClause) -> list[ColumnElement[Any]]:
    """cost (two halves), calls, tokens, unpriced calls and tokens of spend rows."""
    return [*money(s), total(s, "calls"), total(s, "input_tokens"), total(s, "output_tokens"),
            total(s, "unpriced_calls"), total(s, "unpriced_tokens")]


def _spend_fields(r: Sequence[Any]) -> dict[str, Any]:
    return {"spend_cents": micros_to_cents(joined(r[0], r[1])), "requests": int(r[2]),
            "input_tokens": int(r[3] or 0), "output_tokens": int(r[4] or 0),
            "unpriced_calls": int(r[5] or 0), "unpriced_tokens": int(r[6] or 0)}


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

    async def _from_rollups(self, key: tuple[Any, ...], spend: Spend, filters: CostFilter | None,
                            build: Callable[[Select[Any] | CompoundSelect[Any]], Any]
                            ) -> list[Any]:
        """Run ``build(spend rows)``, a statement kept per ``key`` and spend shape (the key names
        every other input of ``build``), with ``spend``'s values bound."""
        stmt = STATEMENTS.get((*key, self._dialect.name, spend.shape, filters),
                              lambda: build(bound_select(spend, filters, named=True)))
        return list(await self._conn.execute(stmt, spend.params()))

    async def cost_metrics(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                           filters: CostFilter | None = None) -> list[UsageBucket]:
        chosen = plan((), filters, buckets=Width(resolution))
        if chosen is not None:
            def metrics(rows: Select[Any] | CompoundSelect[Any]) -> Any:
                s = rows.subquery("spend")
                ts = self._dialect.bucket(s.c.ts, resolution)
                return (select(ts, total(s, "calls"),
                               func.sum(s.c.input_tokens + s.c.output_tokens)).group_by(ts))

            spend = spend_of(tenant_id, window.start, window.end, chosen)
            found = {r[0]: UsageBucket(ts=r[0], requests=int(r[1]), tokens=int(r[2] or 0))
                     for r in await self._from_rollups(("metrics", resolution), spend, filters,
                                                       metrics)}
            return _fill(window, resolution, found, lambda t: UsageBucket(ts=t))
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
        chosen = plan((), filters, buckets=Width(resolution))
        if chosen is not None:
            def series(rows: Select[Any] | CompoundSelect[Any]) -> Any:
                s = rows.subquery("spend")
                ts = self._dialect.bucket(s.c.ts, resolution)
                return select(ts, *_spend_sums(s)).group_by(ts)

            spend = spend_of(tenant_id, window.start, window.end, chosen)
            found = {r[0]: SpendBucket(ts=r[0], **_spend_fields(r[1:]))
                     for r in await self._from_rollups(("series", resolution), spend, filters,
                                                       series)}
            return _fill(window, resolution, found, lambda t: SpendBucket(ts=t))
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
        dimension = Dimension(dimension)
        chosen = plan((dimension,), filters)
        if chosen is not None:
            def breakdown(rows: Select[Any] | CompoundSelect[Any]) -> Any:
                s = rows.subquery("spend")
                key = rollup_label(s, dimension)
                return select(key, *_spend_sums(s)).group_by(key)

            spend = spend_of(tenant_id, window.start, window.end, chosen)
            found = [BreakdownRow(key=r[0], **_spend_fields(r[1:]))
                     for r in await self._from_rollups(("breakdown", dimension), spend, filters,
                                                       breakdown)]
            found.sort(key=lambda b: (-b.spend_cents, b.key))
            return found
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

    async def cost_top(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                       top_n: int, filters: CostFilter | None = None) -> TopBreakdown:
        dimension = Dimension(dimension)
        chosen = plan((dimension,), filters)
        if chosen is None:
            return top_of(await self.cost_breakdown(tenant_id, window, dimension, filters), top_n)
        spend = spend_of(tenant_id, window.start, window.end, chosen)
        top: list[tuple[int, BreakdownRow]] = []
        rest, rest_groups = top_of([], 0).rest, 0
        for r in await self._from_rollups(
                ("top", dimension, top_n), spend, filters,
                lambda rows: top_statement(self._dialect, rows.subquery("spend"), dimension, top_n)):
            if r[0] is None:
                rest, rest_groups = BreakdownRow(key="other", **_spend_fields(r[3:])), int(r[2])
            else:
                top.append((int(r[1]), BreakdownRow(key=r[0], **_spend_fields(r[3:]))))
        return TopBreakdown(rows=[row for _, row in sorted(top, key=lambda t: t[0])], rest=rest,
                            rest_groups=rest_groups)

    async def spend_overview(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                             dimensions: Sequence[Dimension],
                             filters: CostFilter | None = None) -> SpendOverview:
        """One statement where the rollups serve every part: the spend rows are a CTE that a
        UNION ALL groups once by bucket and once by each dimension."""
        wanted = [Dimension(d) for d in dimensions]
        chosen = plan(wanted, filters, buckets=Width(resolution))
        if chosen is None:
            return SpendOverview(
                series=await self.cost_spend(tenant_id, window, resolution, filters),
                breakdowns={d: await self.cost_breakdown(tenant_id, window, d, filters)
                            for d in wanted})
        def overview(rows: Select[Any] | CompoundSelect[Any]) -> Any:
            s = rows.cte("spend")
            ts = self._dialect.bucket(s.c.ts, resolution)
            parts = [select(literal(-1), ts, cast(null(), String), *_spend_sums(s)).group_by(ts)]
            for k, dimension in enumerate(wanted):
                key = rollup_label(s, dimension)
                parts.append(select(literal(k), null(), key, *_spend_sums(s)).group_by(key))
            return union_all(*parts)

        spend = spend_of(tenant_id, window.start, window.end, chosen)
        found: dict[datetime, SpendBucket] = {}
        breakdowns: dict[Dimension, list[BreakdownRow]] = {d: [] for d in wanted}
        for r in await self._from_rollups(("overview", resolution, tuple(wanted)), spend, filters,
                                          overview):
            if r[0] < 0:
                found[r[1]] = SpendBucket(ts=r[1], **_spend_fields(r[3:]))
            else:
                breakdowns[wanted[r[0]]].append(BreakdownRow(key=r[2], **_spend_fields(r[3:])))
        for rows in breakdowns.values():
            rows.sort(key=lambda b: (-b.spend_cents, b.key))
        return SpendOverview(series=_fill(window, resolution, found, lambda t: SpendBucket(ts=t)),
                             breakdowns=breakdowns)

    async def dimension_values(self, tenant_id: str, dimension: Dimension,
                               window: TimeWindow | None, limit: int,
                               cursor: str | None) -> Page[str]:
        check_limit(limit)
        dimension = Dimension(dimension)
        chosen = plan((dimension,))
        if chosen is not None:
            start, end = (None, None) if window is None else (window.start, window.end)
            s = spend_rows(tenant_id, start, end, chosen)
            inner = select(rollup_label(s, dimension).label("value"))
        else:
            label, source = self._labelled(dimension)
            inner = (select(label.label("value")).select_from(source)
                     .where(cr.tenant_id == tenant_id))
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
        # The daily rollup names every tenant with records, in far fewer rows than records.
        stmt = union(*(select(t.c.tenant_id) for t in
                       (cost_rollup_daily, worker_runs, cost_budgets, costsim_provenance)))
        return sorted(r[0] for r in await self._conn.execute(stmt))


    async def tenant_activity(self) -> list[TenantActivity]:
        return activity_of(list(await self._conn.execute(tenant_activity_statement())))
