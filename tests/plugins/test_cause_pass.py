"""Cause derivation as the facade's post-pass: ordered, first valid answer wins, failures
isolated and reported once per pass, causes set by a detector kept."""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import AnomalyType, DetectedAnomaly, Severity
from costsight.core.engines import AnomalyFindings
from costsight.core.plugins import hookimpl
from costsight.core.plugins.causes import apply_causes, derive_cause
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.plugins.reports import EngineFailure
from costsight.core.settings import EngineSettings
from costsight.plugins.anomaly.causes import BUILTIN_CAUSES
from tests.engines.builders import TENANT, TODAY, anomaly_context, day, usage

# yesterday 10 calls, today 20: TRAFFIC_GROWTH for the user and for the tenant
ROWS = [usage(kind, eid, day(-1), "100", requests=10) for kind, eid in
        (("user", "u1"), ("tenant", TENANT))]
ROWS += [usage(kind, eid, TODAY, "200", requests=20) for kind, eid in
         (("user", "u1"), ("tenant", TENANT))]
CONTEXT = anomaly_context(ROWS)


def anomaly(kind: AnomalyType = AnomalyType.ABSOLUTE_SPIKE, entity: tuple[str, str] = (
        "user", "u1"), cause: str = "UNKNOWN", tenant: str = TENANT) -> DetectedAnomaly:
    return DetectedAnomaly(
        tenant_id=tenant, anomaly_type=kind, severity=Severity.HIGH, entity_type=entity[0],
        entity_id=entity[1], current_value_cents=Decimal(200), expected_value_cents=Decimal(100),
        deviation_pct=100.0, threshold_ratio=1.4, message="m", derived_cause=cause)


@dataclass
class Deriver:
    name: str
    answer: object = None
    order: int = 10
    calls: int = 0

    def derive(self, evidence: object) -> str | None:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer  # type: ignore[return-value]  # deliberately anything


@pytest.mark.parametrize("answer", ["lowercase", "X" * 33, 42, "", " PADDED ",
                                    RuntimeError("boom")])
def test_an_invalid_or_raising_deriver_is_skipped_and_the_next_one_wins(answer: object) -> None:
    bad = Deriver("BAD", answer)
    trial = derive_cause([bad, *BUILTIN_CAUSES], CONTEXT.cause_evidence("user", "u1"))
    assert trial.cause == "TRAFFIC_GROWTH"
    [(name, error)] = trial.errors
    assert name == "BAD" and error


def test_the_longest_valid_cause_is_accepted() -> None:
    trial = derive_cause([Deriver("LONG", "X" * 32)], CONTEXT.cause_evidence("user", "u1"))
    assert trial == type(trial)("X" * 32, ())


def test_a_raising_deriver_is_reported_once_per_pass() -> None:
    bad = Deriver("BAD", RuntimeError("boom"))
    found = AnomalyFindings(anomalies=(
        anomaly(), anomaly(AnomalyType.SUSTAINED_DRIFT, ("tenant", TENANT)),
        anomaly(AnomalyType.ABSOLUTE_SPIKE, ("tenant", TENANT))))
    caused, failures = apply_causes(found, CONTEXT, [bad, *BUILTIN_CAUSES])
    assert [a.derived_cause for a in caused.anomalies] == ["TRAFFIC_GROWTH"] * 3
    assert failures == (EngineFailure("BAD", TENANT, "RuntimeError: boom"),)
    assert bad.calls == 2  # once per entity, not once per anomaly


def test_only_spike_and_drift_at_unknown_get_a_cause() -> None:
    found = AnomalyFindings(anomalies=(
        anomaly(AnomalyType.BUDGET_EXCEEDED, ("tenant", TENANT)),
        anomaly(cause="OWN_CAUSE"),
        anomaly(AnomalyType.SUSTAINED_DRIFT, ("tenant", TENANT))))
    caused, failures = apply_causes(found, CONTEXT, BUILTIN_CAUSES)
    assert [a.derived_cause for a in caused.anomalies] == ["UNKNOWN", "OWN_CAUSE",
                                                           "TRAFFIC_GROWTH"]
    assert failures == ()


def engines_with(*detectors: object) -> Engines:
    plugin = types.ModuleType("detectors_under_test")

    @hookimpl
    def costsight_register_anomaly_detectors(register: Callable[[object], None]) -> None:
        for detector in detectors:
            register(detector)

    plugin.costsight_register_anomaly_detectors = costsight_register_anomaly_detectors
    pm = build_plugin_manager(EngineSettings(), load_entrypoints=False)
    pm.register(plugin, name="detectors_under_test")
    return Engines(pm)


@dataclass(frozen=True)
class Fixed:
    name: str
    found: AnomalyFindings
    order: int = 900

    def detect(self, context: object) -> AnomalyFindings:
        return self.found


def test_the_facade_derives_causes_after_every_detector() -> None:
    mine = Fixed("mine", AnomalyFindings(anomalies=(anomaly(entity=("tenant", TENANT)),)))
    run = engines_with(mine).detect_anomalies(CONTEXT)
    assert run.failures == ()
    assert [(a.entity_id, a.derived_cause) for a in run.output.anomalies] == [
        (TENANT, "TRAFFIC_GROWTH")]


def test_a_detector_returning_an_unstorable_cause_is_a_failure() -> None:
    bad = Fixed("bad_cause", AnomalyFindings(anomalies=(anomaly(cause="x" * 40),)))
    good = Fixed("good", AnomalyFindings(anomalies=(anomaly(entity=("tenant", TENANT)),)), 901)
    run = engines_with(bad, good).detect_anomalies(CONTEXT)
    assert [f.engine for f in run.failures] == ["bad_cause"]
    assert "derived_cause" in run.failures[0].error
    assert [a.entity_id for a in run.output.anomalies] == [TENANT]
