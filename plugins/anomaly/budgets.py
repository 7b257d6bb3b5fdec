"""Budgets: every active budget, its daily and its monthly limit evaluated separately.

usage = spend / limit: at 100 % or more BUDGET_EXCEEDED (HIGH, threshold_ratio 1.0); else at
``warn_threshold_pct`` or more BUDGET_WARNING, MEDIUM below ``budget_high_usage_pct`` (90 %)
and HIGH from it (threshold_ratio warn / 100). deviation_pct = usage_pct - 100; ``period``
(daily / monthly) is part of the dedupe key, so the two limits of one budget never collide.
Daily spend is today so far, monthly spend is the month so far (both up to the "as of" time).
A limit that is unset or 0 is not evaluated. Budget anomalies carry no derived cause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from costsight.core.domain.anomalies import AnomalyType, BudgetSpend, DetectedAnomaly, Severity
from costsight.core.domain.costs import BudgetPeriod
from costsight.core.engines import AnomalyContext, AnomalyFindings
from costsight.core.engines.exact import as_fraction, at_least
from costsight.core.money import cents_json
from costsight.core.plugins import hookimpl
from costsight.core.settings import EngineSettings


@dataclass(frozen=True)
class BudgetDetector:
    name: str = "budgets"
    order: int = 300

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        found: list[DetectedAnomaly] = []
        for row in sorted(context.budget_spend,
                          key=lambda r: (r.budget.budget_type.value, r.budget.entity_id)):
            for period, limit, spend in (
                    (BudgetPeriod.DAILY, row.budget.daily_limit_cents, row.daily_spend_cents),
                    (BudgetPeriod.MONTHLY, row.budget.monthly_limit_cents,
                     row.monthly_spend_cents)):
                if limit is not None and limit > 0:
                    anomaly = evaluate(context.tenant_id, row, period, limit, spend,
                                       context.settings)
                    if anomaly is not None:
                        found.append(anomaly)
        return AnomalyFindings(anomalies=tuple(found))


def evaluate(tenant_id: str, row: BudgetSpend, period: BudgetPeriod, limit: Decimal,
             spend: Decimal, settings: EngineSettings) -> DetectedAnomaly | None:
    """The anomaly of one budget limit, or None when spend is below the warning threshold."""
    budget = row.budget
    if spend < limit and not _pct_reached(spend, limit, budget.warn_threshold_pct):
        return None  # most budgets: decided in integers, before any fraction arithmetic
    usage = as_fraction(spend) / as_fraction(limit) * 100
    metadata: dict[str, object] = {"period": period.value, "limit_cents": cents_json(limit),
                                   "budget_id": budget.id}
    if spend >= limit:
        kind, severity, ratio, word = AnomalyType.BUDGET_EXCEEDED, Severity.HIGH, 1.0, "EXCEEDED"
    else:  # at or over the warning threshold (checked above)
        kind, ratio, word = AnomalyType.BUDGET_WARNING, budget.warn_threshold_pct / 100, "WARNING"
        high = at_least(spend * 100, limit, settings.budget_high_usage_pct)
        severity = Severity.HIGH if high else Severity.MEDIUM
        metadata["warn_threshold_pct"] = budget.warn_threshold_pct
    desc = (budget.budget_type.value if not budget.entity_id
            else f"{budget.budget_type.value} '{budget.entity_id}'")
    return DetectedAnomaly(
        tenant_id=tenant_id, anomaly_type=kind, severity=severity,
        entity_type=budget.budget_type.value, entity_id=budget.entity_id, period=period.value,
        current_value_cents=spend, expected_value_cents=limit,
        deviation_pct=float(usage - 100), threshold_ratio=ratio, usage_pct=float(usage),
        message=f"{period.value.capitalize()} budget {word} for {desc}: {float(usage):.1f}%",
        metadata=metadata)


def _pct_reached(spend: Decimal, limit: Decimal, pct: int) -> bool:
    """spend x 100 >= limit x pct, exactly (limit > 0)."""
    spend_num, spend_den = spend.as_integer_ratio()
    limit_num, limit_den = limit.as_integer_ratio()
    return spend_num * 100 * limit_den >= limit_num * spend_den * pct


@hookimpl
def costsight_register_anomaly_detectors(register: Callable[[object], None]) -> None:
    register(BudgetDetector())
