"""Usage and cost statistics of one tenant over a window (ORIGINAL-BEHAVIOR 4.7, on our data).

Usage merges three signals per bucket: LLM calls from cost_records (``cost_records``), worker
runs (``llm.usage``: the original's run signal, which our worker_runs replace) and executed
worker runs (``worker.execution``). The original also listed ``gateway.metrics`` whenever run
data existed although nothing was read from a gateway; we only name sources actually read.
Each signal is read in its own unit of work, so one failing query cannot abort the others (the
original's Postgres session did); a failed signal is logged and named in
``unavailable_sources`` instead of silently reading as "no data".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import Field

from costsight.core.domain.statistics import (
    BreakdownRow,
    CostFilter,
    Dimension,
    Resolution,
    TimeWindow,
    UsageBucket,
)
from costsight.core.errors import ValidationError
from costsight.core.ports import Storage, UnitOfWork
from costsight.core.services.read_models import (
    MoneyCents,
    MoneyUsd,
    ReadModel,
    WindowEcho,
    cents_to_usd,
    iso,
    pct,
)
from costsight.core.services.series import SeriesResolution
from costsight.core.timeutil import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")

SOURCE_COST = "cost_records"
SOURCE_RUNS = "llm.usage"
SOURCE_EXECUTIONS = "worker.execution"
SOURCE_NONE = "none"
MAX_TOP_N = 100


class StatsWindow(WindowEcho):
    resolution: Resolution = Field(description="bucket size asked for: hour or day")
    resolution_used: SeriesResolution | None = Field(
        None, description="bucket size of the series when coarser than asked (day, week)")
    coarsened: bool | None = Field(None, description="true when the series was coarsened to "
                                                     "fit the answer budget")


class UsagePoint(ReadModel):
    """One bucket: ``ts`` is the bucket start (a date for day buckets, ISO 8601 for hours)."""

    ts: str
    requests: int = Field(description="worker runs created in the bucket")
    tokens: int = Field(description="max(tokens of the runs, tokens of the LLM calls)")
    compute_units: int = Field(description="worker runs that started executing")
    llm_calls: int = Field(description="metered LLM calls (cost records)")


class UsageTotals(ReadModel):
    requests: int
    tokens: int
    compute_units: int
    llm_calls: int
    retry_llm_calls: int = Field(0, description="LLM calls that were retries")
    retry_spend_cents: MoneyCents = Field(Decimal(0), description="spend of the retried calls")


class UsageStatistics(ReadModel):
    window: StatsWindow
    series: list[UsagePoint]
    totals: UsageTotals
    sources: list[str] = Field(description="signals that had data, or ['none']")
    unavailable_sources: list[str] = Field(
        default_factory=list, description="signals whose read failed (their buckets read as 0)")
    freshness_sec: int = Field(description="seconds since the start of the newest bucket with "
                                           "data (0 without data)")


class SpendPoint(ReadModel):
    ts: str
    spend_cents: MoneyCents
    requests: int
    input_tokens: int
    output_tokens: int


class SpendTotals(ReadModel):
    spend_cents: MoneyCents
    spend_usd: MoneyUsd
    requests: int
    input_tokens: int
    output_tokens: int
    unpriced_calls: int = 0
    unpriced_tokens: int = 0


class ShareRow(ReadModel):
    """Spend of one value of a dimension and its share of the window's total spend."""

    key: str = Field(description="the value; missing values read as unknown (feature: untagged)")
    spend_cents: MoneyCents
    spend_usd: MoneyUsd
    requests: int
    input_tokens: int
    output_tokens: int
    unpriced_calls: int = 0
    pct_of_total: float = Field(description="spend / total spend x 100, 2 decimals")


class OtherRow(ShareRow):
    """Everything outside the top N, summed."""

    groups: int = Field(description="how many values were folded into this row")


class CostStatistics(ReadModel):
    window: StatsWindow
    series: list[SpendPoint]
    totals: SpendTotals
    by_model: list[ShareRow]
    by_feature: list[ShareRow]
    sources: list[str]
    freshness_sec: int
    by_model_omitted: int | None = Field(None, description="rows left out to fit")
    by_feature_omitted: int | None = Field(None, description="rows left out to fit")
    unpriced: str | None = None


class CostBreakdown(ReadModel):
    window: WindowEcho
    dimension: Dimension
    totals: SpendTotals
    rows: list[ShareRow] = Field(description="the top N values by spend, descending")
    other: OtherRow = Field(description="the remaining values summed (groups = 0 if none)")
    group_count: int = Field(description="distinct values of the dimension in the window")
    unpriced: str | None = None


