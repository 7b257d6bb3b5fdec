"""A third-party plugin that raises, fails to import or registers garbage costs the built-ins
nothing, on every backend: their findings are the same as without it, the failure is reported
with the engine (or plugin) name and the tenant, and the next tenant still runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from costsight.core.domain.costs import BudgetType, BudgetUpsert
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.plugins.reports import EngineFailure
from costsight.core.settings import EngineSettings
from tests.plugins import broken_plugins
from tests.plugins.broken_plugins import MARKER_ENTITY, REGISTRATIONS
from tests.plugins.fake_distribution import FakeDistribution, installed
from tests.plugins.seeding import budgets, cost, cycles, engines, record

NOON = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
AS_OF = NOON.replace(hour=18)
TENANTS = ("t1", "t2", "t3")
MODULE = "tests.plugins.broken_plugins"

#: entry-point name -> target, for each kind of broken plugin
BROKEN = {
    "raising-engines": f"{MODULE}:raising_engines",
    "raising-cause": f"{MODULE}:raising_cause",
    "unimportable": "tests.plugins.unimportable_plugin",
    "missing-module": "tests.plugins.no_such_plugin_module",
    "duplicate-name": f"{MODULE}:duplicate_name",
    "nameless": f"{MODULE}:nameless",
}


def at(days: int, hour: int = 12) -> datetime:
    return (NOON + timedelta(days=days)).replace(hour=hour)


async def seed(storage: object) -> None:
    """Each tenant: a tenant-level spike caused by traffic growth, and a budget exceeded."""
    for tenant in TENANTS:
        records = [cost(tenant, at(d), "100") for d in range(-17, -2)]
        records += [cost(tenant, at(-1, 1 + i), "14", retry=i < 1) for i in range(10)]
        records += [cost(tenant, at(0, 1 + i), "20", retry=i < 1) for i in range(14)]
        await record(storage, records)
        await budgets(storage, [BudgetUpsert(tenant_id=tenant, budget_type=BudgetType.TENANT,
                                             daily_limit_cents=200)])
    anomaly_cycle, _, _ = cycles(storage, at(-1, 18))
    await anomaly_cycle.run()  # yesterday's breaches, so today's spike completes a streak


def load(monkeypatch: pytest.MonkeyPatch, *names: str) -> Engines:
    dist = FakeDistribution("costsight-broken", {name: BROKEN[name] for name in names})
    with installed(monkeypatch, dist):
        return Engines(build_plugin_manager(EngineSettings()))


def built_in(anomalies: list) -> list[tuple]:
    return [(a.dedupe_key, a.severity.value, a.breach_count, a.derived_cause)
            for a in anomalies if a.entity_id != MARKER_ENTITY]


async def expected_findings(storage: object) -> list[tuple]:
    anomaly_cycle, _, _ = cycles(storage, AS_OF, eng=engines())
    found = [a for tenant in TENANTS for a in await anomaly_cycle.preview(tenant)]
    kinds = {(a.tenant_id, a.anomaly_type.value, a.derived_cause) for a in found}
    for tenant in TENANTS:  # the scenario exercises a detector with a cause, and another
        assert {(tenant, "ABSOLUTE_SPIKE", "TRAFFIC_GROWTH"),
                (tenant, "BUDGET_EXCEEDED", "UNKNOWN")} <= kinds
    return built_in(found)


@pytest.mark.parametrize("broken", list(BROKEN))
async def test_a_broken_plugin_leaves_the_builtin_findings_intact(
        storage: object, monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    await seed(storage)
    expected = await expected_findings(storage)
    eng = load(monkeypatch, broken)
    anomaly_cycle, _, _ = cycles(storage, AS_OF, eng=eng)
    result = await anomaly_cycle.run()
    assert result.tenant_ids == list(TENANTS)
    assert built_in(result.anomalies) == expected
    if broken == "raising-engines":
        assert result.engine_errors == [EngineFailure(
            "exploding_detector", "t1", "RuntimeError: detector blew up for t1")]
        # the detector that failed for t1 ran again, and worked, for the next tenants
        assert [a.tenant_id for a in result.anomalies if a.entity_id == MARKER_ENTITY] == [
            "t2", "t3"]
    elif broken == "raising-cause":
        # once per tenant (first error), though it raised for every spike of the tenant
        assert result.engine_errors == [
            EngineFailure("EXPLODING", t, f"RuntimeError: cause blew up for tenant {t}")
            for t in TENANTS]
    else:
        assert result.engine_errors == []
        [error] = eng.load_errors
        assert error.plugin == broken
        assert broken not in [p.name for p in eng.plugins()]


async def test_every_broken_plugin_at_once(storage: object,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(storage)
    expected = await expected_findings(storage)
    eng = load(monkeypatch, *BROKEN)
    assert sorted(e.plugin for e in eng.load_errors) == [
        "duplicate-name", "missing-module", "nameless", "unimportable"]
    errors = {e.plugin: e.error for e in eng.load_errors}
    assert errors["unimportable"] == "RuntimeError: this plugin cannot be imported"
    assert errors["missing-module"].startswith("ModuleNotFoundError: ")
    assert "'budgets' registered twice" in errors["duplicate-name"]
    assert "name must be a non-empty string" in errors["nameless"]
    assert "garbage_but_valid" not in [d.name for d in eng.anomaly_detectors()]
    anomaly_cycle, prediction_cycle, pattern_cycle = cycles(storage, AS_OF, eng=eng)
    result = await anomaly_cycle.run()
    assert built_in(result.anomalies) == expected
    assert [(f.engine, f.tenant_id) for f in result.engine_errors] == [
        ("exploding_detector", "t1"), ("EXPLODING", "t1"),
        ("EXPLODING", "t2"), ("EXPLODING", "t3")]
    predictions = await prediction_cycle.run()
    assert [(f.engine, f.tenant_id) for f in predictions.engine_errors] == [
        ("exploding_predictor", t) for t in TENANTS]
    patterns = await pattern_cycle.run()
    assert [(f.engine, f.tenant_id) for f in patterns.engine_errors] == [
        ("exploding_patterns", t) for t in TENANTS]
    assert patterns.errors[0] == ("tenant 't1': engine 'exploding_patterns' failed: "
                                  "RuntimeError: exploding_patterns blew up")


async def test_registration_hooks_run_once_per_process(storage: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(storage)
    REGISTRATIONS.clear()
    eng = load(monkeypatch, "raising-engines", "raising-cause")
    for day in (-1, 0):
        for cycle in cycles(storage, at(day, 18), eng=eng):
            await cycle.run()
    await cycles(storage, AS_OF, eng=eng)[0].preview("t2")
    assert dict(REGISTRATIONS) == {
        ("raising_engines", "costsight_register_anomaly_detectors"): 1,
        ("raising_engines", "costsight_register_predictors"): 1,
        ("raising_engines", "costsight_register_pattern_detectors"): 1,
        ("raising_cause", "costsight_register_cause_derivers"): 1,
    }
    assert broken_plugins.ExplodingCause() in eng.cause_derivers()
