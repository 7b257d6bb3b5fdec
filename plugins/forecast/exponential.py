"""The built-in forecaster, registered through ``costsight_register_forecasters``.

The model is in ``smoothing``: additive Holt-Winters with a weekly season from three weeks of
history, simple exponential smoothing from four days, else the mean. ``forecast`` never
declines (returns a result for any non-empty series), so it sits last by order: a plugin with
a lower order that returns None for a series leaves it to this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from costsight.core.engines.forecasting import ForecastInput, ForecastResult
from costsight.core.plugins import hookimpl
from costsight.plugins.forecast import smoothing


@dataclass(frozen=True)
class ExponentialSmoothingForecaster:
    name: str = "exponential_smoothing"
    order: int = 1000

    def forecast(self, series: ForecastInput) -> ForecastResult:
        return smoothing.forecast(series)


@hookimpl
def costsight_register_forecasters(register: Callable[[object], None]) -> None:
    register(ExponentialSmoothingForecaster())
