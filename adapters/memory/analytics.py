"""In-memory AnalyticsPort: zero-filled time series and breakdowns over half-open windows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from costsight.adapters.memory._buckets import Sums, bucket_of, bucket_starts, in_window
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.costs import CostRecord
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
from costsight.core.pagination import Page


class MemoryAnalytics:
    """AnalyticsPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _costs(self, tenant_id: str, window: TimeWindow | None,
               filters: CostFilter | None = None) -> list[CostRecord]:
        rows = self._tx.cost_records.rows(
            lambda r: r.tenant_id == tenant_id
            and (window is None or in_window(r.created_at, window)))
        if filters is None or filters.is_empty:
            return rows
        wanted = [(self._labeller(tenant_id, d), v) for d, v in filters.dimensions().items()]
        return [r for r in rows
                if (filters.retry is None or r.is_retry == filters.retry)
                and all(label(r) == value for label, value in wanted)]

    def _usage(self, window: TimeWindow, resolution: Resolution,
               rows: list[tuple[datetime, int]]) -> list[UsageBucket]:
        """Zero-filled buckets from (created_at, tokens) pairs, one request each."""
        resolution = Resolution(resolution)
        totals = {start: [0, 0] for start in bucket_starts(window, resolution)}
        for created_at, tokens in rows:
            bucket = totals[bucket_of(created_at, resolution)]
            bucket[0] += 1
            bucket[1] += tokens
        return [UsageBucket(ts=ts, requests=r, tokens=t) for ts, (r, t) in totals.items()]

    async def cost_metrics(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                           filters: CostFilter | None = None) -> list[UsageBucket]:
        rows = [(r.created_at, r.input_tokens + r.output_tokens)
                for r in self._costs(tenant_id, window, filters)]
        return self._usage(window, resolution, rows)

    async def run_usage(self, tenant_id: str, window: TimeWindow,
                        resolution: Resolution) -> list[UsageBucket]:
        runs = self._tx.worker_runs.rows(
            lambda r: r.tenant_id == tenant_id and in_window(r.created_at, window))
        return self._usage(window, resolution,
                           [(r.created_at, r.total_tokens or 0) for r in runs])

    async def worker_executions(self, tenant_id: str, window: TimeWindow,
                                resolution: Resolution) -> list[UsageBucket]:
        runs = self._tx.worker_runs.rows(
            lambda r: r.tenant_id == tenant_id and r.started_at is not None
            and in_window(r.created_at, window))
        return self._usage(window, resolution, [(r.created_at, 0) for r in runs])

    async def cost_spend(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                         filters: CostFilter | None = None) -> list[SpendBucket]:
        resolution = Resolution(resolution)
        totals = {start: Sums() for start in bucket_starts(window, resolution)}
        for r in self._costs(tenant_id, window, filters):
            totals[bucket_of(r.created_at, resolution)].add(r)
        return [SpendBucket(ts=ts, spend_cents=s.spend_cents, requests=s.requests,
                            input_tokens=s.input_tokens, output_tokens=s.output_tokens,
                            unpriced_calls=s.unpriced_calls, unpriced_tokens=s.unpriced_tokens)
                for ts, s in totals.items()]

    def _labeller(self, tenant_id: str, dimension: Dimension) -> Callable[[CostRecord], str]:
        """The dimension's value of a record, nulls shown as unknown / untagged."""
        dimension = Dimension(dimension)
        null = dimension.null_label
        if dimension is Dimension.WORKER:
            runs = self._tx.worker_runs

            def worker_of(record: CostRecord) -> str:
                run = runs.get(record.worker_run_id) if record.worker_run_id else None
                # a run id of another tenant does not leak that tenant's worker names
                return run.worker_id if run is not None and run.tenant_id == tenant_id else null

            return worker_of
        attribute = {
            Dimension.MODEL: "model", Dimension.FEATURE: "feature_tag", Dimension.USER: "user_id",
            Dimension.WORKFLOW: "workflow_id", Dimension.SKILL: "skill_id",
            Dimension.COST_SOURCE: "cost_source",
        }[dimension]
        return lambda record: getattr(record, attribute) or null

    async def cost_breakdown(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                             filters: CostFilter | None = None) -> list[BreakdownRow]:
        label = self._labeller(tenant_id, dimension)
        groups: dict[str, Sums] = {}
        for r in self._costs(tenant_id, window, filters):
            groups.setdefault(label(r), Sums()).add(r)
        rows = [BreakdownRow(key=key, spend_cents=s.spend_cents, requests=s.requests,
                             input_tokens=s.input_tokens, output_tokens=s.output_tokens,
                             unpriced_calls=s.unpriced_calls, unpriced_tokens=s.unpriced_tokens)
                for key, s in groups.items()]
        return sorted(rows, key=lambda row: (-row.spend_cents, row.key))

    async def cost_top(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                       top_n: int, filters: CostFilter | None = None) -> TopBreakdown:
        return top_of(await self.cost_breakdown(tenant_id, window, dimension, filters), top_n)

    async def spend_overview(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                             dimensions: Sequence[Dimension],
                             filters: CostFilter | None = None) -> SpendOverview:
        return SpendOverview(
            series=await self.cost_spend(tenant_id, window, resolution, filters),
            breakdowns={Dimension(d): await self.cost_breakdown(tenant_id, window, d, filters)
                        for d in dimensions})

    async def dimension_values(self, tenant_id: str, dimension: Dimension,
                               window: TimeWindow | None, limit: int,
                               cursor: str | None) -> Page[str]:
        label = self._labeller(tenant_id, dimension)
        values = sorted({label(r) for r in self._costs(tenant_id, window)})
        return keyset_page(values, key=lambda v: (v,), kinds=(str,), limit=limit,
                           cursor=cursor, descending=False)

    async def known_tenants(self) -> list[str]:
        """Operator-only: tenants with cost records, worker runs, budgets or provenance."""
        tenants: set[str] = set()
        for table in (self._tx.cost_records, self._tx.worker_runs, self._tx.budgets,
                      self._tx.provenance):
            tenants.update(row.tenant_id for row in table.rows())
        return sorted(tenants)

    async def tenant_activity(self) -> list[TenantActivity]:
        """Operator-only: first and last created_at per tenant over costs and worker runs."""
        spans: dict[str, tuple[datetime, datetime]] = {}
        for table in (self._tx.cost_records, self._tx.worker_runs):
            for row in table.rows():
                first, last = spans.get(row.tenant_id, (row.created_at, row.created_at))
                spans[row.tenant_id] = (min(first, row.created_at), max(last, row.created_at))
        return [TenantActivity(tenant_id=t, first_seen=f, last_seen=last)
                for t, (f, last) in sorted(spans.items())]
