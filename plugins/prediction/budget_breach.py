"""Budget breach: a budget period projected to end above its limit, before it does (advisory).

Reads the budget projections of the tenant's forecast snapshot (``PredictionContext.
budget_projections``). For each budget whose period has not yet reached its limit (spent <
limit) and whose probability of exceeding it is at least
``budget_breach_probability_threshold`` (0.5), one prediction about the budget (subject type
``budget``, subject id the budget id) with that probability as its confidence. A budget with
both a daily and a monthly limit gets one prediction: the period with the higher probability
(monthly on a tie). Already-exceeded periods are left to the BUDGET_EXCEEDED anomaly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from costsight.core.domain.forecasts import BudgetProjection
from costsight.core.domain.predictions import NewPrediction, PredictionType, SubjectType
from costsight.core.engines import PredictionContext
from costsight.core.money import cents_json
from costsight.core.plugins import hookimpl

NOTE = "ADVISORY: a projection of the budget period from the spend forecast."


def _iso(value: object) -> str | None:
    return None if value is None else str(value)


def _prediction(context: PredictionContext, p: BudgetProjection) -> NewPrediction:
    return NewPrediction(
        tenant_id=context.tenant_id, prediction_type=PredictionType.BUDGET_BREACH.value,
        subject_type=SubjectType.BUDGET.value, subject_id=p.budget_id,
        confidence_score=round(p.probability_exceed, 3),
        prediction_value={
            "predicted_outcome": "budget_breach", "budget_type": p.budget_type.value,
            "entity_id": p.entity_id, "period": p.period.value,
            "period_end": p.period_end.isoformat(), "limit_cents": cents_json(p.limit_cents),
            "spent_cents": cents_json(p.spent_cents),
            "projected_cents": cents_json(p.projected_cents),
            "projected_p80_cents": [cents_json(p.low80_cents), cents_json(p.high80_cents)],
            "probability_exceed": p.probability_exceed,
            "breach_date": _iso(p.breach_date), "breach_date_p80": _iso(p.breach_date_p80)},
        contributing_factors=[
            {"type": "forecast_method", "value": p.method},
            {"type": "spent_share_of_limit",
             "value": round(float(p.spent_cents / p.limit_cents), 3) if p.limit_cents else None},
        ],
        expires_at=context.as_of + timedelta(hours=context.settings.prediction_validity_hours),
        notes=NOTE)


@dataclass(frozen=True)
class BudgetBreachPredictor:
    name: str = "budget_breach"
    order: int = 300

    def predict(self, context: PredictionContext) -> list[NewPrediction]:
        threshold = context.settings.budget_breach_probability_threshold
        best: dict[str, BudgetProjection] = {}
        for p in context.budget_projections:
            if p.spent_cents >= p.limit_cents or p.probability_exceed < threshold:
                continue
            kept = best.get(p.budget_id)
            if kept is None or (p.probability_exceed, p.period.value == "monthly") > (
                    kept.probability_exceed, kept.period.value == "monthly"):
                best[p.budget_id] = p
        return [_prediction(context, p) for _, p in sorted(best.items())]


@hookimpl
def costsight_register_predictors(register: Callable[[object], None]) -> None:
    register(BudgetBreachPredictor())
