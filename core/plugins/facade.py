"""The typed facade over ``pm.hook``: services ask it for engines and never call hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pluggy

from costsight.core.domain.patterns import NewPatternFeedback
from costsight.core.domain.predictions import NewPrediction
from costsight.core.engines.contexts import (
    AnomalyContext,
    PatternContext,
    PredictionContext,
    derive_cause,
)
from costsight.core.engines.findings import AnomalyFindings
from costsight.core.engines.protocols import (
    AnomalyDetector,
    CauseDeriver,
    PatternDetector,
    Predictor,
)
from costsight.core.errors import CostsightError

E = TypeVar("E")
T = TypeVar("T")


class PluginError(CostsightError):
    """A plugin registered something unusable (no name, a duplicate name, wrong methods)."""


@dataclass(frozen=True)
class EngineFailure:
    """An engine that raised or returned something invalid; its findings were dropped."""

    engine: str
    error: str


@dataclass(frozen=True)
class EngineRun(Generic[T]):
    """The merged output of every engine of one kind, and the engines that failed."""

    output: T
    failures: tuple[EngineFailure, ...] = ()


class Engines:
    """Registered engines, sorted by (order, name), and helpers that run them on a context.

    A failing engine does not stop the others: its findings are dropped and it is reported in
    ``EngineRun.failures`` (the cycle results carry these as ``errors``).
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    # -- registration ---------------------------------------------------------------------

    def _collect(self, hook: Callable[..., Any], kind: str, method: str) -> list[Any]:
        found: list[Any] = []

        def register(engine: object) -> None:
            name = getattr(engine, "name", None)
            if not isinstance(name, str) or not name:
                raise PluginError(f"{kind} {engine!r}: name must be a non-empty string")
            if not callable(getattr(engine, method, None)):
                raise PluginError(f"{kind} {name!r}: must have a {method}() method")
            if not isinstance(getattr(engine, "order", None), int):
                raise PluginError(f"{kind} {name!r}: order must be an int")
            if any(existing.name == name for existing in found):
                raise PluginError(f"{kind} {name!r} registered twice (names must be unique)")
            found.append(engine)

        hook(register=register)
        return sorted(found, key=lambda engine: (engine.order, engine.name))

    def anomaly_detectors(self) -> list[AnomalyDetector]:
        return self._collect(self.pm.hook.costsight_register_anomaly_detectors,
                             "anomaly detector", "detect")

    def predictors(self) -> list[Predictor]:
        return self._collect(self.pm.hook.costsight_register_predictors, "predictor", "predict")

    def pattern_detectors(self) -> list[PatternDetector]:
        return self._collect(self.pm.hook.costsight_register_pattern_detectors,
                             "pattern detector", "detect")

    def cause_derivers(self) -> list[CauseDeriver]:
        return self._collect(self.pm.hook.costsight_register_cause_derivers,
                             "cause deriver", "derive")

    # -- running ----------------------------------------------------------------------------

    def derive_cause(self, context: AnomalyContext, entity_type: str, entity_id: str) -> str:
        """The first cause the registered derivers return for the entity, else ``UNKNOWN``."""
        evidence = context.cause_evidence(entity_type, entity_id)
        return derive_cause(tuple(self.cause_derivers()), evidence)

    def detect_anomalies(self, context: AnomalyContext) -> EngineRun[AnomalyFindings]:
        """Every detector's findings, concatenated in detector order."""
        parts: list[AnomalyFindings] = []
        failures: list[EngineFailure] = []
        for detector in self.anomaly_detectors():
            try:
                found = detector.detect(context)
                _check_findings(found, context.tenant_id)
            except Exception as exc:  # one broken plugin must not stop the rest
                failures.append(EngineFailure(detector.name, _describe(exc)))
                continue
            parts.append(found)
        return EngineRun(AnomalyFindings.merge(parts), tuple(failures))

    def predict(self, context: PredictionContext) -> EngineRun[list[NewPrediction]]:
        """Every predictor's predictions, concatenated in predictor order."""
        return _run_each(self.predictors(), "predict", context, NewPrediction)

    def detect_patterns(self, context: PatternContext) -> EngineRun[list[NewPatternFeedback]]:
        """Every pattern detector's feedback, concatenated in detector order."""
        return _run_each(self.pattern_detectors(), "detect", context, NewPatternFeedback)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _check_items(items: Sequence[object], model: type, tenant_id: str) -> None:
    for item in items:
        if not isinstance(item, model):
            raise TypeError(f"returned {type(item).__name__}, expected {model.__name__}")
        if item.tenant_id != tenant_id:  # type: ignore[attr-defined]
            raise ValueError(f"returned a finding for tenant {item.tenant_id!r} "  # type: ignore[attr-defined]
                             f"while running for tenant {tenant_id!r}")


def _check_findings(found: object, tenant_id: str) -> None:
    if not isinstance(found, AnomalyFindings):
        raise TypeError(f"returned {type(found).__name__}, expected AnomalyFindings")
    for items in (found.anomalies, found.breaches, found.drift_trackers):
        for item in items:
            if item.tenant_id != tenant_id:
                raise ValueError(f"returned a finding for tenant {item.tenant_id!r} "
                                 f"while running for tenant {tenant_id!r}")


def _run_each(engines: Sequence[Any], method: str, context: Any,
              model: type[E]) -> EngineRun[list[E]]:
    output: list[E] = []
    failures: list[EngineFailure] = []
    for engine in engines:
        try:
            items = list(getattr(engine, method)(context))
            _check_items(items, model, context.tenant_id)
        except Exception as exc:  # one broken plugin must not stop the rest
            failures.append(EngineFailure(engine.name, _describe(exc)))
            continue
        output.extend(items)
    return EngineRun(output, tuple(failures))
