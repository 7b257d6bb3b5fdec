"""Statistics tools: usage, cost, breakdowns, dimension values, feature tags, budget status."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from costsight.core.domain.costs import FeatureTag
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.budget_status import BudgetStatusReport
from costsight.core.services.read_models import ReadModel
from costsight.core.services.statistics import (
    MAX_TOP_N,
    CostBreakdown,
    CostStatistics,
    UsageStatistics,
)
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import (
    CursorParam,
    DimensionParam,
    LimitParam,
    ResolutionParam,
    StatsEnd,
    StatsStart,
    TenantIdParam,
    cursor_or_none,
    optional_window,
    stats_window,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

TopNParam = Annotated[int, Field(ge=1, le=MAX_TOP_N,
                                 description=f"How many top values to list (1..{MAX_TOP_N}); "
                                             "the rest is summed into 'other'.")]


IncludeInactiveParam = Annotated[bool, Field(
    description="Also list deactivated tags (costs recorded with them read as unclassified).")]


class DimensionValues(ReadModel):
    dimension: Dimension
    items: list[str] = Field(description="distinct values, ascending")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


class FeatureTagList(ReadModel):
    items: list[FeatureTag]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


@group.tool(names.GET_USAGE_STATISTICS, title="Usage statistics")
async def get_usage_statistics(ctx: ToolContext, start: StatsStart = "", end: StatsEnd = "",
                               resolution: ResolutionParam = "day",
                               tenant_id: TenantIdParam = "") -> UsageStatistics:
    """How much the tenant's agents did over a window, per hour or day bucket (UTC).

    Answers "how many worker runs / LLM calls / tokens did we use this week?". Each bucket has
    requests (worker runs created), tokens (the larger of run tokens and LLM-call tokens),
    compute_units (runs that started executing) and llm_calls (metered LLM calls); totals sum
    the series; sources names the signals that had data; freshness_sec is the age of the
    newest bucket with data. The window is [start, end), at most 90 days (default: the last
    7 days). For money use get_cost_statistics.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    return await state.statistics.usage_statistics(tenant, window, Resolution(resolution))


@group.tool(names.GET_COST_STATISTICS, title="Cost statistics")
async def get_cost_statistics(ctx: ToolContext, start: StatsStart = "", end: StatsEnd = "",
                              resolution: ResolutionParam = "day",
                              tenant_id: TenantIdParam = "") -> CostStatistics:
    """What the tenant spent on LLM calls over a window: a spend series, totals, by model, by feature.

    Answers "what did we spend this week, and on which models / features?". Money is in US
    cents (spend_cents, exact, up to 6 decimals) plus spend_usd in totals and breakdown rows;
    by_model and by_feature list every value with pct_of_total (2 decimals). The window is
    [start, end), at most 90 days (default: the last 7 days). For users, workers, workflows
    or skills, or to get the top N only, use get_cost_breakdown.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    return await state.statistics.cost_statistics(tenant, window, Resolution(resolution))


@group.tool(names.GET_COST_BREAKDOWN, title="Cost breakdown (top N)")
async def get_cost_breakdown(ctx: ToolContext, dimension: DimensionParam, start: StatsStart = "",
                             end: StatsEnd = "", top_n: TopNParam = 10,
                             tenant_id: TenantIdParam = "") -> CostBreakdown:
    """Who or what drove spend over a window: the top N values of one dimension plus 'other'.

    Answers "which users / features / workers / workflows / skills / models cost the most?".
    Rows are ordered by spend (US cents) descending, each with spend_usd and pct_of_total;
    'other' sums the remaining values (groups = how many). The window is [start, end), at
    most 90 days (default: the last 7 days). To list the values of a dimension without spend
    use list_dimension_values.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    window = stats_window(start, end, state.app.clock.now())
    return await state.statistics.cost_breakdown(tenant, window, Dimension(dimension), top_n)


@group.tool(names.LIST_DIMENSION_VALUES, title="Dimension values")
async def list_dimension_values(ctx: ToolContext, dimension: DimensionParam, start: StatsStart = "",
                                end: StatsEnd = "", limit: LimitParam = DEFAULT_LIMIT,
                                cursor: CursorParam = "",
                                tenant_id: TenantIdParam = "") -> DimensionValues:
    """The distinct values of a dimension in the tenant's cost records (models, users, ...).

    Answers "which models / users / features / workers / workflows / skills exist?", for
    example to pick a value before filtering elsewhere. Values are ascending, with the
    missing value shown as 'unknown' ('untagged' for feature). Without start and end every
    record counts; with them only [start, end), at most 90 days. Paged: pass next_cursor as
    cursor.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    window = optional_window(start, end)
    page = await state.queries.dimension_values(tenant, Dimension(dimension), window,
                                                limit=limit, cursor=cursor_or_none(cursor))
    return DimensionValues(dimension=Dimension(dimension), items=page.items,
                           next_cursor=page.next_cursor)


@group.tool(names.LIST_FEATURE_TAGS, title="Feature tags")
async def list_feature_tags(ctx: ToolContext, include_inactive: IncludeInactiveParam = False,
                            limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                            tenant_id: TenantIdParam = "") -> FeatureTagList:
    """The tenant's registered feature tags (namespace.action), with display names and budgets.

    Answers "which features are registered?". Costs recorded with an unregistered or inactive
    tag are stored as 'unclassified'. Ordered by tag; set include_inactive to also list
    deactivated tags. budget_cents is in US cents. Paged: pass next_cursor as cursor.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    page = await state.queries.feature_tags(tenant, include_inactive=include_inactive,
                                            limit=limit, cursor=cursor_or_none(cursor))
    return FeatureTagList(items=page.items, next_cursor=page.next_cursor)


@group.tool(names.GET_BUDGET_STATUS, title="Budget status")
async def get_budget_status(ctx: ToolContext, tenant_id: TenantIdParam = "") -> BudgetStatusReport:
    """Where every active budget stands right now: today's and this month's spend vs its limits.

    Answers "are we over budget?". For each active budget (tenant, feature or user): daily
    (today so far, UTC) and monthly (this calendar month so far) limit, spend (US cents),
    usage_pct and status (no_limit, ok, warning from warn_threshold_pct, exceeded from 100%);
    status is the worse of the two. Budget anomalies already raised are in list_anomalies.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    return await state.budgets.budget_status(tenant)
