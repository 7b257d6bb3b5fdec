"""get_cost_forecast: projected spend with prediction intervals (issue 13's forecasts).

Forecasts are not computed by this deployment yet. The tool already validates its arguments
and has its final output shape, and answers ``available: false`` with the reason, never a
guess; once forecast snapshots are stored it fills the same fields from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.errors import ValidationError
from costsight.core.services.read_models import MoneyCents, ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import LowerChoice, TenantIdParam, optional_text
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

MAX_HORIZON_DAYS = 90
NOT_AVAILABLE = ("no forecast is available yet: this deployment does not compute forecasts; "
                 "use get_cost_statistics or compare_periods for observed spend")

SubjectTypeParam = Annotated[
    Literal["tenant", "feature", "user", "budget"], LowerChoice,
    Field(description="What to forecast: the tenant, a feature, a user or a budget.")]
SubjectIdParam = Annotated[str, Field(
    max_length=128, description="Feature tag, user id or budget entity id.")]
HorizonParam = Annotated[int, Field(
    ge=0, le=MAX_HORIZON_DAYS,
    description="Days ahead; 0: to the end of this month.")]


class Interval(ReadModel):
    low_cents: MoneyCents
    high_cents: MoneyCents


class ForecastDay(ReadModel):
    day: str = Field(description="UTC date")
    point_cents: MoneyCents
    p80: Interval = Field(description="80% prediction interval")
    p95: Interval = Field(description="95% prediction interval")


class PeriodProjection(ReadModel):
    period_end: str = Field(description="end of the projected period, ISO 8601 UTC")
    projected_cents: MoneyCents
    p80: Interval
    p95: Interval


class BudgetProjection(ReadModel):
    limit_cents: MoneyCents
    probability_exceed: float = Field(description="0..1")
    breach_date: str | None = Field(None, description="first day the median crosses the limit")
    breach_date_p80: str | None = Field(None, description="first day the 80% upper bound does")


class CostForecast(ReadModel):
    tenant_id: str
    subject_type: str
    subject_id: str | None = None
    available: bool = Field(description="false: see reason")
    reason: str | None = None
    method: str | None = None
    generated_at: str | None = None
    days: list[ForecastDay] = Field(default_factory=list)
    projection: PeriodProjection | None = None
    budget: BudgetProjection | None = None


@group.tool(names.GET_COST_FORECAST, title="Cost forecast")
async def get_cost_forecast(ctx: ToolContext, subject_type: SubjectTypeParam = "tenant",
                            subject_id: SubjectIdParam = "", horizon_days: HorizonParam = 0,
                            tenant_id: TenantIdParam = "") -> CostForecast:
    """Projected daily spend with 80%/95% intervals to the period's end; for a budget the
    probability and date of a breach ("will we exceed the budget, and when?").
    available=false (with reason) when no forecast exists.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    subject = optional_text(subject_id)
    if subject_type == "tenant" and subject is not None:
        raise ValidationError("subject_id", "must be empty for subject_type 'tenant'",
                              allowed="empty")
    if subject_type != "tenant" and subject is None:
        raise ValidationError("subject_id", f"is required for subject_type '{subject_type}'",
                              allowed="a feature tag, user id or budget entity id")
    return CostForecast(tenant_id=tenant, subject_type=subject_type, subject_id=subject,
                        available=False, reason=NOT_AVAILABLE)
