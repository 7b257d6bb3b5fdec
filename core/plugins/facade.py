"""The typed facade over the plugin manager: services ask it for engines and never call hooks.

Engines are collected once, when the facade is built (registration hooks run once per process,
not per cycle or tenant). Running them isolates failures: an engine that raises or returns
something invalid loses only its own findings, reported as an ``EngineFailure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pluggy

from costsight.core.domain.drivers import AnomalyDrivers
from costsight.core.domain.patterns import NewPatternFeedback
from costsight.core.domain.predictions import NewPrediction
from costsight.core.engines.contexts import AnomalyContext, PatternContext, PredictionContext
from costsight.core.engines.findings import AnomalyFindings
from costsight.core.engines.forecasting import ForecastInput, ForecastResult, check_result
from costsight.core.engines.protocols import (
    AnomalyDetector,
    CauseDeriver,
    Forecaster,
    PatternDetector,
    Predictor,
)
from costsight.core.plugins.causes import DriverKey, apply_causes, valid_cause
from costsight.core.plugins.manager import PluginManager
from costsight.core.plugins.registry import (
    ANOMALY_DETECTOR,
    CAUSE_DERIVER,
    FORECASTER,
    PATTERN_DETECTOR,
    PREDICTOR,
    PluginError,
    collect,
)
from costsight.core.plugins.reports import (
    IN_CODE,
    EngineFailure,
    PluginInfo,
    PluginLoadError,
    PluginOrigin,
    describe_exception,
)

__all__ = ["EngineFailure", "EngineRun", "Engines", "PluginError", "PluginLoadError"]

E = TypeVar("E")
T = TypeVar("T")


@dataclass(frozen=True)
class EngineRun(Generic[T]):
    """The merged output of every engine of one kind, and the engines that failed."""

    output: T
    failures: tuple[EngineFailure, ...] = ()


class Engines:
    """Registered engines, sorted by (order, name), and helpers that run them on a context.

    A failing engine does not stop the others: its findings are dropped and it is reported in
    ``EngineRun.failures`` (the cycle results carry these as ``engine_errors``). Plugins that
    could not be loaded or registered something malformed are in ``load_errors``.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._registry = collect(pm)
        manager_errors = pm.load_errors if isinstance(pm, PluginManager) else []
        self.load_errors: tuple[PluginLoadError, ...] = (*manager_errors,
                                                         *self._registry.errors)

    # -- what is registered ---------------------------------------------------------------

    def anomaly_detectors(self) -> list[AnomalyDetector]:
        return list(self._registry.engines[ANOMALY_DETECTOR])

    def predictors(self) -> list[Predictor]:
        return list(self._registry.engines[PREDICTOR])

    def pattern_detectors(self) -> list[PatternDetector]:
        return list(self._registry.engines[PATTERN_DETECTOR])

    def cause_derivers(self) -> list[CauseDeriver]:
        return list(self._registry.engines[CAUSE_DERIVER])

    def forecasters(self) -> list[Forecaster]:
        return list(self._registry.engines[FORECASTER])

    def plugins(self) -> list[PluginInfo]:
        """Every loaded plugin, in load order, with its origin and the hooks it implements."""
        origins = self.pm.origins if isinstance(self.pm, PluginManager) else {}
        rejected = self._registry.rejected
        return [PluginInfo(name, origins.get(name, PluginOrigin(IN_CODE)),
                           tuple(sorted(c.name for c in self.pm.get_hookcallers(plugin) or ())))
                for name, plugin in self.pm.list_name_plugin()
                if plugin is not None and name not in rejected]

    # -- running ----------------------------------------------------------------------------

    def detect_anomalies(self, context: AnomalyContext) -> EngineRun[AnomalyFindings]:
        """Every detector's findings, concatenated in detector order, then the causes of the
        spike and drift anomalies derived by the cause derivers (see ``causes``)."""
        return self.derive_causes(self.find_anomalies(context), context)

    def derive_causes(self, run: EngineRun[AnomalyFindings], context: AnomalyContext,
                      drivers: Mapping[DriverKey, AnomalyDrivers] | None = None,
                      ) -> EngineRun[AnomalyFindings]:
        """``run`` with the causes of its spike and drift anomalies derived, the drivers
        (by ``causes.driver_key``) given to the derivers; deriver failures are appended."""
        derived, failures = apply_causes(run.output, context,
                                         self._registry.engines[CAUSE_DERIVER], drivers)
        return EngineRun(derived, (*run.failures, *failures))

    def find_anomalies(self, context: AnomalyContext) -> EngineRun[AnomalyFindings]:
        """Every detector's findings, concatenated in detector order, causes not yet derived."""
        parts: list[AnomalyFindings] = []
        failures: list[EngineFailure] = []
        for detector in self._registry.engines[ANOMALY_DETECTOR]:
            try:
                found = detector.detect(context)
                _check_findings(found, context.tenant_id)
            except Exception as exc:  # one broken plugin must not stop the rest
                failures.append(EngineFailure(detector.name, context.tenant_id,
                                              describe_exception(exc)))
                continue
            parts.append(found)
        return EngineRun(AnomalyFindings.merge(parts), tuple(failures))

    def predict(self, context: PredictionContext) -> EngineRun[list[NewPrediction]]:
        """Every predictor's predictions, concatenated in predictor order."""
        return _run_each(self._registry.engines[PREDICTOR], "predict", context, NewPrediction)

    def detect_patterns(self, context: PatternContext) -> EngineRun[list[NewPatternFeedback]]:
        """Every pattern detector's feedback, concatenated in detector order."""
        return _run_each(self._registry.engines[PATTERN_DETECTOR], "detect", context,
                         NewPatternFeedback)

    def forecast(self, series: ForecastInput, tenant_id: str
                 ) -> EngineRun[tuple[str, ForecastResult] | None]:
        """The first forecaster's result (by order) as ``(forecaster name, result)``; a
        forecaster that returns None passes, one that raises or returns something invalid is
        reported and passes too. None when no forecaster answered."""
        failures: list[EngineFailure] = []
        for forecaster in self._registry.engines[FORECASTER]:
            try:
                result = forecaster.forecast(series)
                if result is None:
                    continue
                return EngineRun((forecaster.name, check_result(result, series)),
                                 tuple(failures))
            except Exception as exc:  # one broken plugin must not stop the rest
                failures.append(EngineFailure(forecaster.name, tenant_id,
                                              describe_exception(exc)))
        return EngineRun(None, tuple(failures))


