"""Where every budget of a tenant stands today and this month (UTC), as of the clock's now."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from costsight.core.domain.anomalies import BudgetSpend
from costsight.core.domain.costs import Budget, BudgetType
from costsight.core.ports import Storage
from costsight.core.services.read_models import MoneyCents, ReadModel, iso, pct
from costsight.core.timeutil import Clock, month_start, utc_day


class BudgetState(StrEnum):
    """How one period of a budget stands; ``no_limit`` when that period has no limit."""

    NO_LIMIT = "no_limit"
    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"


#: Worst first: the overall status of a budget is the worse of its two periods.
_RANK = {BudgetState.EXCEEDED: 3, BudgetState.WARNING: 2, BudgetState.OK: 1,
         BudgetState.NO_LIMIT: 0}


class PeriodStatus(ReadModel):
    """One period of a budget: its limit, the spend counted against it, and the usage."""

    has_limit: bool
    limit_cents: MoneyCents = Field(description="the limit (0 when has_limit is false)")
    spend_cents: MoneyCents
    usage_pct: float = Field(description="spend / limit x 100, 2 decimals (0 without a limit)")
    status: BudgetState


class BudgetStatusRow(ReadModel):
    budget_id: str
    budget_type: BudgetType
    entity_id: str = Field(description="user id or feature tag; empty for the tenant budget")
    warn_threshold_pct: int
    hard_limit_enabled: bool
    daily: PeriodStatus = Field(description="today (UTC) so far")
    monthly: PeriodStatus = Field(description="this calendar month (UTC) so far")
    status: BudgetState = Field(description="the worse of daily and monthly")


class BudgetStatusReport(ReadModel):
    as_of: str = Field(description="the instant spend was counted up to, ISO 8601 UTC")
    day: str = Field(description="the UTC day counted as 'today'")
    month_start: str = Field(description="first day of the month counted")
    budgets: list[BudgetStatusRow] = Field(description="active budgets by (type, entity)")
    inactive_budgets: int = Field(description="inactive budgets, not evaluated")


def period_status(limit: Decimal | None, spend: Decimal, warn_pct: int) -> PeriodStatus:
    """Warning from ``warn_pct`` percent of the limit, exceeded from 100%."""
    if limit is None:
        return PeriodStatus(has_limit=False, limit_cents=Decimal(0), spend_cents=spend,
                            usage_pct=0.0, status=BudgetState.NO_LIMIT)
    if limit == 0:
        # A zero limit allows no spend at all: any spend exceeds it.
        usage = 100.0 if spend > 0 else 0.0
    else:
        usage = pct(spend, limit)
    state = (BudgetState.EXCEEDED if usage >= 100 else
             BudgetState.WARNING if usage >= warn_pct else BudgetState.OK)
    return PeriodStatus(has_limit=True, limit_cents=limit, spend_cents=spend, usage_pct=usage,
                        status=state)


def budget_row(item: BudgetSpend) -> BudgetStatusRow:
    budget: Budget = item.budget
    daily = period_status(budget.daily_limit_cents, item.daily_spend_cents,
                          budget.warn_threshold_pct)
    monthly = period_status(budget.monthly_limit_cents, item.monthly_spend_cents,
                            budget.warn_threshold_pct)
    return BudgetStatusRow(
        budget_id=budget.id, budget_type=budget.budget_type, entity_id=budget.entity_id,
        warn_threshold_pct=budget.warn_threshold_pct,
        hard_limit_enabled=budget.hard_limit_enabled, daily=daily, monthly=monthly,
        status=max(daily.status, monthly.status, key=_RANK.__getitem__))


class BudgetStatusService:
    """Budget status of one tenant: two queries, whatever the number of budgets."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    async def budget_status(self, tenant_id: str) -> BudgetStatusReport:
        """Every active budget with today's and this month's spend, usage % and status."""
        now = self.clock.now()
        day = utc_day(now)
        async with self.storage.unit_of_work() as uow:
            spends = await uow.cost_anomalies.budget_spend(tenant_id, day, now)
            budgets = await uow.costs.list_budgets(tenant_id)
        return BudgetStatusReport(
            as_of=iso(now), day=day.isoformat(), month_start=month_start(day).isoformat(),
            budgets=[budget_row(item) for item in spends],
            inactive_budgets=sum(1 for b in budgets if not b.is_active),
        )
