"""Failure likelihood: workers whose recent runs fail often (advisory, expires after 24 h).

failure_rate = failed / all runs of the worker in the lookback (7 days), counted exactly by the
storage (no sampling); confidence = min(1.5 x rate, 1); emitted at confidence >= 0.5, i.e. a
rate of at least 1/3. Factors, in order: recent_failures, failure_rate, error_samples (the first
distinct errors among the newest 5 failures, 100 characters each, at most 3) and, when
failure-pattern feedback names the worker, feedback_patterns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import Any

from costsight.core.domain.predictions import NewPrediction, PredictionType, SubjectType
from costsight.core.engines import PredictionContext, runs_by_worker
from costsight.core.engines.exact import as_fraction, rounded
from costsight.core.plugins import hookimpl

NOTE = "ADVISORY: This is a prediction, not a fact."
SAMPLE_CHARS = 100
MAX_SAMPLES = 3


@dataclass(frozen=True)
class FailureLikelihoodPredictor:
    name: str = "failure_likelihood"
    order: int = 100

    def predict(self, context: PredictionContext) -> list[NewPrediction]:
        settings = context.settings
        failures = runs_by_worker(context.failed_runs)
        out: list[NewPrediction] = []
        for totals in sorted(context.run_totals, key=lambda t: t.worker_id):
            if totals.failed_runs <= 0 or totals.total_runs <= 0:
                continue
            rate = Fraction(totals.failed_runs, totals.total_runs)
            confidence = min(rate * as_fraction(settings.failure_confidence_scale), Fraction(1))
            if confidence < as_fraction(settings.failure_confidence_threshold):
                continue
            worker = totals.worker_id
            newest = failures.get(worker, [])[:settings.failure_samples_per_worker]
            samples = list(dict.fromkeys((run.error or "unknown")[:SAMPLE_CHARS]
                                         for run in newest))[:MAX_SAMPLES]
            factors: list[dict[str, Any]] = [
                {"type": "recent_failures", "count": totals.failed_runs},
                {"type": "failure_rate", "value": rounded(rate, 3)},
                {"type": "error_samples", "samples": samples},
            ]
            patterns = sum(1 for fb in context.failure_patterns
                           if str(fb.metadata.get("worker_id")) == worker)
            if patterns:
                factors.append({"type": "feedback_patterns", "count": patterns})
            out.append(NewPrediction(
                tenant_id=context.tenant_id,
                prediction_type=PredictionType.FAILURE_LIKELIHOOD.value,
                subject_type=SubjectType.WORKER.value, subject_id=worker,
                confidence_score=rounded(confidence, 3),
                prediction_value={"predicted_outcome": "high_failure_likelihood",
                                  "failure_rate": rounded(rate, 3),
                                  "recent_failures": totals.failed_runs,
                                  "total_runs": totals.total_runs},
                contributing_factors=factors,
                expires_at=context.as_of + timedelta(hours=settings.prediction_validity_hours),
                notes=NOTE))
        return out


@hookimpl
def costsight_register_predictors(register: Callable[[object], None]) -> None:
    register(FailureLikelihoodPredictor())
