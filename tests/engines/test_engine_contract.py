"""The contract every registered engine keeps: empty in, nothing out; deterministic; pure."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.domain.forecasts import BudgetProjection
from costsight.core.engines import AnomalyFindings
from costsight.core.engines.forecasting import ForecastInput
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.settings import EngineSettings
from tests.engines.builders import (
    TENANT,
    TODAY,
    anomaly_context,
    budget,
    day,
    flat_history,
    pattern_context,
    prediction_context,
    run,
    totals,
    tracker,
    usage,
)

ENGINES = Engines(build_plugin_manager(EngineSettings(), load_entrypoints=False))


def busy_anomaly_context() -> object:
    rows = (flat_history("tenant", TENANT, "100", first=-28, last=-1)
            + [usage("tenant", TENANT, TODAY, "900", requests=40)]
            + flat_history("user", "u1", "10", last=-1) + [usage("user", "u1", TODAY, "90")]
            + [usage("feature", "a.b", day(-3), "5"), usage("feature", "a.b", TODAY, "80")])
    return anomaly_context(rows, budgets=[budget(daily="100", monthly="500", spent_today="900",
                                                 spent_month="2000")],
                           streaks={("user", "u1"): 2, ("tenant", TENANT): 1},
                           trackers=[tracker(2, day(-1))])


def busy_prediction_context() -> object:
    fails = [run("w1", "failed", error="boom 1", minutes_ago=m) for m in (1, 2, 3)]
    cost = [run("w2", cost=c, minutes_ago=i + 1) for i, c in enumerate(["300"] * 3 + ["100"] * 3)]
    at_risk = BudgetProjection(
        tenant_id=TENANT, budget_id="b1", budget_type=BudgetType.TENANT,
        period=BudgetPeriod.MONTHLY, period_end=date(2026, 3, 31), limit_cents=Decimal(500),
        spent_cents=Decimal(400), projected_cents=Decimal(600), low80_cents=Decimal(550),
        high80_cents=Decimal(650), low95_cents=Decimal(520), high95_cents=Decimal(700),
        probability_exceed=0.9, breach_date=date(2026, 3, 25), method="ses")
    return prediction_context(run_totals=[totals("w1", 4, 3), totals("w2", 6, 0)],
                              failed_runs=fails, cost_runs=cost, budget_projections=[at_risk])


def busy_pattern_context() -> object:
    fails = [run("w1", "failed", error=f"boom {m}", minutes_ago=m) for m in (1, 2, 3)]
    cost = [run("w2", cost=c, minutes_ago=i + 1) for i, c in enumerate(["300"] + ["100"] * 5)]
    return pattern_context(failed_runs=fails, cost_runs=cost)


CASES = (
    [pytest.param(e.detect, anomaly_context, busy_anomaly_context, id=f"anomaly:{e.name}")
     for e in ENGINES.anomaly_detectors()]
    + [pytest.param(e.predict, prediction_context, busy_prediction_context, id=f"predictor:{e.name}")
       for e in ENGINES.predictors()]
    + [pytest.param(e.detect, pattern_context, busy_pattern_context, id=f"pattern:{e.name}")
       for e in ENGINES.pattern_detectors()]
)


def test_every_builtin_engine_is_covered() -> None:
    assert len(CASES) == 8


FORECASTERS = ENGINES.forecasters()


@pytest.mark.parametrize("forecaster", FORECASTERS, ids=[f.name for f in FORECASTERS])
def test_forecasters_are_deterministic_and_pure(forecaster) -> None:
    assert [f.name for f in FORECASTERS] == ["exponential_smoothing"]
    for values in ((), (0.0,) * 30, tuple(float(i % 7) for i in range(40))):
        series = ForecastInput(values, date(2026, 2, 1), horizon=10, paths=20, seed=1)
        first = forecaster.forecast(series)
        assert first is not None and first.horizon == 10 and len(first.paths) == 20
        assert forecaster.forecast(copy.deepcopy(series)) == first


def _as_list(found: object) -> list:
    if isinstance(found, AnomalyFindings):
        return [*found.anomalies, *found.breaches, *found.drift_trackers]
    return list(found)


@pytest.mark.parametrize(("engine", "empty", "busy"), CASES)
def test_empty_data_gives_no_findings(engine, empty, busy) -> None:
    assert _as_list(engine(empty())) == []


@pytest.mark.parametrize(("engine", "empty", "busy"), CASES)
def test_busy_data_gives_findings_deterministically_without_mutating_input(
        engine, empty, busy) -> None:
    context = busy()
    before = copy.deepcopy(context)
    first = _as_list(engine(context))
    assert first, "the busy context must exercise the engine"
    assert _as_list(engine(context)) == first
    assert _as_list(engine(copy.deepcopy(before))) == first
    assert context == before


DERIVERS = ENGINES.cause_derivers()


@pytest.mark.parametrize("deriver", DERIVERS, ids=[d.name for d in DERIVERS])
def test_cause_derivers_keep_the_contract(deriver) -> None:
    empty = anomaly_context().cause_evidence("tenant", TENANT)
    assert deriver.derive(empty) is None
    busy = busy_anomaly_context()
    evidence = busy.cause_evidence("tenant", TENANT)
    before = copy.deepcopy(evidence)
    first = deriver.derive(evidence)
    assert deriver.derive(evidence) == first and evidence == before
    assert first is None or (first.isupper() and len(first) <= 32)
