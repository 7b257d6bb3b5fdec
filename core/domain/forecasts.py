"""Forecast snapshots: daily spend forecasts with intervals, and budget projections.

A snapshot is everything one forecast run computed for one tenant; storing a new one replaces
the tenant's previous snapshot whole, so readers (the MCP tool) never mix two runs. Money is
exact once stored: the forecaster's floats are rounded to micro-cents (``quantize_cents``).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from costsight.core.domain.base import EntityText, Frozen, TenantId
from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.money import MAX_CENTS, Cents
from costsight.core.timeutil import UtcDateTime

_MICRO = Decimal("0.000001")


class ForecastSubject(StrEnum):
    """What a daily series is the spend of; ``tenant`` series have subject_id = tenant id."""

    TENANT = "tenant"
    FEATURE = "feature"
    USER = "user"


def quantize_cents(value: float) -> Decimal:
    """A forecast amount (float cents) as exact cents: micro-cent rounding, within the BIGINT
    range, never negative."""
    amount = Decimal(repr(max(float(value), 0.0))).quantize(_MICRO, rounding=ROUND_HALF_EVEN)
    return min(amount, MAX_CENTS.quantize(_MICRO, rounding="ROUND_DOWN")).normalize()


class ForecastDay(Frozen):
    """One forecast day: the point and the 80% / 95% prediction intervals, in cents."""

    day: date
    point_cents: Cents = Field(ge=0)
    low80_cents: Cents = Field(ge=0)
    high80_cents: Cents = Field(ge=0)
    low95_cents: Cents = Field(ge=0)
    high95_cents: Cents = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ForecastDay:
        if not (self.low95_cents <= self.low80_cents <= self.point_cents <= self.high80_cents
                <= self.high95_cents):
            raise ValueError("need low95 <= low80 <= point <= high80 <= high95")
        return self


class SeriesForecast(Frozen):
    """The forecast of one subject's daily spend: consecutive days from the snapshot's start.

    ``method``: the model used (built-in: ``holt_winters_weekly``, ``ses``, ``mean``);
    ``forecaster``: the registered forecaster's name; ``history_days``: days of history.
    """

    tenant_id: TenantId
    subject_type: ForecastSubject
    subject_id: EntityText
    method: str = Field(min_length=1, max_length=64)
    forecaster: str = Field(min_length=1, max_length=64)
    history_days: int = Field(ge=0)
    days: tuple[ForecastDay, ...]

    @model_validator(mode="after")
    def _consecutive(self) -> SeriesForecast:
        for before, after in zip(self.days, self.days[1:], strict=False):
            if (after.day - before.day).days != 1:
                raise ValueError("days must be consecutive and ascending")
        return self


class BudgetProjection(Frozen):
    """Where one budget period is projected to end.

    ``period``: ``monthly`` (ends on the month's last day) or ``daily`` (today);
    ``spent_cents``: counted so far in the period; ``projected_cents`` and the interval bounds:
    the period's total; ``probability_exceed``: share of simulated totals at or above the
    limit; ``breach_date``: first day the median cumulative spend reaches the limit,
    ``breach_date_p80`` the first day its 80% upper bound does (None: not within the period).
    """

    tenant_id: TenantId
    budget_id: str = Field(min_length=1, max_length=64)
    budget_type: BudgetType
    entity_id: EntityText = ""
    period: BudgetPeriod
    period_end: date
    limit_cents: Cents = Field(ge=0)
    spent_cents: Cents
    projected_cents: Cents
    low80_cents: Cents
    high80_cents: Cents
    low95_cents: Cents
    high95_cents: Cents
    probability_exceed: float = Field(ge=0.0, le=1.0)
    breach_date: date | None = None
    breach_date_p80: date | None = None
    method: str = Field(min_length=1, max_length=64)


class ForecastSnapshot(Frozen):
    """One tenant's forecast run: every series and every budget projection.

    ``start_day`` is the first forecast day (the day of ``generated_at``: the history ends the
    day before); every series has ``horizon_days`` days from it.
    """

    tenant_id: TenantId
    generated_at: UtcDateTime
    start_day: date
    horizon_days: int = Field(ge=1, le=366)
    series: tuple[SeriesForecast, ...] = ()
    projections: tuple[BudgetProjection, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ForecastSnapshot:
        seen: set[tuple[str, str]] = set()
        for item in self.series:
            key = (item.subject_type.value, item.subject_id)
            if item.tenant_id != self.tenant_id or key in seen:
                raise ValueError(f"series {key}: another tenant's or repeated")
            seen.add(key)
            if len(item.days) != self.horizon_days or (
                    item.days and item.days[0].day != self.start_day):
                raise ValueError(f"series {key}: must have horizon_days days from start_day")
        budgets: set[tuple[str, str]] = set()
        for projection in self.projections:
            key = (projection.budget_id, projection.period.value)
            if projection.tenant_id != self.tenant_id or key in budgets:
                raise ValueError(f"projection {key}: another tenant's or repeated")
            budgets.add(key)
        return self


class ForecastHeader(Frozen):
    """What a stored snapshot is, without its rows."""

    tenant_id: TenantId
    generated_at: UtcDateTime
    start_day: date
    horizon_days: int
    series_count: int
    projection_count: int
