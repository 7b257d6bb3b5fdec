"""``python -m benchmarks.forecast_methods [--series N] [--json]``: the built-in forecaster
against statsmodels' ETS on one seeded synthetic corpus of daily spend.

Why the built-in forecaster is hand-written (ARCHITECTURE.md, "Forecasting") rests on this
comparison. Each series is a kind (flat, weekly, weekly with a step, weekly with a slow drift,
sparse weekly: 30% of days without spend) times a history length (10, 21, 35, 63, 91 days),
multiplicative noise, and 14 days to forecast. Both sides use the same model choice (weekly
additive seasonality from 21 days, level only from 4 days, else the mean) and clip at zero;
statsmodels fits ``ETSModel`` by maximum likelihood and gives its own analytic intervals.

Reported per method: scaled error (mean absolute error over the 14 days divided by the
in-sample mean absolute day-to-day change, MASE-style; lower is better), the share of realised
days inside the 80% and 95% intervals, and milliseconds per series (fit + forecast). statsmodels
is optional: without it only the built-in side is reported. It is not a dependency of costsight.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

from costsight.core.engines.forecasting import ForecastInput, ForecastResult
from costsight.plugins.forecast.smoothing import SEASONAL_MIN_DAYS, SES_MIN_DAYS, forecast

HORIZON = 14
KINDS = ("flat", "weekly", "weekly_step", "weekly_drift", "sparse")
LENGTHS = (10, 21, 35, 63, 91)
WEEK = (1.0, 1.1, 1.05, 1.0, 0.95, 0.35, 0.3)

Series = tuple[list[float], list[float]]
Method = Callable[[list[float]], ForecastResult]


def make_series(kind: str, length: int, rng: random.Random) -> Series:
    """(history, future) of one synthetic daily-spend series."""
    base = rng.uniform(50, 5000)
    noise = rng.uniform(0.05, 0.3)
    start = rng.randrange(7)
    step_at = rng.randrange(length // 2, length) if kind == "weekly_step" else None
    values = []
    for t in range(length + HORIZON):
        level = base
        if step_at is not None and t >= step_at:
            level *= 1.5
        if kind == "weekly_drift":
            level *= 1.01 ** t
        season = 1.0 if kind == "flat" else WEEK[(start + t) % 7]
        value = max(level * season * (1 + rng.gauss(0, noise)), 0.0)
        if kind == "sparse" and rng.random() < 0.3:
            value = 0.0
        values.append(value)
    return values[:length], values[length:]


def built_in(history: list[float]) -> ForecastResult:
    return forecast(ForecastInput(tuple(history), date(2026, 1, 1), HORIZON))


def statsmodels_ets(history: list[float]) -> ForecastResult:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(history)
    if n < SES_MIN_DAYS:
        return built_in(history)  # the mean: the same on both sides
    y = pd.Series(history, dtype=float)
    model = (ETSModel(y, error="add", trend=None, seasonal="add", seasonal_periods=7)
             if n >= SEASONAL_MIN_DAYS else ETSModel(y, error="add"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
        prediction = fitted.get_prediction(start=n, end=n + HORIZON - 1)
        f80 = prediction.summary_frame(alpha=0.2)
        f95 = prediction.summary_frame(alpha=0.05)
    point = [max(float(v), 0.0) for v in f80["mean"]]
    low80 = [min(max(float(v), 0.0), p) for v, p in zip(f80["pi_lower"], point, strict=True)]
    high80 = [max(float(v), p) for v, p in zip(f80["pi_upper"], point, strict=True)]
    low95 = [min(max(float(v), 0.0), lo) for v, lo in zip(f95["pi_lower"], low80, strict=True)]
    high95 = [max(float(v), hi) for v, hi in zip(f95["pi_upper"], high80, strict=True)]
    return ForecastResult("ets", tuple(point), tuple(low80), tuple(high80), tuple(low95),
                          tuple(high95))


def evaluate(method: Method, corpus: list[Series]) -> dict[str, float]:
    scaled, inside80, inside95, days = [], 0, 0, 0
    started = time.perf_counter()
    results = [method(history) for history, _ in corpus]
    elapsed = time.perf_counter() - started
    for (history, future), result in zip(corpus, results, strict=True):
        naive = sum(abs(b - a) for a, b in zip(history, history[1:], strict=False))
        naive = naive / max(len(history) - 1, 1) or 1.0
        error = sum(abs(y - p) for y, p in zip(future, result.point, strict=True)) / HORIZON
        scaled.append(error / naive)
        for i, y in enumerate(future):
            days += 1
            inside80 += result.low80[i] <= y <= result.high80[i]
            inside95 += result.low95[i] <= y <= result.high95[i]
    return {"scaled_error": round(sum(scaled) / len(scaled), 3),
            "coverage_80": round(inside80 / days, 3), "coverage_95": round(inside95 / days, 3),
            "ms_per_series": round(elapsed / len(corpus) * 1000, 2)}


def corpus_of(count: int, seed: int) -> list[Series]:
    rng = random.Random(seed)
    combos = [(k, n) for k in KINDS for n in LENGTHS]
    return [make_series(*combos[i % len(combos)], rng) for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.forecast_methods")
    parser.add_argument("--series", type=int, default=250)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = corpus_of(args.series, args.seed)
    report: dict[str, Any] = {"series": len(corpus), "horizon_days": HORIZON,
                              "built_in": evaluate(built_in, corpus)}
    try:
        import statsmodels
    except ImportError:
        report["statsmodels_ets"] = None
    else:
        report["statsmodels_version"] = statsmodels.__version__
        report["statsmodels_ets"] = evaluate(statsmodels_ets, corpus)
    if args.json:
        print(json.dumps(report))
    else:
        for name in ("built_in", "statsmodels_ets"):
            found = report.get(name)
            print(f"{name:16s} " + ("not installed" if found is None else "  ".join(
                f"{k} {v}" for k, v in found.items())))
    return 0 if math.isfinite(report["built_in"]["scaled_error"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