def bucket_key(ts: datetime, resolution: Resolution) -> str:
    """Day buckets are keyed by their date, hour buckets by their ISO 8601 start."""
    return ts.date().isoformat() if resolution is Resolution.DAY else iso(ts)


def freshness(now: datetime, last_bucket: datetime | None) -> int:
    """Whole seconds from the newest bucket with data to now, floored at 0."""
    if last_bucket is None:
        return 0
    return max(0, int((now - last_bucket).total_seconds()))


def share_rows(rows: list[BreakdownRow], total: Decimal) -> list[ShareRow]:
    return [ShareRow(key=r.key, spend_cents=r.spend_cents, spend_usd=cents_to_usd(r.spend_cents),
                     requests=r.requests, input_tokens=r.input_tokens,
                     output_tokens=r.output_tokens, unpriced_calls=r.unpriced_calls,
                     pct_of_total=pct(r.spend_cents, total))
            for r in rows]


def spend_totals(spend: Decimal, requests: int, input_tokens: int,
                 output_tokens: int, unpriced_calls: int = 0,
                 unpriced_tokens: int = 0) -> SpendTotals:
    return SpendTotals(spend_cents=spend, spend_usd=cents_to_usd(spend), requests=requests,
                       input_tokens=input_tokens, output_tokens=output_tokens,
                       unpriced_calls=unpriced_calls, unpriced_tokens=unpriced_tokens)


def unpriced_note(totals: SpendTotals) -> str | None:
    """What an answer says when some calls had no known price (they count 0 in spend)."""
    if not totals.unpriced_calls:
        return None
    return (f"{totals.unpriced_calls} call(s), {totals.unpriced_tokens} tokens, have no known "
            "price: they count 0 in spend, so spend is understated (set a price, then "
            "`costsight reprice`).")


