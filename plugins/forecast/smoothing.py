"""Exponential smoothing for daily spend: additive Holt-Winters (weekly), SES, or the mean.

Which model: with at least ``SEASONAL_MIN_DAYS`` (three weeks) of history, additive
Holt-Winters with a 7-day season, ETS(A,N,A); with at least ``SES_MIN_DAYS``, simple
exponential smoothing, ETS(A,N,N); else the mean. The smoothing weights are picked from a
small grid by the in-sample sum of squared one-step errors. Intervals come from those one-step
errors (sigma: their root mean square, with the degrees of freedom the fitted quantities
used taken off) widened with the horizon by the model's h-step variance
(Hyndman et al., "Forecasting with Exponential Smoothing", class 1):

- ANA: sigma^2 (1 + alpha^2 (h - 1) + gamma (2 alpha + gamma) floor((h - 1) / 7))
- ANN: sigma^2 (1 + alpha^2 (h - 1))
- mean: sigma^2 (1 + 1 / n)

Simulated paths run the same state-space model forward with normal errors of that sigma
(seeded ``random.Random``), so a path's days are correlated as the model says. Spend is never
negative: points, bounds and path days are clipped at zero.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from costsight.core.engines.forecasting import Z80, Z95, ForecastInput, ForecastResult

SEASON = 7
SEASONAL_MIN_DAYS = 3 * SEASON
SES_MIN_DAYS = 4
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
GAMMAS = (0.0, 0.05, 0.1, 0.2, 0.3)

#: quantities fitted on the same one-step errors sigma is measured on (the error sum of
#: squares is divided by the count of errors less these): Holt-Winters alpha, gamma and the six
#: free seasonal offsets; SES alpha. Without it short histories got too narrow intervals
#: (80%: 0.68 of days covered at 21 days of history; see ``benchmarks.forecast_methods``).
SEASONAL_PARAMETERS = 8
SES_PARAMETERS = 1

HOLT_WINTERS = "holt_winters_weekly"
SES = "ses"
MEAN = "mean"


@dataclass(frozen=True)
class Fit:
    """A fitted model: its state after the last value, weights and one-step error sigma."""

    method: str
    level: float
    season: tuple[float, ...]  # index = day offset modulo 7 from the first value
    alpha: float
    gamma: float
    sigma: float
    n: int

    def point(self, h: int) -> float:
        """The h-step-ahead point (h >= 1) before clipping."""
        if self.method == HOLT_WINTERS:
            return self.level + self.season[(self.n + h - 1) % SEASON]
        return self.level

    def variance_factor(self, h: int) -> float:
        if self.method == HOLT_WINTERS:
            k = (h - 1) // SEASON
            return (1 + self.alpha ** 2 * (h - 1)
                    + self.gamma * (2 * self.alpha + self.gamma) * k)
        if self.method == SES:
            return 1 + self.alpha ** 2 * (h - 1)
        return 1 + 1 / max(self.n, 1)


def _run(values: tuple[float, ...], level: float, season: list[float], alpha: float,
         gamma: float, seasonal: bool) -> tuple[float, float, list[float], int]:
    """One pass of the error-correction equations: (SSE, final level, final season, count)."""
    sse, counted = 0.0, 0
    for t, y in enumerate(values):
        idx = t % SEASON
        error = y - (level + (season[idx] if seasonal else 0.0))
        if t >= (SEASON if seasonal else 1):
            sse += error * error
            counted += 1
        level += alpha * error
        if seasonal:
            season[idx] += gamma * error
    return sse, level, season, counted


def _initial_season(values: tuple[float, ...]) -> tuple[float, list[float]]:
    """Level and seasonal offsets from the complete weeks of the first three."""
    weeks = min(len(values) // SEASON, 3)
    means = [sum(values[w * SEASON:(w + 1) * SEASON]) / SEASON for w in range(weeks)]
    season = [sum(values[w * SEASON + i] - means[w] for w in range(weeks)) / weeks
              for i in range(SEASON)]
    return means[0], season


def fit(values: tuple[float, ...]) -> Fit:
    """The model the history supports, with the grid weights of least one-step SSE."""
    n = len(values)
    if n >= SEASONAL_MIN_DAYS:
        level0, season0 = _initial_season(values)
        best: tuple[float, float, float, list[float], float, int] | None = None
        for alpha in ALPHAS:
            for gamma in GAMMAS:
                sse, level, season, counted = _run(values, level0, list(season0), alpha,
                                                   gamma, True)
                if best is None or sse < best[0]:
                    best = (sse, alpha, level, season, gamma, counted)
        assert best is not None
        sse, alpha, level, season, gamma, counted = best
        return Fit(HOLT_WINTERS, level, tuple(season), alpha, gamma,
                   math.sqrt(sse / max(counted - SEASONAL_PARAMETERS, 1)), n)
    if n >= SES_MIN_DAYS:
        best_ses: tuple[float, float, float, int] | None = None
        for alpha in ALPHAS:
            sse, level, _, counted = _run(values, values[0], [0.0] * SEASON, alpha, 0.0, False)
            if best_ses is None or sse < best_ses[0]:
                best_ses = (sse, alpha, level, counted)
        assert best_ses is not None
        sse, alpha, level, counted = best_ses
        return Fit(SES, level, (0.0,) * SEASON, alpha, 0.0,
                   math.sqrt(sse / max(counted - SES_PARAMETERS, 1)), n)
    mean = sum(values) / n if n else 0.0
    spread = (math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1
              else abs(mean))
    return Fit(MEAN, mean, (0.0,) * SEASON, 0.0, 0.0, spread, n)


def simulate(model: Fit, horizon: int, paths: int, seed: int) -> tuple[tuple[float, ...], ...]:
    """``paths`` futures of ``horizon`` days from the fitted state, errors N(0, sigma)."""
    rng = random.Random(seed)
    out: list[tuple[float, ...]] = []
    scale = model.sigma * (math.sqrt(1 + 1 / max(model.n, 1)) if model.method == MEAN else 1.0)
    for _ in range(paths):
        level, season = model.level, list(model.season)
        days: list[float] = []
        for h in range(1, horizon + 1):
            idx = (model.n + h - 1) % SEASON
            error = rng.gauss(0.0, scale) if scale > 0 else 0.0
            seasonal = season[idx] if model.method == HOLT_WINTERS else 0.0
            days.append(max(level + seasonal + error, 0.0))
            if model.method != MEAN:
                level += model.alpha * error
            if model.method == HOLT_WINTERS:
                season[idx] += model.gamma * error
        out.append(tuple(days))
    return tuple(out)


def forecast(series: ForecastInput) -> ForecastResult:
    """Point forecasts, 80% / 95% intervals (and paths when asked) for ``series``."""
    model = fit(series.values)
    point, low80, high80, low95, high95 = [], [], [], [], []
    for h in range(1, series.horizon + 1):
        centre = model.point(h)
        spread = model.sigma * math.sqrt(model.variance_factor(h))
        clipped = max(centre, 0.0)
        point.append(clipped)
        low80.append(min(max(centre - Z80 * spread, 0.0), clipped))
        high80.append(max(centre + Z80 * spread, clipped))
        low95.append(min(max(centre - Z95 * spread, 0.0), low80[-1]))
        high95.append(max(centre + Z95 * spread, high80[-1]))
    paths = simulate(model, series.horizon, series.paths, series.seed) if series.paths else ()
    return ForecastResult(model.method, tuple(point), tuple(low80), tuple(high80),
                          tuple(low95), tuple(high95), paths)
