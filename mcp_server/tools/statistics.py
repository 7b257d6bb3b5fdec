"""Statistics tools: usage, cost, breakdowns, dimension values, feature tags, budget status."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import Field

from costsight.core.domain.costs import FeatureTag
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.budget_status import BudgetStatusReport
from costsight.core.services.read_models import ReadModel
from costsight.core.services.series import SeriesResolution, fold, non_empty
from costsight.core.services.statistics import (
    MAX_TOP_N,
    CostBreakdown,
    CostStatistics,
    UsageStatistics,
)
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page, page_key, size_of
from costsight.mcp_server.params import (
    CursorParam,
    DimensionParam,
    FeatureFilter,
    LimitParam,
    ModelFilter,
    ResolutionParam,
    SkillFilter,
    StatsEnd,
    StatsStart,
    TenantIdParam,
    UserFilter,
    WorkerFilter,
    WorkflowFilter,
    cost_filter,
    optional_window,
    stats_window,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

S = TypeVar("S", CostStatistics, UsageStatistics)

TopNParam = Annotated[int, Field(ge=1, le=MAX_TOP_N,
                                 description=f"Top values (1..{MAX_TOP_N}); the rest sums "
                                             "into 'other'.")]
IncludeInactiveParam = Annotated[bool, Field(description="Also list deactivated tags.")]
NARROW_SERIES = "a shorter window (start/end) or filters (model, feature, ...)"
NARROW_LIST = "a smaller limit or more specific filters"


class DimensionValues(ReadModel):
    dimension: Dimension
    items: list[str] = Field(description="distinct values, ascending")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


class FeatureTagList(ReadModel):
    items: list[FeatureTag]
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


#: how many of by_model / by_feature a cost answer keeps when weekly buckets are not enough
SHARE_ROW_STEPS = (50, 20, 10, 5)


def fit_series(stats: S, budget: int) -> S:
    """Empty buckets left out, then the series coarsened (hour, day, week) until it fits."""
    asked = SeriesResolution(stats.window.resolution)
    used, series = asked, non_empty(stats.series)
    while True:
        window = stats.window.model_copy(update={
            "resolution_used": used if used is not asked else None,
            "coarsened": True if used is not asked else None})
        fitted = stats.model_copy(update={"series": series, "window": window})
        coarser = used.coarser()
        if size_of(fitted) <= budget:
            return fitted
        if coarser is None:
            return _fewer_shares(fitted, budget) if isinstance(fitted, CostStatistics) else fitted
        used, series = coarser, fold(series, coarser)


def _fewer_shares(stats: CostStatistics, budget: int) -> CostStatistics:
    """The top models and features only (rows are by spend, descending), counting the rest."""
    fitted = stats
    for keep in SHARE_ROW_STEPS:
        models, features = stats.by_model, stats.by_feature
        fitted = stats.model_copy(update={
            "by_model": models[:keep], "by_feature": features[:keep],
            "by_model_omitted": len(models) - keep if len(models) > keep else None,
            "by_feature_omitted": len(features) - keep if len(features) > keep else None})
        if size_of(fitted) <= budget:
            break
    return fitted


@group.tool(names.GET_USAGE_STATISTICS, title="Usage statistics", narrow=NARROW_SERIES)
async def get_usage_statistics(ctx: ToolContext, start: StatsStart = "", end: StatsEnd = "",
                               resolution: ResolutionParam = "day", model: ModelFilter = "",
                               feature: FeatureFilter = "", user: UserFilter = "",
                               worker: WorkerFilter = "", workflow: WorkflowFilter = "",
                               skill: SkillFilter = "",
                               tenant_id: TenantIdParam = "") -> UsageStatistics:
    """Runs, LLM calls, tokens and retries over a window: series and totals. Filters narrow
    the LLM calls only. Money: get_cost_statistics.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    filters = cost_filter(model, feature, user, worker, workflow, skill)
    stats = await state.statistics.usage_statistics(tenant, window, Resolution(resolution),
                                                    filters)
    return fit_series(stats, state.max_result_chars)


