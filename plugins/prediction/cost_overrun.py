"""Cost overrun: a worker whose newest runs cost more than its earlier ones (advisory).

Per worker with at least 3 completed, costed runs in the lookback (7 days): recent = mean cost of
the newest 3, older = mean of the rest (recent again when there is no rest); trend = recent /
older; projected = recent x trend; overrun % = (projected - older) / older x 100. Emitted at
overrun >= 30 % with confidence min(overrun / 100, 0.95). The tenant is the worker's own
(every run in the context belongs to ``context.tenant_id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from costsight.core.domain.predictions import NewPrediction, PredictionType, SubjectType
from costsight.core.engines import PredictionContext, runs_by_worker
from costsight.core.engines.exact import as_fraction, rounded
from costsight.core.plugins import hookimpl

NOTE = "ADVISORY: This is a projection based on trends."


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, start=Fraction(0)) / len(values)


@dataclass(frozen=True)
class CostOverrunPredictor:
    name: str = "cost_overrun"
    order: int = 200

    def predict(self, context: PredictionContext) -> list[NewPrediction]:
        settings = context.settings
        window = settings.cost_trend_recent_runs
        out: list[NewPrediction] = []
        for worker, runs in runs_by_worker(context.cost_runs).items():
            costs = [as_fraction(run.cost_cents) for run in runs if run.cost_cents]
            if len(costs) < settings.cost_trend_min_runs:
                continue
            recent, older = costs[:window], costs[window:] or costs[:window]
            recent_avg, older_avg = _mean(recent), _mean(older)
            if older_avg <= 0:
                continue
            trend = recent_avg / older_avg
            projected = recent_avg * trend
            overrun = (projected - older_avg) / older_avg * 100
            if overrun < as_fraction(settings.cost_overrun_threshold_pct):
                continue
            confidence = min(overrun / 100, as_fraction(settings.cost_overrun_confidence_cap))
            out.append(NewPrediction(
                tenant_id=context.tenant_id, prediction_type=PredictionType.COST_OVERRUN.value,
                subject_type=SubjectType.WORKER.value, subject_id=worker,
                confidence_score=rounded(confidence, 3),
                prediction_value={"predicted_outcome": "cost_overrun",
                                  "projected_cost_cents": rounded(projected, 2),
                                  "historical_avg_cents": rounded(older_avg, 2),
                                  "overrun_percent": rounded(overrun, 1)},
                contributing_factors=[
                    {"type": "recent_avg_cost", "value": rounded(recent_avg, 2)},
                    {"type": "historical_avg_cost", "value": rounded(older_avg, 2)},
                    {"type": "trend_multiplier", "value": rounded(trend, 3)},
                    {"type": "sample_size", "recent": len(recent),
                     "historical": len(costs) - len(recent)},
                ],
                expires_at=context.as_of + timedelta(hours=settings.prediction_validity_hours),
                notes=NOTE))
        return out


@hookimpl
def costsight_register_predictors(register: Callable[[object], None]) -> None:
    register(CostOverrunPredictor())
