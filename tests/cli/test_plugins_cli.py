"""``costsight plugins`` lists what is loaded (no database needed); ``costsight detect`` reports
a broken plugin's failures, by engine and tenant, and keeps every other finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from costsight.core.plugins.manager import DEFAULT_PLUGINS
from tests.ingest.lines import jsonl
from tests.plugins.fake_distribution import FakeDistribution, installed

BUILTIN_HOOKS = {
    "costsight.plugins.anomaly.spike": ["costsight_register_anomaly_detectors"],
    "costsight.plugins.anomaly.drift": ["costsight_register_anomaly_detectors"],
    "costsight.plugins.anomaly.budgets": ["costsight_register_anomaly_detectors"],
    "costsight.plugins.anomaly.causes": ["costsight_register_cause_derivers"],
    "costsight.plugins.prediction.failure": ["costsight_register_predictors"],
    "costsight.plugins.prediction.cost_overrun": ["costsight_register_predictors"],
    "costsight.plugins.prediction.budget_breach": ["costsight_register_predictors"],
    "costsight.plugins.patterns.failure_signatures": ["costsight_register_pattern_detectors"],
    "costsight.plugins.patterns.cost_spikes": ["costsight_register_pattern_detectors"],
    "costsight.plugins.forecast.exponential": ["costsight_register_forecasters"],
}
HARDCAP = FakeDistribution("costsight-hardcap", {"hardcap": "tests.plugins.thirdparty_plugin"})
BROKEN = FakeDistribution("costsight-broken", {
    "raising-engines": "tests.plugins.broken_plugins:raising_engines",
    "unimportable": "tests.plugins.unimportable_plugin",
})
AS_OF = "2026-03-20T18:00:00+00:00"


def db_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


def test_lists_the_eight_builtins_and_an_entry_point_plugin(
        cli, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with installed(monkeypatch, HARDCAP):
        result = cli("plugins", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["errors"] == []
    *builtins, hardcap = data["plugins"]
    assert builtins == [{"name": name, "source": "built-in", "hooks": BUILTIN_HOOKS[name]}
                        for name in DEFAULT_PLUGINS]
    assert hardcap == {"name": "hardcap", "source": "entry point",
                       "distribution": "costsight-hardcap", "version": "1.0",
                       "hooks": ["costsight_register_anomaly_detectors",
                                 "costsight_register_cause_derivers"]}
    assert not db_path(db_url).exists()  # no database was opened


def test_the_table_names_source_and_hooks(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with installed(monkeypatch, HARDCAP):
        result = cli("plugins")
    assert result.code == 0 and result.err == ""
    assert "costsight.plugins.patterns.cost_spikes" in result.out
    assert "entry point (costsight-hardcap 1.0)" in result.out
    assert "costsight_register_cause_derivers" in result.out


def test_a_plugin_that_fails_to_import_is_an_error_the_rest_is_listed(
        cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with installed(monkeypatch, BROKEN):
        result = cli("plugins", "--json")
        human = cli("plugins")
    assert result.code == 2
    data = result.json()
    assert data["errors"] == [{"plugin": "unimportable",
                               "error": "RuntimeError: this plugin cannot be imported"}]
    names = [p["name"] for p in data["plugins"]]
    assert names == [*DEFAULT_PLUGINS, "raising-engines"]
    assert human.code == 2 and "plugin 'unimportable' skipped" in human.err


def test_allow_list_loads_only_the_named_plugins(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTSIGHT_PLUGINS",
                       "costsight.plugins.anomaly.spike, hardcap, no-such-plugin")
    with installed(monkeypatch, HARDCAP):
        data = cli("plugins", "--json").json()
    assert [p["name"] for p in data["plugins"]] == ["costsight.plugins.anomaly.spike", "hardcap"]
    [error] = data["errors"]
    assert error["plugin"] == "no-such-plugin" and "COSTSIGHT_PLUGINS" in error["error"]


def test_block_list_wins_over_the_allow_list(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTSIGHT_PLUGINS", "costsight.plugins.anomaly.budgets,hardcap")
    monkeypatch.setenv("COSTSIGHT_DISABLED_PLUGINS", "hardcap")
    with installed(monkeypatch, HARDCAP):
        result = cli("plugins", "--json")
    assert result.code == 0
    assert result.json() == {"plugins": [{"name": "costsight.plugins.anomaly.budgets",
                                          "source": "built-in",
                                          "hooks": ["costsight_register_anomaly_detectors"]}],
                             "errors": []}


def busy_tenants(tmp_path: Path) -> Path:
    """Two tenants over a tenant budget today (so the built-in budget detector finds them)."""
    lines = [{"type": "budget", "tenant_id": t, "budget_type": "tenant",
              "daily_limit_cents": 100} for t in ("t1", "t2")]
    lines += [{"type": "cost_record", "tenant_id": t, "model": "gpt-4o", "input_tokens": 10,
               "output_tokens": 10, "cost_cents": 150, "request_id": f"{t}-{i}",
               "created_at": f"2026-03-20T1{i}:00:00+00:00"} for t in ("t1", "t2")
              for i in range(2)]
    path = tmp_path / "busy.jsonl"
    path.write_bytes(jsonl(lines))
    return path


def test_detect_reports_engine_errors_by_engine_and_tenant(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("ingest", str(busy_tenants(tmp_path))).code == 0
    with installed(monkeypatch, BROKEN):
        result = cli("detect", "--json", "--as-of", AS_OF)
        human = cli("detect", "--as-of", AS_OF)
    assert result.code == 2
    data = result.json()
    assert {(a["tenant_id"], a["anomaly_type"], a["entity_id"]) for a in data["anomalies"]} == {
        ("t1", "BUDGET_EXCEEDED", ""), ("t2", "BUDGET_EXCEEDED", ""),
        ("t2", "ABSOLUTE_SPIKE", "exploded")}  # the failing detector still ran for t2
    errors = data["engine_errors"]
    assert {"engine": "exploding_detector", "tenant_id": "t1",
            "error": "RuntimeError: detector blew up for t1"} in errors
    assert [(e["engine"], e["tenant_id"]) for e in errors] == [
        ("exploding_patterns", "t1"), ("exploding_patterns", "t2"),
        ("exploding_detector", "t1"),
        ("exploding_predictor", "t1"), ("exploding_predictor", "t2")]
    assert data["plugin_errors"] == [{"plugin": "unimportable",
                                      "error": "RuntimeError: this plugin cannot be imported"}]
    assert human.code == 2
    assert ("engine error tenant 't1': engine 'exploding_detector' failed: "
            "RuntimeError: detector blew up for t1") in human.err
    assert "plugin error plugin 'unimportable' skipped" in human.err
    assert "BUDGET_EXCEEDED" in human.out


def test_detect_without_broken_plugins_reports_nothing(cli, tmp_path: Path) -> None:
    assert cli("ingest", str(busy_tenants(tmp_path))).code == 0
    result = cli("detect", "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    data = result.json()
    assert data["engine_errors"] == [] and data["plugin_errors"] == []
    assert len(data["anomalies"]) == 2
