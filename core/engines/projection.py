"""Budget projection: where a budget's period ends, from simulated paths of daily spend.

Pure: the forecast cycle (and the quality benchmark) call ``project_budget`` with a
forecast whose day 0 is TODAY (the history ended yesterday), the spend already counted in the
period (today so far included) and the fraction of today still ahead. Each path's period total
is ``spent + remaining_today x path[0] + path[1] + ... + path[period_days - 1]``; the projected
total is the median of those totals, the intervals their 10/90 and 2.5/97.5 percentiles, and
the probability of exceeding the share of totals at or above the limit (usage >= 100 % is
"exceeded", as in budget status). The breach date is the first day whose median cumulative
spend reaches the limit; ``breach_date_p80`` the first day the 80% upper bound (90th
percentile) does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from costsight.core.engines.forecasting import Z80, ForecastResult

#: simulated paths a budget projection asks the forecaster for
DEFAULT_PATHS = 1000


@dataclass(frozen=True)
class ProjectionResult:
    """A period's projected total (cents, floats) and the breach probability and dates."""

    projected: float
    low80: float
    high80: float
    low95: float
    high95: float
    probability_exceed: float
    breach_date: date | None
    breach_date_p80: date | None


def quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of an ascending sequence (q in [0, 1])."""
    if not ordered:
        return 0.0
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def result_paths(result: ForecastResult, count: int, seed: int) -> tuple[tuple[float, ...], ...]:
    """The forecast's own paths, or (for a forecaster that gave none) independent normal
    days around the point with the spread its 80% interval implies, clipped at zero."""
    if result.paths:
        return result.paths
    rng = random.Random(seed)
    spreads = [(hi - lo) / (2 * Z80) for lo, hi in zip(result.low80, result.high80, strict=True)]
    return tuple(tuple(max(p + rng.gauss(0.0, s), 0.0) if s > 0 else p
                       for p, s in zip(result.point, spreads, strict=True))
                 for _ in range(count))


def project_budget(result: ForecastResult, *, limit: Decimal | float, spent: Decimal | float,
                   start_day: date, period_days: int, remaining_today: float = 1.0,
                   seed: int = 0) -> ProjectionResult:
    """Project a budget period of ``period_days`` days starting ``start_day`` (today).

    ``spent``: spend already counted in the period up to now; ``remaining_today``: the part
    of today (0..1) not yet counted. ``period_days`` must be in 1..result.horizon.
    """
    if not 1 <= period_days <= result.horizon:
        raise ValueError(f"period_days must be in 1..{result.horizon}, got {period_days}")
    if not 0.0 <= remaining_today <= 1.0:
        raise ValueError(f"remaining_today must be in 0..1, got {remaining_today}")
    cap, base = float(limit), float(spent)
    paths = result_paths(result, DEFAULT_PATHS, seed)
    cumulative: list[list[float]] = [[] for _ in range(period_days)]
    for path in paths:
        running = base
        for k in range(period_days):
            running += path[k] * (remaining_today if k == 0 else 1.0)
            cumulative[k].append(running)
    for column in cumulative:
        column.sort()
    totals = cumulative[-1]
    if base >= cap:
        probability = 1.0
    else:
        probability = sum(1 for t in totals if t >= cap) / len(totals) if totals else 0.0
    breach = breach80 = None
    if base >= cap:
        breach = breach80 = start_day
    else:
        for k, column in enumerate(cumulative):
            day = start_day + timedelta(days=k)
            if breach80 is None and quantile(column, 0.9) >= cap:
                breach80 = day
            if breach is None and quantile(column, 0.5) >= cap:
                breach = day
                break
    return ProjectionResult(
        projected=quantile(totals, 0.5), low80=quantile(totals, 0.1),
        high80=quantile(totals, 0.9), low95=quantile(totals, 0.025),
        high95=quantile(totals, 0.975), probability_exceed=probability,
        breach_date=breach, breach_date_p80=breach80)