@group.tool(names.GET_COST_STATISTICS, title="Cost statistics", narrow=NARROW_SERIES)
async def get_cost_statistics(ctx: ToolContext, start: StatsStart = "", end: StatsEnd = "",
                              resolution: ResolutionParam = "day", model: ModelFilter = "",
                              feature: FeatureFilter = "", user: UserFilter = "",
                              worker: WorkerFilter = "", workflow: WorkflowFilter = "",
                              skill: SkillFilter = "",
                              tenant_id: TenantIdParam = "") -> CostStatistics:
    """Spend over a window ("what did we spend this week, per day, on which models?"): a
    series, totals, by model and feature. Other dimensions: get_cost_breakdown.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    filters = cost_filter(model, feature, user, worker, workflow, skill)
    stats = await state.statistics.cost_statistics(tenant, window, Resolution(resolution),
                                                   filters)
    return fit_series(stats, state.max_result_chars)


@group.tool(names.GET_COST_BREAKDOWN, title="Cost breakdown (top N)",
            narrow="a smaller top_n")
async def get_cost_breakdown(ctx: ToolContext, dimension: DimensionParam, start: StatsStart = "",
                             end: StatsEnd = "", top_n: TopNParam = 10, model: ModelFilter = "",
                             feature: FeatureFilter = "", user: UserFilter = "",
                             worker: WorkerFilter = "", workflow: WorkflowFilter = "",
                             skill: SkillFilter = "",
                             tenant_id: TenantIdParam = "") -> CostBreakdown:
    """The top N values of a dimension by spend over a window, plus 'other': "which
    users / models / features / workers cost the most?".
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    filters = cost_filter(model, feature, user, worker, workflow, skill)
    return await state.statistics.cost_breakdown(tenant, window, Dimension(dimension), top_n,
                                                 filters)


@group.tool(names.LIST_DIMENSION_VALUES, title="Dimension values", narrow=NARROW_LIST)
async def list_dimension_values(ctx: ToolContext, dimension: DimensionParam, start: StatsStart = "",
                                end: StatsEnd = "", limit: LimitParam = DEFAULT_LIMIT,
                                cursor: CursorParam = "",
                                tenant_id: TenantIdParam = "") -> DimensionValues:
    """The distinct values of a dimension in the tenant's cost records, ascending: "which
    models / users exist?", e.g. to pick a filter.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    window = optional_window(start, end)
    key = page_key(tenant, {"dimension": dimension, "start": start, "end": end})
    return await fit_page(
        names.LIST_DIMENSION_VALUES, key, cursor, limit, state.max_result_chars,
        lambda n, c: state.queries.dimension_values(tenant, Dimension(dimension), window,
                                                    limit=n, cursor=c),
        lambda items, nxt: DimensionValues(dimension=Dimension(dimension), items=list(items),
                                           next_cursor=nxt))


@group.tool(names.LIST_FEATURE_TAGS, title="Feature tags", narrow=NARROW_LIST)
async def list_feature_tags(ctx: ToolContext, include_inactive: IncludeInactiveParam = False,
                            limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                            tenant_id: TenantIdParam = "") -> FeatureTagList:
    """Registered feature tags with display names and budgets (unregistered tags read as
    'unclassified').
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    key = page_key(tenant, {"include_inactive": include_inactive})
    return await fit_page(
        names.LIST_FEATURE_TAGS, key, cursor, limit, state.max_result_chars,
        lambda n, c: state.queries.feature_tags(tenant, include_inactive=include_inactive,
                                                limit=n, cursor=c),
        lambda items, nxt: FeatureTagList(items=list(items), next_cursor=nxt))


@group.tool(names.GET_BUDGET_STATUS, title="Budget status")
async def get_budget_status(ctx: ToolContext, tenant_id: TenantIdParam = "") -> BudgetStatusReport:
    """Every active budget now ("are we over budget?"): today's and this month's spend
    against its limits, and a status.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    return await state.budgets.budget_status(tenant)
