"""Cause derivation: the ordered post-pass the facade runs over anomaly detectors' findings.

Detectors leave ``derived_cause`` at its placeholder, ``UNKNOWN``. For every spike or drift
anomaly still at ``UNKNOWN``, the registered derivers are tried in order on the entity's
``CauseEvidence``: the first valid answer wins, else ``UNKNOWN`` stays. A deriver that raises
or answers something invalid is skipped for that anomaly (the next one is tried) and reported
once per pass. A cause a detector set itself is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from costsight.core.domain.anomalies import AnomalyType, DerivedCause, DetectedAnomaly
from costsight.core.domain.drivers import AnomalyDrivers
from costsight.core.engines.contexts import AnomalyContext, CauseEvidence
from costsight.core.engines.findings import AnomalyFindings
from costsight.core.engines.protocols import CauseDeriver
from costsight.core.plugins.reports import EngineFailure, describe_exception

UNKNOWN = DerivedCause.UNKNOWN.value

#: The anomaly types whose cause is derived (budget anomalies carry none).
CAUSED_TYPES = frozenset({AnomalyType.ABSOLUTE_SPIKE, AnomalyType.SUSTAINED_DRIFT})

#: The longest cause name (the stored column's width).
MAX_CAUSE_LENGTH = 32


@dataclass(frozen=True)
class CauseTrial:
    """The cause found for one piece of evidence, and (deriver name, error) of each failure."""

    cause: str
    errors: tuple[tuple[str, str], ...] = ()


def derive_cause(derivers: Sequence[CauseDeriver], evidence: CauseEvidence) -> CauseTrial:
    """Try derivers in the given order: the first valid cause wins, else ``UNKNOWN``."""
    errors: list[tuple[str, str]] = []
    for deriver in derivers:
        try:
            cause = deriver.derive(evidence)
            if cause is not None and not valid_cause(cause):
                raise ValueError(f"returned {cause!r}, expected None or an uppercase name "
                                 f"of at most {MAX_CAUSE_LENGTH} characters")
        except Exception as exc:  # one broken deriver must not cost the anomaly its cause
            errors.append((deriver.name, describe_exception(exc)))
            continue
        if cause is not None:
            return CauseTrial(cause, tuple(errors))
    return CauseTrial(UNKNOWN, tuple(errors))


def valid_cause(cause: object) -> bool:
    """An uppercase name of 1 to 32 characters with no surrounding blanks."""
    return (isinstance(cause, str) and 0 < len(cause) <= MAX_CAUSE_LENGTH and cause.isupper()
            and cause == cause.strip())


def needs_cause(anomaly: DetectedAnomaly) -> bool:
    return anomaly.anomaly_type in CAUSED_TYPES and anomaly.derived_cause == UNKNOWN


#: (anomaly_type, entity_type, entity_id, period): the key drivers are given by.
DriverKey = tuple[str, str, str, str]


def driver_key(anomaly: DetectedAnomaly) -> DriverKey:
    return (anomaly.anomaly_type.value, anomaly.entity_type, anomaly.entity_id,
            anomaly.period or "")


def apply_causes(found: AnomalyFindings, context: AnomalyContext,
                 derivers: Sequence[CauseDeriver],
                 drivers: Mapping[DriverKey, AnomalyDrivers] | None = None,
                 ) -> tuple[AnomalyFindings, tuple[EngineFailure, ...]]:
    """``found`` with causes derived, and each failing deriver once (its first error).
    ``drivers`` (by ``driver_key``) reach the derivers in ``CauseEvidence.drivers``."""
    if not derivers or not any(needs_cause(a) for a in found.anomalies):
        return found, ()
    drivers = drivers or {}
    causes: dict[DriverKey, str] = {}
    failed: dict[str, str] = {}
    anomalies: list[DetectedAnomaly] = []
    for anomaly in found.anomalies:
        if not needs_cause(anomaly):
            anomalies.append(anomaly)
            continue
        known = drivers.get(driver_key(anomaly))
        # without drivers the evidence is the entity's alone: derived once per entity
        key = driver_key(anomaly) if known is not None else (
            "", anomaly.entity_type, anomaly.entity_id, "")
        if key not in causes:
            evidence = context.cause_evidence(anomaly.entity_type, anomaly.entity_id, known)
            trial = derive_cause(derivers, evidence)
            causes[key] = trial.cause
            for name, error in trial.errors:
                failed.setdefault(name, error)
        anomalies.append(anomaly.model_copy(update={"derived_cause": causes[key]}))
    failures = tuple(EngineFailure(name, context.tenant_id, error)
                     for name, error in failed.items())
    return replace(found, anomalies=tuple(anomalies)), failures
