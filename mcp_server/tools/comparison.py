"""compare_periods: two windows of a tenant side by side, by one dimension, with the drivers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from costsight.core.domain.statistics import Dimension, TimeWindow
from costsight.core.services.comparison import MAX_COMPARE_TOP_N, PeriodComparison
from costsight.core.services.read_models import time_window
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import (
    DimensionParam,
    FeatureFilter,
    ModelFilter,
    SkillFilter,
    TenantIdParam,
    UserFilter,
    WorkerFilter,
    WorkflowFilter,
    cost_filter,
    optional_instant,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

WEEK = timedelta(days=7)
Instant = Annotated[str, Field(max_length=64, description="ISO 8601.")]
CompareTopN = Annotated[int, Field(ge=1, le=MAX_COMPARE_TOP_N,
                                   description=f"Drivers to list (1..{MAX_COMPARE_TOP_N}).")]


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding ``now`` (the previous week's at that very instant)."""
    start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
    return start - WEEK if start >= now else start


def compare_windows(current_start: str, current_end: str, previous_start: str,
                    previous_end: str, now: datetime) -> tuple[TimeWindow, TimeWindow]:
    """Current defaults to this week so far; previous to the same span a week earlier (or,
    for a current window longer than a week, the span just before it)."""
    end = optional_instant(current_end, "current_end") or now.replace(microsecond=0)
    start = optional_instant(current_start, "current_start") or week_start(end)
    current = time_window(start, end)
    length = current.end - current.start
    shift = WEEK if length <= WEEK else length
    p_start = optional_instant(previous_start, "previous_start")
    p_end = optional_instant(previous_end, "previous_end")
    if p_start is None:
        p_start = (p_end - length) if p_end is not None else current.start - shift
    if p_end is None:
        p_end = p_start + length
    return current, time_window(p_start, p_end)


@group.tool(names.COMPARE_PERIODS, title="Compare two periods",
            narrow="a smaller top_n")
async def compare_periods(ctx: ToolContext, dimension: DimensionParam = "feature",
                          current_start: Instant = "", current_end: Instant = "",
                          previous_start: Instant = "", previous_end: Instant = "",
                          top_n: CompareTopN = 10, model: ModelFilter = "",
                          feature: FeatureFilter = "", user: UserFilter = "",
                          worker: WorkerFilter = "", workflow: WorkflowFilter = "",
                          skill: SkillFilter = "",
                          tenant_id: TenantIdParam = "") -> PeriodComparison:
    """Spend, calls and tokens of two windows by a dimension: per value the absolute and
    relative change, ranked by |spend change| (the drivers), and totals. Default: this week
    so far against the same span a week earlier.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    current, previous = compare_windows(current_start, current_end, previous_start,
                                        previous_end, state.app.clock.now())
    filters = cost_filter(model, feature, user, worker, workflow, skill)
    return await state.comparison.compare(tenant, current, previous, Dimension(dimension),
                                          top_n=top_n, filters=filters)
