"""Read side of metering: time series and breakdowns for the statistics services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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
)
from costsight.core.pagination import Page


class AnalyticsPort(Protocol):
    """Time series and breakdowns of one tenant's metering data.

    Every method reads rows with ``window.start <= created_at < window.end`` (half-open) of
    exactly one tenant. Series have one bucket per ``resolution`` step from the bucket that
    contains ``window.start`` up to the last bucket that starts before ``window.end``, ascending;
    buckets with no rows are filled with zeros. Buckets are UTC (hour or calendar day).
    ``filters`` (None: every record) narrow the cost_records methods to matching records.
    """

    async def cost_metrics(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                           filters: CostFilter | None = None) -> list[UsageBucket]:
        """LLM calls from cost_records: requests = row count, tokens = sum(input + output)."""
        ...

    async def run_usage(self, tenant_id: str, window: TimeWindow,
                        resolution: Resolution) -> list[UsageBucket]:
        """Worker runs by created_at: requests = run count, tokens = sum(total_tokens) (null = 0)."""
        ...

    async def worker_executions(self, tenant_id: str, window: TimeWindow,
                                resolution: Resolution) -> list[UsageBucket]:
        """Executed worker runs (started_at not null) by created_at: requests = count, tokens 0."""
        ...

    async def cost_spend(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                         filters: CostFilter | None = None) -> list[SpendBucket]:
        """Spend per bucket: exact spend_cents, requests, input and output tokens."""
        ...

    async def cost_breakdown(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                             filters: CostFilter | None = None) -> list[BreakdownRow]:
        """Spend grouped by one dimension, every group, ordered by spend desc then key asc.

        Null values are grouped under ``unknown`` (``untagged`` for feature). The ``worker``
        dimension is the worker_id of the run named by ``worker_run_id`` (unknown if none).
        """
        ...

    async def cost_top(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                       top_n: int, filters: CostFilter | None = None) -> TopBreakdown:
        """``cost_breakdown``'s first ``top_n`` rows and the sums of the rest (``top_of`` of
        it), without every group leaving the store."""
        ...

    async def spend_overview(self, tenant_id: str, window: TimeWindow, resolution: Resolution,
                             dimensions: Sequence[Dimension],
                             filters: CostFilter | None = None) -> SpendOverview:
        """``cost_spend`` and ``cost_breakdown`` of each of ``dimensions``, identical to asking
        them one by one (the statistics read all three at once)."""
        ...

    async def dimension_values(self, tenant_id: str, dimension: Dimension,
                               window: TimeWindow | None, limit: int,
                               cursor: str | None) -> Page[str]:
        """Distinct values of a dimension in cost_records (null label included), ascending."""
        ...

    async def known_tenants(self) -> list[str]:
        """Operator-only, cross-tenant: every tenant id that has cost records, worker runs,
        budgets or provenance, ascending."""
        ...

    async def tenant_activity(self) -> list[TenantActivity]:
        """Operator-only, cross-tenant: per tenant with cost records or worker runs, the
        earliest and latest created_at over both, ascending by tenant id."""
        ...
