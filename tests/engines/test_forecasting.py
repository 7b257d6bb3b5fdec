"""The built-in forecaster and the budget projection on synthetic series.

Accuracy is not asserted here (the quality benchmark measures it on a labelled corpus); these
tests pin which method is used, the shape and ordering of the intervals, determinism, and the
projection's arithmetic on series without noise.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from costsight.core.engines.forecasting import ForecastInput, ForecastResult, zero_filled
from costsight.core.engines.projection import project_budget, quantile
from costsight.plugins.forecast.exponential import ExponentialSmoothingForecaster
from costsight.plugins.forecast.smoothing import HOLT_WINTERS, MEAN, SES

START = date(2026, 3, 2)  # a Monday
WEEK = (100.0, 110.0, 105.0, 100.0, 95.0, 20.0, 15.0)


def forecast(values: list[float], horizon: int = 14, **kw: int) -> ForecastResult:
    result = ExponentialSmoothingForecaster().forecast(
        ForecastInput(tuple(values), START, horizon, **kw))
    assert result.horizon == horizon
    return result


def seasonal(days: int, noise: float = 0.05, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [WEEK[i % 7] * (1 + rng.gauss(0, noise)) for i in range(days)]


def test_three_weeks_of_weekly_spend_use_holt_winters_and_keep_the_weekend_low() -> None:
    result = forecast(seasonal(42))
    assert result.method == HOLT_WINTERS
    # history is 6 whole weeks, so forecast day i is weekday i % 7
    weekdays = [p for i, p in enumerate(result.point) if i % 7 < 5]
    weekend = [p for i, p in enumerate(result.point) if i % 7 >= 5]
    assert min(weekdays) > 2 * max(weekend)


@pytest.mark.parametrize(("days", "method"), [(20, SES), (4, SES), (3, MEAN), (1, MEAN)])
def test_short_history_falls_back(days: int, method: str) -> None:
    assert forecast(seasonal(days)).method == method


def test_a_zero_series_forecasts_zero_with_empty_intervals() -> None:
    for days in (2, 10, 30):
        result = forecast([0.0] * days, paths=5)
        assert set(result.point + result.low95 + result.high95) == {0.0}
        assert all(set(path) == {0.0} for path in result.paths)


def test_intervals_are_ordered_non_negative_and_widen_with_the_horizon() -> None:
    for values in (seasonal(35, noise=0.3), seasonal(10, noise=0.3), [5.0, 0.0, 9.0]):
        r = forecast(values, horizon=30)
        for i in range(30):
            assert 0 <= r.low95[i] <= r.low80[i] <= r.point[i] <= r.high80[i] <= r.high95[i]
        width = [hi - lo for lo, hi in zip(r.low80, r.high80, strict=True)]
        # the same weekday a week later is never narrower (clipping at zero aside)
        assert all(width[i + 7] >= width[i] - 1e-9 for i in range(23) if r.low80[i + 7] > 0)


def test_paths_are_seeded_and_as_many_as_asked() -> None:
    values = seasonal(30, noise=0.2)
    a, b = forecast(values, paths=50, seed=7), forecast(values, paths=50, seed=7)
    assert a.paths == b.paths and len(a.paths) == 50 and all(len(p) == 14 for p in a.paths)
    assert forecast(values, paths=50, seed=8).paths != a.paths
    assert forecast(values).paths == ()


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="horizon"):
        ForecastInput((1.0,), START, 0)
    with pytest.raises(ValueError, match="paths"):
        ForecastInput((1.0,), START, 1, paths=-1)
    with pytest.raises(ValueError, match="low95"):
        ForecastResult("x", (1.0,), (2.0,), (3.0,), (0.0,), (4.0,))


def test_zero_filled_fills_missing_days() -> None:
    days = [(START, 2.0), (START + timedelta(days=2), 3.0)]
    assert zero_filled(days, START, START + timedelta(days=3)) == (2.0, 0.0, 3.0, 0.0)


def flat(per_day: float, horizon: int) -> ForecastResult:
    days = (per_day,) * horizon
    return ForecastResult("flat", days, days, days, days, days, paths=(days,) * 10)


def test_projection_of_a_certain_series_crosses_on_the_exact_day() -> None:
    # 10 a day; 5 already spent today and half of today to go: 10, 20, 30, 40 ...
    p = project_budget(flat(10.0, 10), limit=Decimal(35), spent=Decimal(5), start_day=START,
                       period_days=10, remaining_today=0.5)
    assert p.projected == pytest.approx(100.0)
    assert p.probability_exceed == 1.0
    assert p.breach_date == p.breach_date_p80 == START + timedelta(days=3)
    below = project_budget(flat(10.0, 10), limit=Decimal(1000), spent=Decimal(0),
                           start_day=START, period_days=10)
    assert below.probability_exceed == 0.0 and below.breach_date is None
    assert below.breach_date_p80 is None


def test_projection_of_an_already_exceeded_budget_is_certain_and_dated_today() -> None:
    p = project_budget(flat(0.0, 3), limit=10, spent=12, start_day=START, period_days=3)
    assert p.probability_exceed == 1.0 and p.breach_date == START


def test_projection_from_paths_is_deterministic_and_its_p80_date_comes_first() -> None:
    result = forecast(seasonal(42, noise=0.3), horizon=20, paths=1000, seed=3)
    kw = {"limit": Decimal(1200), "spent": Decimal(0), "start_day": START, "period_days": 20}
    p = project_budget(result, **kw)  # type: ignore[arg-type]
    assert p == project_budget(result, **kw)  # type: ignore[arg-type]
    assert 0 < p.probability_exceed <= 1
    assert p.breach_date is not None and p.breach_date_p80 is not None
    assert p.breach_date_p80 <= p.breach_date
    assert p.low95 <= p.low80 <= p.projected <= p.high80 <= p.high95


def test_projection_without_paths_simulates_from_the_interval() -> None:
    no_paths = ForecastResult("x", (10.0,) * 5, (8.0,) * 5, (12.0,) * 5, (6.0,) * 5,
                              (14.0,) * 5)
    p = project_budget(no_paths, limit=50, spent=0, start_day=START, period_days=5, seed=1)
    assert 0.3 < p.probability_exceed < 0.7
    with pytest.raises(ValueError, match="period_days"):
        project_budget(no_paths, limit=50, spent=0, start_day=START, period_days=6)


def test_quantile_interpolates() -> None:
    assert quantile([0.0, 10.0], 0.5) == 5.0 and quantile([], 0.5) == 0.0