def _check_tenant(item: Any, tenant_id: str) -> None:
    if item.tenant_id != tenant_id:
        raise ValueError(f"returned a finding for tenant {item.tenant_id!r} "
                         f"while running for tenant {tenant_id!r}")


def _check_findings(found: object, tenant_id: str) -> None:
    if not isinstance(found, AnomalyFindings):
        raise TypeError(f"returned {type(found).__name__}, expected AnomalyFindings")
    for items in (found.anomalies, found.breaches, found.drift_trackers):
        for item in items:
            _check_tenant(item, tenant_id)
    for anomaly in found.anomalies:
        if not valid_cause(anomaly.derived_cause):
            raise ValueError(f"returned derived_cause {anomaly.derived_cause!r}, expected an "
                             "uppercase name of at most 32 characters")


def _run_each(engines: Sequence[Any], method: str, context: Any,
              model: type[E]) -> EngineRun[list[E]]:
    output: list[E] = []
    failures: list[EngineFailure] = []
    for engine in engines:
        try:
            items = list(getattr(engine, method)(context))
            for item in items:
                if not isinstance(item, model):
                    raise TypeError(f"returned {type(item).__name__}, expected "
                                    f"{model.__name__}")
                _check_tenant(item, context.tenant_id)
        except Exception as exc:  # one broken plugin must not stop the rest
            failures.append(EngineFailure(engine.name, context.tenant_id,
                                          describe_exception(exc)))
            continue
        output.extend(items)
    return EngineRun(output, tuple(failures))