class StatisticsService:
    """Usage statistics, cost statistics and top-N cost breakdowns of one tenant."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    async def _read(self, fn: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with self.storage.unit_of_work() as uow:
            return await fn(uow)

    async def _read_signal(self, name: str, failed: list[str],
                           fn: Callable[[UnitOfWork], Awaitable[list[UsageBucket]]]
                           ) -> list[UsageBucket]:
        try:
            return await self._read(fn)
        except Exception:  # one broken signal must not take the others down (original 4.7)
            log.exception("usage signal %s could not be read", name)
            failed.append(name)
            return []

    async def usage_statistics(self, tenant_id: str, window: TimeWindow,
                               resolution: Resolution = Resolution.DAY,
                               filters: CostFilter | None = None) -> UsageStatistics:
        """Runs, tokens, executions and LLM calls per bucket, with totals, sources, freshness.

        ``filters`` narrow the LLM-call signal (llm_calls, their tokens, retries); worker runs
        carry no model, feature or user, so requests and compute_units are never filtered.
        """
        failed: list[str] = []
        calls = await self._read_signal(
            SOURCE_COST, failed,
            lambda u: u.analytics.cost_metrics(tenant_id, window, resolution, filters))
        retry_filter = (filters or CostFilter()).model_copy(update={"retry": True})
        retries = await self._read(lambda u: u.analytics.cost_spend(
            tenant_id, window, Resolution.DAY, retry_filter))
        runs = await self._read_signal(
            SOURCE_RUNS, failed, lambda u: u.analytics.run_usage(tenant_id, window, resolution))
        execs = await self._read_signal(
            SOURCE_EXECUTIONS, failed,
            lambda u: u.analytics.worker_executions(tenant_id, window, resolution))

        merged: dict[datetime, dict[str, int]] = {}
        for bucket in calls:
            point = merged.setdefault(bucket.ts, _empty_usage())
            point["llm_calls"] += bucket.requests
            point["llm_tokens"] += bucket.tokens
        for bucket in runs:
            point = merged.setdefault(bucket.ts, _empty_usage())
            point["requests"] += bucket.requests
            point["run_tokens"] += bucket.tokens
        for bucket in execs:
            merged.setdefault(bucket.ts, _empty_usage())["compute_units"] += bucket.requests

        series = [
            UsagePoint(ts=bucket_key(ts, resolution), requests=p["requests"],
                       tokens=max(p["run_tokens"], p["llm_tokens"]),
                       compute_units=p["compute_units"], llm_calls=p["llm_calls"])
            for ts, p in sorted(merged.items())
        ]
        sources = [name for name, buckets in ((SOURCE_COST, calls), (SOURCE_RUNS, runs),
                                              (SOURCE_EXECUTIONS, execs))
                   if any(b.requests or b.tokens for b in buckets)]
        active = [ts for ts, p in merged.items()
                  if p["requests"] or p["llm_calls"] or p["compute_units"]
                  or p["run_tokens"] or p["llm_tokens"]]
        return UsageStatistics(
            window=StatsWindow(start=iso(window.start), end=iso(window.end), resolution=resolution),
            series=series,
            totals=UsageTotals(requests=sum(p.requests for p in series),
                               tokens=sum(p.tokens for p in series),
                               compute_units=sum(p.compute_units for p in series),
                               llm_calls=sum(p.llm_calls for p in series),
                               retry_llm_calls=sum(b.requests for b in retries),
                               retry_spend_cents=sum((b.spend_cents for b in retries),
                                                     Decimal(0))),
            sources=sources or [SOURCE_NONE],
            unavailable_sources=failed,
            freshness_sec=freshness(self.clock.now(), max(active, default=None)),
        )

    async def cost_statistics(self, tenant_id: str, window: TimeWindow,
                              resolution: Resolution = Resolution.DAY,
                              filters: CostFilter | None = None) -> CostStatistics:
        """Spend per bucket, totals (with spend_usd), spend by model and by feature."""
        overview = await self._read(lambda u: u.analytics.spend_overview(
            tenant_id, window, resolution, (Dimension.MODEL, Dimension.FEATURE), filters))
        buckets = overview.series
        models = overview.breakdowns[Dimension.MODEL]
        features = overview.breakdowns[Dimension.FEATURE]
        total = sum((b.spend_cents for b in buckets), Decimal(0))
        active = [b.ts for b in buckets if b.requests]
        return CostStatistics(
            window=StatsWindow(start=iso(window.start), end=iso(window.end), resolution=resolution),
            series=[SpendPoint(ts=bucket_key(b.ts, resolution), spend_cents=b.spend_cents,
                               requests=b.requests, input_tokens=b.input_tokens,
                               output_tokens=b.output_tokens) for b in buckets],
            totals=(totals := spend_totals(total, sum(b.requests for b in buckets),
                                           sum(b.input_tokens for b in buckets),
                                           sum(b.output_tokens for b in buckets),
                                           sum(b.unpriced_calls for b in buckets),
                                           sum(b.unpriced_tokens for b in buckets))),
            unpriced=unpriced_note(totals),
            by_model=share_rows(models, total),
            by_feature=share_rows(features, total),
            sources=[SOURCE_COST] if active else [SOURCE_NONE],
            freshness_sec=freshness(self.clock.now(), max(active, default=None)),
        )

    async def cost_breakdown(self, tenant_id: str, window: TimeWindow, dimension: Dimension,
                             top_n: int = 10, filters: CostFilter | None = None) -> CostBreakdown:
        """The top ``top_n`` values of a dimension by spend, and one ``other`` row for the rest."""
        if not 1 <= top_n <= MAX_TOP_N:
            raise ValidationError("top_n", f"{top_n} is out of range", allowed=f"1..{MAX_TOP_N}")
        found = await self._read(lambda u: u.analytics.cost_top(tenant_id, window, dimension,
                                                                top_n, filters))
        top, rest = found.rows, found.rest
        every = [*top, rest]
        total = sum((r.spend_cents for r in every), Decimal(0))
        other = OtherRow(
            key="other", spend_cents=rest.spend_cents, spend_usd=cents_to_usd(rest.spend_cents),
            requests=rest.requests, input_tokens=rest.input_tokens,
            output_tokens=rest.output_tokens, pct_of_total=pct(rest.spend_cents, total),
            unpriced_calls=rest.unpriced_calls, groups=found.rest_groups)
        totals = spend_totals(total, sum(r.requests for r in every),
                              sum(r.input_tokens for r in every),
                              sum(r.output_tokens for r in every),
                              sum(r.unpriced_calls for r in every),
                              sum(r.unpriced_tokens for r in every))
        return CostBreakdown(
            window=WindowEcho(start=iso(window.start), end=iso(window.end)),
            dimension=dimension,
            totals=totals,
            rows=share_rows(top, total),
            other=other,
            group_count=len(top) + found.rest_groups,
            unpriced=unpriced_note(totals),
        )


def _empty_usage() -> dict[str, int]:
    return {"requests": 0, "run_tokens": 0, "llm_tokens": 0, "compute_units": 0, "llm_calls": 0}
