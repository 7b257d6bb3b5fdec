"""A third-party plugin installed through the ``costsight`` entry point takes part in a cycle;
blocked by name, it does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from costsight.core.application import Application
from costsight.core.plugins.causes import derive_cause
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import FixedClock
from tests.engines.builders import TODAY, anomaly_context, usage
from tests.plugins import thirdparty_plugin
from tests.plugins.fake_distribution import FakeDistribution, installed
from tests.plugins.seeding import cost, record

AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
DIST = FakeDistribution("costsight-hardcap", {"hardcap": "tests.plugins.thirdparty_plugin"})


def load(monkeypatch: pytest.MonkeyPatch, *disabled: str) -> Engines:
    with installed(monkeypatch, DIST):
        pm = build_plugin_manager(EngineSettings(disabled_plugins=disabled))
    return Engines(pm)


def test_entry_point_plugin_is_loaded_under_its_entry_point_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    engines = load(monkeypatch)
    assert engines.pm.get_plugin("hardcap") is thirdparty_plugin
    [info] = [p for p in engines.plugins() if p.name == "hardcap"]
    assert (info.origin.source, info.origin.distribution, info.origin.version) == (
        "entry point", "costsight-hardcap", "1.0")
    assert "thirdparty_hard_cap" in [d.name for d in engines.anomaly_detectors()]
    assert engines.cause_derivers()[0].name == "BATCH_BACKFILL"


def test_without_entry_points_the_plugin_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    with installed(monkeypatch, DIST):
        pm = build_plugin_manager(EngineSettings(), load_entrypoints=False)
    assert not pm.has_plugin("hardcap")


async def seed_busy_day(storage: object) -> None:
    await record(storage, [cost("t1", AS_OF - timedelta(hours=h), 300) for h in range(1, 6)])


async def test_detector_and_cause_take_part_in_a_cycle(
        storage: object, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed_busy_day(storage)
    app = Application(storage, clock=FixedClock(AS_OF), engines=load(monkeypatch))
    result = await app.anomaly_cycle.run("t1")
    [hard] = [a for a in result.anomalies if a.entity_id == "hard-cap"]
    assert hard.derived_cause == "BATCH_BACKFILL"
    assert hard.current_value_cents == 1500
    assert [f.anomaly_id for f in result.facts] == [hard.id]
    assert result.engine_errors == [] and result.errors == []


async def test_blocked_by_name_it_takes_no_part(
        storage: object, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed_busy_day(storage)
    engines = load(monkeypatch, "hardcap")
    assert not engines.pm.has_plugin("hardcap") and engines.pm.is_blocked("hardcap")
    app = Application(storage, clock=FixedClock(AS_OF), engines=engines)
    result = await app.anomaly_cycle.run("t1")
    assert result.anomalies == [] and result.facts == []
    evidence = anomaly_context([usage("tenant", "t1", TODAY, "1500")]).cause_evidence(
        "tenant", "t1")
    assert derive_cause(engines.cause_derivers(), evidence).cause == "UNKNOWN"
    assert derive_cause(load(monkeypatch).cause_derivers(), evidence).cause == "BATCH_BACKFILL"


def test_blocked_through_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from costsight.settings import Settings

    monkeypatch.setenv("COSTSIGHT_DISABLED_PLUGINS", "hardcap, costsight.plugins.anomaly.budgets")
    settings = Settings().engine_settings()
    with installed(monkeypatch, DIST):
        pm = build_plugin_manager(settings)
    assert not pm.has_plugin("hardcap") and not pm.has_plugin("costsight.plugins.anomaly.budgets")
    assert pm.has_plugin("costsight.plugins.anomaly.spike")
