"""get_cost_forecast: projected spend with prediction intervals, read from stored snapshots.

The forecast cycle (``costsight detect``, the worker's ``forecasts`` job) stores one snapshot
per tenant; this tool only reads it, never computes. Without a snapshot, or without a series or
budget for the subject in it, it answers ``available: false`` with the reason, never a guess.
``days`` run from the snapshot's first day (the day it was made) for ``horizon_days`` days (0:
to that month's end) as far as the snapshot reaches. ``projection`` and ``budget`` are set for
a budget subject: its period's projected total, and the probability and dates of a breach.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.forecasts import BudgetProjection as StoredProjection
from costsight.core.domain.forecasts import ForecastDay as StoredDay
from costsight.core.errors import ValidationError
from costsight.core.services.forecast_build import month_end
from costsight.core.services.forecast_reads import ForecastRead, read_forecast
from costsight.core.services.read_models import MoneyCents, ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import LowerChoice, TenantIdParam, optional_text
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

MAX_HORIZON_DAYS = 90
NOT_AVAILABLE = ("no forecast is available yet for this tenant: forecasts are computed by "
                 "`costsight detect` and the worker; use get_cost_statistics or "
                 "compare_periods for observed spend")

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
    found = await read_forecast(state.app.storage, tenant, subject_type, subject)
    return answer(found, tenant, subject_type, subject, horizon_days)


def _interval(low: object, high: object) -> Interval:
    return Interval.model_validate({"low_cents": low, "high_cents": high})


def _day(d: StoredDay) -> ForecastDay:
    return ForecastDay(day=d.day.isoformat(), point_cents=d.point_cents,
                       p80=_interval(d.low80_cents, d.high80_cents),
                       p95=_interval(d.low95_cents, d.high95_cents))


def _budget(p: StoredProjection) -> tuple[PeriodProjection, BudgetProjection]:
    period = PeriodProjection(period_end=f"{p.period_end.isoformat()}T23:59:59.999999+00:00",
                              projected_cents=p.projected_cents,
                              p80=_interval(p.low80_cents, p.high80_cents),
                              p95=_interval(p.low95_cents, p.high95_cents))
    budget = BudgetProjection(
        limit_cents=p.limit_cents, probability_exceed=p.probability_exceed,
        breach_date=p.breach_date.isoformat() if p.breach_date else None,
        breach_date_p80=p.breach_date_p80.isoformat() if p.breach_date_p80 else None)
    return period, budget


def answer(found: ForecastRead, tenant: str, subject_type: str, subject: str | None,
           horizon_days: int) -> CostForecast:
    """The tool's answer from what was read (pure)."""
    base = CostForecast(tenant_id=tenant, subject_type=subject_type, subject_id=subject,
                        available=False, reason=NOT_AVAILABLE)
    header = found.header
    if header is None:
        return base
    generated = header.generated_at.isoformat()
    if found.series is None and not found.projections:
        what = "budget" if subject_type == "budget" else subject_type
        return base.model_copy(update={
            "generated_at": generated,
            "reason": f"the forecast made at {generated} has no {what} {subject or tenant!r}: "
                      "no active budget by that id or entity, or no spend in its history"})
    days = list(found.series.days) if found.series is not None else []
    last = (month_end(header.start_day) if horizon_days == 0
            else header.start_day + timedelta(days=horizon_days - 1))
    update: dict[str, object] = {
        "available": True, "reason": None, "generated_at": generated,
        "method": found.series.method if found.series is not None else None,
        "days": [_day(d) for d in days if d.day <= last]}
    if found.projections:
        chosen = found.projections[0]
        update["projection"], update["budget"] = _budget(chosen)
        update["method"] = chosen.method
    return base.model_copy(update=update)
