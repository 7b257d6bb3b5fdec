"""Collecting engines from the registration hooks: once, plugin by plugin.

Each plugin's registration hooks are called on their own (not through ``pm.hook``, which would
stop at the first plugin that raises). A plugin whose hook raises or that registers something
malformed (no name, a duplicate name, a missing method, an order that is not an int) is
skipped whole, with one ``PluginLoadError`` naming it; the engines of the other plugins stay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pluggy

from costsight.core.errors import CostsightError
from costsight.core.plugins.reports import PluginLoadError, describe_exception

log = logging.getLogger(__name__)


class PluginError(CostsightError):
    """A plugin registered something unusable (no name, a duplicate name, wrong methods)."""


@dataclass(frozen=True)
class EngineKind:
    """One kind of engine: what its registration hook is called and the method it must have."""

    label: str
    hook: str
    method: str


ANOMALY_DETECTOR = EngineKind("anomaly detector", "costsight_register_anomaly_detectors",
                              "detect")
PREDICTOR = EngineKind("predictor", "costsight_register_predictors", "predict")
PATTERN_DETECTOR = EngineKind("pattern detector", "costsight_register_pattern_detectors",
                              "detect")
CAUSE_DERIVER = EngineKind("cause deriver", "costsight_register_cause_derivers", "derive")
FORECASTER = EngineKind("forecaster", "costsight_register_forecasters", "forecast")
KINDS = (ANOMALY_DETECTOR, PREDICTOR, PATTERN_DETECTOR, CAUSE_DERIVER, FORECASTER)


@dataclass(frozen=True)
class Registry:
    """Every accepted engine by kind, sorted by (order, name), and the plugins skipped."""

    engines: dict[EngineKind, tuple[Any, ...]] = field(default_factory=dict)
    errors: tuple[PluginLoadError, ...] = ()

    @property
    def rejected(self) -> frozenset[str]:
        return frozenset(error.plugin for error in self.errors)


def collect(pm: pluggy.PluginManager) -> Registry:
    """Run every plugin's registration hooks once and validate what they register."""
    accepted: dict[EngineKind, list[Any]] = {kind: [] for kind in KINDS}
    errors: list[PluginLoadError] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # a blocked name
            continue
        try:
            found = _register(pm, plugin)
            _check_unique(found, accepted)
        except Exception as exc:  # a broken plugin is skipped, the others stay
            error = describe_exception(exc)
            log.warning("plugin %s skipped: %s", name, error)
            errors.append(PluginLoadError(name, error))
            continue
        for kind, engines in found.items():
            accepted[kind].extend(engines)
    ordered = {kind: tuple(sorted(engines, key=lambda e: (e.order, e.name)))
               for kind, engines in accepted.items()}
    return Registry(ordered, tuple(errors))


def _register(pm: pluggy.PluginManager, plugin: object) -> dict[EngineKind, list[Any]]:
    found: dict[EngineKind, list[Any]] = {}
    for kind in KINDS:
        engines = found.setdefault(kind, [])

        def register(engine: object, kind: EngineKind = kind,
                     engines: list[Any] = engines) -> None:
            _check_engine(engine, kind)
            engines.append(engine)

        for impl in getattr(pm.hook, kind.hook).get_hookimpls():
            if impl.plugin is plugin:
                impl.function(**{arg: register for arg in impl.argnames})
    return found


def _check_engine(engine: object, kind: EngineKind) -> None:
    name = getattr(engine, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"{kind.label} {engine!r}: name must be a non-empty string")
    if not callable(getattr(engine, kind.method, None)):
        raise PluginError(f"{kind.label} {name!r}: must have a {kind.method}() method")
    order = getattr(engine, "order", None)
    if not isinstance(order, int) or isinstance(order, bool):
        raise PluginError(f"{kind.label} {name!r}: order must be an int")


def _check_unique(found: dict[EngineKind, list[Any]],
                  accepted: dict[EngineKind, list[Any]]) -> None:
    for kind, engines in found.items():
        names = [engine.name for engine in accepted[kind]]
        for engine in engines:
            if engine.name in names:
                raise PluginError(f"{kind.label} {engine.name!r} registered twice "
                                  "(names must be unique)")
            names.append(engine.name)
