"""Failure likelihood and cost overrun, pure (no storage)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from costsight.core.domain.patterns import PatternFeedback
from costsight.plugins.prediction.cost_overrun import CostOverrunPredictor
from costsight.plugins.prediction.failure import FailureLikelihoodPredictor
from tests.engines.builders import AS_OF, TENANT, prediction_context, run, totals

FAILURE = FailureLikelihoodPredictor().predict
OVERRUN = CostOverrunPredictor().predict


@pytest.mark.parametrize(("failed", "total", "emitted"), [
    (33, 100, False), (1, 3, True), (333, 1000, False), (334, 1000, True), (0, 10, False)])
def test_failure_rate_threshold_is_one_third(failed: int, total: int, emitted: bool) -> None:
    found = FAILURE(prediction_context(run_totals=[totals("w1", total, failed)]))
    assert bool(found) is emitted


def test_failure_prediction_fields() -> None:
    fails = [run("w1", "failed", minutes_ago=m, error=e) for m, e in [
        (1, "boom"), (2, "boom"), (3, None), (4, "x" * 150), (5, "other"), (6, "sixth")]]
    feedback = PatternFeedback(
        id="f1", tenant_id=TENANT, pattern_type="failure_pattern", description="d",
        signature="s", metadata={"worker_id": "w1"}, detected_at=AS_OF, last_seen_at=AS_OF)
    [p] = FAILURE(prediction_context(run_totals=[totals("w1", 9, 6), totals("w2", 10, 1)],
                                     failed_runs=fails, failure_patterns=[feedback]))
    assert (p.tenant_id, p.prediction_type, p.subject_type, p.subject_id) == (
        TENANT, "failure_likelihood", "worker", "w1")
    assert p.confidence_score == 1.0  # min(1.5 x 2/3, 1)
    assert p.prediction_value == {"predicted_outcome": "high_failure_likelihood",
                                  "failure_rate": 0.667, "recent_failures": 6, "total_runs": 9}
    assert p.contributing_factors == [
        {"type": "recent_failures", "count": 6},
        {"type": "failure_rate", "value": 0.667},
        {"type": "error_samples", "samples": ["boom", "unknown", "x" * 100]},
        {"type": "feedback_patterns", "count": 1},
    ]
    assert p.expires_at == AS_OF + timedelta(hours=24)
    assert p.notes == "ADVISORY: This is a prediction, not a fact."


def test_confidence_scales_and_rounds() -> None:
    [p] = FAILURE(prediction_context(run_totals=[totals("w1", 7, 3)]))
    assert p.confidence_score == 0.643  # 1.5 x 3/7
    assert p.contributing_factors[2] == {"type": "error_samples", "samples": []}
    assert len(p.contributing_factors) == 3


def costs(worker: str, newest_first: list[str]) -> list:
    return [run(worker, cost=c, minutes_ago=i + 1) for i, c in enumerate(newest_first)]


@pytest.mark.parametrize(("recent", "emitted"), [("114.0175", False), ("114.0176", True)])
def test_cost_overrun_threshold_is_30_pct(recent: str, emitted: bool) -> None:
    # overrun = (trend^2 - 1) x 100 >= 30  <=>  trend >= sqrt(1.3) = 1.1401754...
    runs = costs("w1", [recent] * 3 + ["100"] * 4)
    assert bool(OVERRUN(prediction_context(cost_runs=runs))) is emitted


def test_cost_overrun_fields() -> None:
    runs = costs("w1", ["200", "200", "200", "100", "100"])
    [p] = OVERRUN(prediction_context(cost_runs=runs))
    assert (p.prediction_type, p.subject_id, p.tenant_id) == ("cost_overrun", "w1", TENANT)
    assert p.confidence_score == 0.95  # min(300 / 100, 0.95)
    assert p.prediction_value == {"predicted_outcome": "cost_overrun",
                                  "projected_cost_cents": 400.0, "historical_avg_cents": 100.0,
                                  "overrun_percent": 300.0}
    assert p.contributing_factors == [
        {"type": "recent_avg_cost", "value": 200.0},
        {"type": "historical_avg_cost", "value": 100.0},
        {"type": "trend_multiplier", "value": 2.0},
        {"type": "sample_size", "recent": 3, "historical": 2}]
    assert p.notes == "ADVISORY: This is a projection based on trends."


def test_confidence_is_overrun_over_100_below_the_cap() -> None:
    # recent 120, older 100: overrun = 44 % -> confidence 0.44
    [p] = OVERRUN(prediction_context(cost_runs=costs("w1", ["120"] * 3 + ["100"] * 3)))
    assert p.confidence_score == 0.44


def test_cost_overrun_minimum_runs() -> None:
    assert OVERRUN(prediction_context(cost_runs=costs("w1", ["900", "900"]))) == []
    # exactly 3 runs: the older window is the recent one, the trend is flat
    assert OVERRUN(prediction_context(cost_runs=costs("w1", ["900", "100", "100"]))) == []


def test_workers_are_judged_on_their_own_runs() -> None:
    runs = costs("w1", ["200"] * 3 + ["100"] * 3) + costs("w2", ["100"] * 6)
    assert [p.subject_id for p in OVERRUN(prediction_context(cost_runs=runs))] == ["w1"]


def test_input_order_does_not_matter() -> None:
    runs = costs("w1", ["200"] * 3 + ["100"] * 3)
    forward = OVERRUN(prediction_context(cost_runs=runs))
    backward = OVERRUN(prediction_context(cost_runs=list(reversed(runs))))
    assert forward == backward and forward
