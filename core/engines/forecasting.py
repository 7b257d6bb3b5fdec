"""What a forecaster receives and returns: one daily series in, a forecast with intervals out.

Forecasters (``costsight_register_forecasters``) are pure and synchronous like every engine.
Values are daily spend in cents (floats: a forecast is an estimate; the service quantises it
to micro-cents before it is stored). ``values[i]`` is the spend of ``first_day + i`` days, the
last value is the last COMPLETE day, and the forecast starts the day after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

#: two-sided standard-normal quantiles of the published intervals
Z80 = 1.2815515655446004
Z95 = 1.959963984540054


@dataclass(frozen=True)
class ForecastInput:
    """One daily series to forecast ``horizon`` days past its last value.

    ``paths``: how many simulated future paths to return as well (0: none; budget projections
    ask for about 1,000); ``seed`` makes them reproducible.
    """

    values: tuple[float, ...]
    first_day: date
    horizon: int
    paths: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        if self.horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon}")
        if self.paths < 0:
            raise ValueError(f"paths must be >= 0, got {self.paths}")

    @property
    def start_day(self) -> date:
        """The first forecast day: the day after the last value."""
        return self.first_day + timedelta(days=len(self.values))


@dataclass(frozen=True)
class ForecastResult:
    """Point forecasts and 80% / 95% prediction intervals, one per day from the start day.

    ``method`` names what produced it (the built-in: ``holt_winters_weekly``, ``ses`` or
    ``mean``). ``low80[i] <= point[i] <= high80[i]`` and the 95% interval contains the 80%
    one; nothing is negative. ``paths``: simulated futures (each ``horizon`` days long) when
    asked for, else empty.
    """

    method: str
    point: tuple[float, ...]
    low80: tuple[float, ...]
    high80: tuple[float, ...]
    low95: tuple[float, ...]
    high95: tuple[float, ...]
    paths: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        n = len(self.point)
        if any(len(part) != n for part in (self.low80, self.high80, self.low95, self.high95)):
            raise ValueError("point and interval bounds must have the same length")
        for i in range(n):
            if not (0 <= self.low95[i] <= self.low80[i] <= self.point[i] <= self.high80[i]
                    <= self.high95[i]):
                raise ValueError(f"day {i}: need 0 <= low95 <= low80 <= point <= high80 "
                                 f"<= high95")
        if any(len(path) != n for path in self.paths):
            raise ValueError("every path must be as long as the forecast")

    @property
    def horizon(self) -> int:
        return len(self.point)


def check_result(result: object, series: ForecastInput) -> ForecastResult:
    """``result`` if it is a ForecastResult of the asked horizon (and paths), else raise."""
    if not isinstance(result, ForecastResult):
        raise TypeError(f"returned {type(result).__name__}, expected ForecastResult")
    if result.horizon != series.horizon:
        raise ValueError(f"returned {result.horizon} days, expected {series.horizon}")
    if series.paths and len(result.paths) != series.paths:
        raise ValueError(f"returned {len(result.paths)} paths, expected {series.paths}")
    parts = (result.point, result.low80, result.high80, result.low95, result.high95,
             *result.paths)
    if not all(math.isfinite(v) and v >= 0 for part in parts for v in part):
        raise ValueError("returned a value that is negative, infinite or not a number")
    return result


def zero_filled(days: Sequence[tuple[date, float]], first_day: date,
                last_day: date) -> tuple[float, ...]:
    """Values for every day of ``[first_day, last_day]``: the given ones, 0 elsewhere."""
    by_day = dict(days)
    count = (last_day - first_day).days + 1
    return tuple(by_day.get(first_day + timedelta(days=i), 0.0) for i in range(max(count, 0)))
