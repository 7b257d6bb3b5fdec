"""Loading plugins: the allow-list beside the block-list, and loading that never raises for a
plugin's fault (each failure reported once, by name)."""

from __future__ import annotations

import logging

import pytest

from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import DEFAULT_PLUGINS, build_plugin_manager
from costsight.core.settings import EngineSettings
from tests.plugins.fake_distribution import FakeDistribution, installed

SPIKE, BUDGETS = "costsight.plugins.anomaly.spike", "costsight.plugins.anomaly.budgets"
HARDCAP = FakeDistribution("costsight-hardcap", {"hardcap": "tests.plugins.thirdparty_plugin"})


def names(engines: Engines) -> list[str]:
    return [p.name for p in engines.plugins()]


def engines_for(monkeypatch: pytest.MonkeyPatch, dist: FakeDistribution = HARDCAP,
                **settings: object) -> Engines:
    with installed(monkeypatch, dist):
        return Engines(build_plugin_manager(EngineSettings(**settings)))


def test_without_an_allow_list_everything_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    engines = engines_for(monkeypatch)
    assert names(engines) == [*DEFAULT_PLUGINS, "hardcap"] and engines.load_errors == ()


def test_the_allow_list_loads_only_what_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    engines = engines_for(monkeypatch, enabled_plugins=(SPIKE, "hardcap"))
    assert names(engines) == [SPIKE, "hardcap"] and engines.load_errors == ()
    assert [d.name for d in engines.anomaly_detectors()] == ["absolute_spike",
                                                             "thirdparty_hard_cap"]
    assert [d.name for d in engines.cause_derivers()] == ["BATCH_BACKFILL"]
    assert engines.predictors() == [] and engines.pattern_detectors() == []


def test_an_empty_allow_list_loads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    engines = engines_for(monkeypatch, enabled_plugins=())
    assert names(engines) == [] and engines.load_errors == ()


def test_a_name_both_allowed_and_blocked_is_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    engines = engines_for(monkeypatch, enabled_plugins=(SPIKE, "hardcap"),
                          disabled_plugins=("hardcap",))
    assert names(engines) == [SPIKE] and engines.load_errors == ()


def test_an_allowed_name_that_exists_nowhere_is_a_load_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    engines = engines_for(monkeypatch, enabled_plugins=(SPIKE, "costsight.plugins.typo"))
    assert names(engines) == [SPIKE]
    [error] = engines.load_errors
    assert error.plugin == "costsight.plugins.typo"
    assert "allow-list (COSTSIGHT_PLUGINS)" in error.error


def test_the_environment_variables_fold_into_the_engine_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from costsight.settings import Settings

    monkeypatch.setenv("COSTSIGHT_PLUGINS", f" {SPIKE}, hardcap ,")
    monkeypatch.setenv("COSTSIGHT_DISABLED_PLUGINS", "hardcap")
    settings = Settings().engine_settings()
    assert settings.enabled_plugins == (SPIKE, "hardcap")
    assert settings.disabled_plugins == ("hardcap",)
    monkeypatch.setenv("COSTSIGHT_PLUGINS", "")
    assert Settings().engine_settings().enabled_plugins == ()
    monkeypatch.delenv("COSTSIGHT_PLUGINS")
    assert Settings().engine_settings().enabled_plugins is None


def test_a_builtin_that_fails_to_import_is_reported_and_skipped(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="costsight.core.plugins.manager"):
        pm = build_plugin_manager(EngineSettings(), load_entrypoints=False,
                                  plugins=(SPIKE, "costsight.plugins.gone", BUDGETS))
    engines = Engines(pm)
    assert names(engines) == [SPIKE, BUDGETS]
    [error] = engines.load_errors
    assert (error.plugin, error.error.split(":")[0]) == ("costsight.plugins.gone",
                                                         "ModuleNotFoundError")
    assert [r.getMessage() for r in caplog.records] == [
        f"plugin costsight.plugins.gone skipped: {error.error}"]


def test_an_entry_point_implementing_an_unknown_hook_is_skipped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    dist = FakeDistribution("costsight-odd", {
        "odd": "tests.plugins.loading_plugins:unknown_hook",
        "hardcap": "tests.plugins.thirdparty_plugin"})
    engines = engines_for(monkeypatch, dist)
    assert names(engines) == [*DEFAULT_PLUGINS, "hardcap"]
    [error] = engines.load_errors
    assert error.plugin == "odd"
    assert "unknown hook(s) costsight_register_everything" in error.error


def test_an_entry_point_name_already_taken_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = FakeDistribution("costsight-imposter", {SPIKE: "tests.plugins.thirdparty_plugin"})
    engines = engines_for(monkeypatch, taken)
    assert names(engines) == list(DEFAULT_PLUGINS)
    [error] = engines.load_errors
    assert error.plugin == SPIKE and "already used by a built-in plugin" in error.error
