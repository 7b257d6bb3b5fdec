"""The budget_breach predictor at its boundaries (pure, on hand-made projections)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.domain.forecasts import BudgetProjection
from costsight.core.settings import EngineSettings
from costsight.plugins.prediction.budget_breach import BudgetBreachPredictor
from tests.engines.builders import AS_OF, TENANT, prediction_context


def projection(budget_id: str = "b1", probability: float = 0.5, *, spent: str = "400",
               period: BudgetPeriod = BudgetPeriod.MONTHLY) -> BudgetProjection:
    return BudgetProjection(
        tenant_id=TENANT, budget_id=budget_id, budget_type=BudgetType.USER, entity_id="u1",
        period=period, period_end=date(2026, 3, 31), limit_cents=Decimal(500),
        spent_cents=Decimal(spent), projected_cents=Decimal(510), low80_cents=Decimal(450),
        high80_cents=Decimal(560), low95_cents=Decimal(420), high95_cents=Decimal(600),
        probability_exceed=probability, breach_date=date(2026, 3, 30),
        breach_date_p80=date(2026, 3, 27), method="holt_winters_weekly")


def predict(*items: BudgetProjection, threshold: float = 0.5) -> list:  # type: ignore[type-arg]
    context = prediction_context(budget_projections=items)
    if threshold != 0.5:
        context = replace(context, settings=EngineSettings(
            budget_breach_probability_threshold=threshold))
    return BudgetBreachPredictor().predict(context)


def test_emitted_from_the_threshold_on_with_the_probability_as_confidence() -> None:
    assert predict(projection(probability=0.4999)) == []
    [p] = predict(projection(probability=0.5))
    assert (p.prediction_type, p.subject_type, p.subject_id) == ("budget_breach", "budget", "b1")
    assert p.confidence_score == 0.5 and p.expires_at == AS_OF + timedelta(hours=24)
    assert p.prediction_value["breach_date"] == "2026-03-30"
    assert p.prediction_value["breach_date_p80"] == "2026-03-27"
    assert p.prediction_value["spent_cents"] == 400 and p.prediction_value["period"] == "monthly"
    assert predict(projection(probability=0.6), threshold=0.7) == []
    assert len(predict(projection(probability=0.7), threshold=0.7)) == 1


def test_not_emitted_once_the_limit_is_reached() -> None:
    assert predict(projection(probability=1.0, spent="500")) == []
    assert len(predict(projection(probability=1.0, spent="499.999999"))) == 1


def test_one_prediction_per_budget_the_likelier_period_wins() -> None:
    daily = projection(probability=0.8, period=BudgetPeriod.DAILY)
    monthly = projection(probability=0.6)
    [p] = predict(monthly, daily)
    assert p.prediction_value["period"] == "daily" and p.confidence_score == 0.8
    [tie] = predict(projection(probability=0.6, period=BudgetPeriod.DAILY), monthly)
    assert tie.prediction_value["period"] == "monthly"
    assert [p.subject_id for p in predict(projection("b2", 0.9), projection("b1", 0.9))] == [
        "b1", "b2"]
