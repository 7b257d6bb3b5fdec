"""Small builders for engine inputs (no storage involved)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.anomalies import BudgetSpend, DailyUsage, DriftTracker, EntityType
from costsight.core.domain.costs import Budget, BudgetType, RunStatus, WorkerRun
from costsight.core.domain.predictions import WorkerRunTotals
from costsight.core.engines import AnomalyContext, PatternContext, PredictionContext
from costsight.core.engines.contexts import summarize
from costsight.core.settings import EngineSettings

TENANT = "t1"
AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
TODAY = AS_OF.date()
SETTINGS = EngineSettings()


def day(offset: int) -> date:
    """TODAY + offset days (offset <= 0 for the past)."""
    return TODAY + timedelta(days=offset)


def usage(entity_type: str, entity_id: str, on: date, spend: str | int | Decimal, *,
          requests: int = 10, retries: int = 0, input_tokens: int = 1000) -> DailyUsage:
    return DailyUsage(entity_type=EntityType(entity_type), entity_id=entity_id, day=on,
                      spend_cents=Decimal(str(spend)), requests=requests, retries=retries,
                      input_tokens=input_tokens)


def flat_history(entity_type: str, entity_id: str, spend: str | int, *, first: int = -14,
                 last: int = -1, **kw: int) -> list[DailyUsage]:
    """The same spend every day from TODAY+first to TODAY+last."""
    return [usage(entity_type, entity_id, day(d), spend, **kw) for d in range(first, last + 1)]


def anomaly_context(rows: list[DailyUsage] = (), *, budgets: list[BudgetSpend] = (),
                    streaks: dict | None = None, trackers: list[DriftTracker] = (),
                    as_of: datetime = AS_OF,
                    settings: EngineSettings = SETTINGS) -> AnomalyContext:
    """A context holding ``rows`` per day and the per-entity summaries the port would return
    for the same data (as the cycle reads it, minus the users' and features' per-day rows)."""
    return AnomalyContext(tenant_id=TENANT, as_of=as_of, settings=settings,
                          daily_usage=tuple(rows),
                          usage_summaries=summarize(rows, as_of.date(), settings),
                          budget_spend=tuple(budgets),
                          prior_streaks=dict(streaks or {}), drift_trackers=tuple(trackers))


def budget(budget_type: str = "tenant", entity_id: str = "", *, daily: str | None = None,
           monthly: str | None = None, warn: int = 80, spent_today: str = "0",
           spent_month: str = "0") -> BudgetSpend:
    row = Budget(id=f"cb_{budget_type}{entity_id}", tenant_id=TENANT,
                 budget_type=BudgetType(budget_type), entity_id=entity_id,
                 daily_limit_cents=daily, monthly_limit_cents=monthly, warn_threshold_pct=warn,
                 created_at=AS_OF, updated_at=AS_OF)
    return BudgetSpend(budget=row, daily_spend_cents=Decimal(spent_today),
                       monthly_spend_cents=Decimal(spent_month))


def tracker(count: int, last_check: date, *, first: date | None = None,
            active: bool = True) -> DriftTracker:
    return DriftTracker(tenant_id=TENANT, entity_type="tenant", entity_id=TENANT,
                        rolling_avg_cents=Decimal(130), baseline_avg_cents=Decimal(100),
                        drift_pct=30.0, drift_days_count=count,
                        first_drift_date=first or last_check, last_check_date=last_check,
                        is_active=active)


_seq = iter(range(10**9))


def run(worker: str, status: str = "completed", *, minutes_ago: int = 60,
        cost: str | None = None, error: str | None = None, run_id: str | None = None,
        tenant: str = TENANT) -> WorkerRun:
    n = next(_seq)
    return WorkerRun(id=run_id or f"run-{n:06d}", tenant_id=tenant, worker_id=worker,
                     status=RunStatus(status), created_at=AS_OF - timedelta(minutes=minutes_ago),
                     cost_cents=cost, error=error)


def totals(worker: str, total: int, failed: int) -> WorkerRunTotals:
    return WorkerRunTotals(worker_id=worker, total_runs=total, failed_runs=failed)


def prediction_context(**kw: object) -> PredictionContext:
    fields = {k: tuple(v) for k, v in kw.items()}
    return PredictionContext(tenant_id=TENANT, as_of=AS_OF, settings=SETTINGS, **fields)


def pattern_context(**kw: object) -> PatternContext:
    fields = {k: tuple(v) for k, v in kw.items()}
    return PatternContext(tenant_id=TENANT, as_of=AS_OF, settings=SETTINGS, **fields)
