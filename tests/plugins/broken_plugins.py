"""Third-party plugins that misbehave, as installed packages could ship them (loaded through
faked entry points ``module:attribute``). None of them may cost the built-ins anything.

``REGISTRATIONS`` counts every call of a registration hook, by (plugin, hook).
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from costsight.core.domain.anomalies import AnomalyType, DetectedAnomaly, Severity
from costsight.core.engines import AnomalyContext, AnomalyFindings, CauseEvidence
from costsight.core.plugins import hookimpl

REGISTRATIONS: Counter[tuple[str, str]] = Counter()

#: The tenant the exploding detector fails for; for every other tenant it reports one anomaly.
FRAGILE_TENANT = "t1"
MARKER_ENTITY = "exploded"


@dataclass(frozen=True)
class ExplodingDetector:
    name: str = "exploding_detector"
    order: int = 150  # between the built-in spike (100) and drift (200) detectors

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        if context.tenant_id == FRAGILE_TENANT:
            raise RuntimeError(f"detector blew up for {context.tenant_id}")
        return AnomalyFindings(anomalies=(DetectedAnomaly(
            tenant_id=context.tenant_id, anomaly_type=AnomalyType.ABSOLUTE_SPIKE,
            severity=Severity.LOW, entity_type="tenant", entity_id=MARKER_ENTITY,
            current_value_cents=Decimal(1), expected_value_cents=Decimal(1), deviation_pct=0.0,
            threshold_ratio=1.0, message="the exploding detector ran"),))


@dataclass(frozen=True)
class ExplodingCause:
    name: str = "EXPLODING"
    order: int = 50  # tried before every built-in cause

    def derive(self, evidence: CauseEvidence) -> str | None:
        raise RuntimeError(f"cause blew up for {evidence.entity_type} {evidence.entity_id}")


@dataclass(frozen=True)
class ExplodingEngine:
    """A predictor and a pattern detector that always raise."""

    name: str
    order: int = 1

    def predict(self, context: object) -> list[object]:
        raise RuntimeError(f"{self.name} blew up")

    def detect(self, context: object) -> list[object]:
        raise RuntimeError(f"{self.name} blew up")


@dataclass(frozen=True)
class Named:
    name: object
    order: object = 1

    def detect(self, context: object) -> AnomalyFindings:
        return AnomalyFindings()


def _registration(plugin: str, hook: str, *engines: object) -> Callable[..., None]:
    @hookimpl(specname=hook)
    def register_all(register: Callable[[object], None]) -> None:
        REGISTRATIONS[(plugin, hook)] += 1
        for engine in engines:
            register(engine)

    return register_all


def _plugin(name: str, **hooks: tuple[object, ...]) -> types.SimpleNamespace:
    return types.SimpleNamespace(**{
        hook: _registration(name, f"costsight_register_{hook}", *engines)
        for hook, engines in hooks.items()})


#: A detector that raises for one tenant, a predictor and a pattern detector that always raise.
raising_engines = _plugin("raising_engines", anomaly_detectors=(ExplodingDetector(),),
                          predictors=(ExplodingEngine("exploding_predictor"),),
                          pattern_detectors=(ExplodingEngine("exploding_patterns"),))

#: A cause deriver that raises, ordered before the built-ins.
raising_cause = _plugin("raising_cause", cause_derivers=(ExplodingCause(),))

#: A well-formed detector next to one that reuses a built-in's name: the plugin is skipped whole.
duplicate_name = _plugin("duplicate_name",
                         anomaly_detectors=(Named("garbage_but_valid"), Named("budgets")))

#: A detector with no name.
nameless = _plugin("nameless", anomaly_detectors=(Named(""),))
