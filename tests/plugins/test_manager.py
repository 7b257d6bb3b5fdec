"""The plugin manager, the hookspecs and the Engines facade."""

from __future__ import annotations

import inspect
import math
import re
import types
from dataclasses import dataclass, replace
from datetime import date

import pluggy
import pytest

from costsight.core.engines import AnomalyFindings
from costsight.core.engines.forecasting import ForecastInput, ForecastResult
from costsight.core.plugins import PROJECT, hookimpl, hookspecs
from costsight.core.plugins.causes import derive_cause
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import DEFAULT_PLUGINS, build_plugin_manager
from costsight.core.settings import EngineSettings
from tests.engines.builders import anomaly_context, pattern_context, prediction_context, run

EVIDENCE = anomaly_context().cause_evidence("tenant", "t1")
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith(f"{PROJECT}_"))


def manager(*disabled: str) -> pluggy.PluginManager:
    return build_plugin_manager(EngineSettings(disabled_plugins=disabled), load_entrypoints=False)


def test_builtins_register_under_their_module_names() -> None:
    pm = manager()
    assert sorted(name for name, _ in pm.list_name_plugin()) == sorted(DEFAULT_PLUGINS)
    assert pm.project_name == PROJECT == "costsight"


def test_the_five_hooks_exist_prefixed_and_documented() -> None:
    assert HOOKS == ["costsight_register_anomaly_detectors", "costsight_register_cause_derivers",
                     "costsight_register_forecasters",
                     "costsight_register_pattern_detectors", "costsight_register_predictors"]
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert ":param register:" in doc and ":return:" in doc and "firstresult" in doc, name


def test_check_pending_rejects_an_unknown_hook() -> None:
    bogus = types.ModuleType("bogus_plugin")

    @hookimpl
    def costsight_register_everything(register: object) -> None: ...

    bogus.costsight_register_everything = costsight_register_everything
    pm = manager()
    pm.register(bogus)
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


@pytest.mark.parametrize(("blocked", "kind", "missing"), [
    ("costsight.plugins.anomaly.spike", "anomaly_detectors", "absolute_spike"),
    ("costsight.plugins.anomaly.drift", "anomaly_detectors", "sustained_drift"),
    ("costsight.plugins.anomaly.budgets", "anomaly_detectors", "budgets"),
    ("costsight.plugins.anomaly.causes", "cause_derivers", "RETRY_LOOP"),
    ("costsight.plugins.prediction.failure", "predictors", "failure_likelihood"),
    ("costsight.plugins.prediction.cost_overrun", "predictors", "cost_overrun"),
    ("costsight.plugins.prediction.budget_breach", "predictors", "budget_breach"),
    ("costsight.plugins.patterns.failure_signatures", "pattern_detectors", "failure_signatures"),
    ("costsight.plugins.patterns.cost_spikes", "pattern_detectors", "cost_spikes"),
    ("costsight.plugins.forecast.exponential", "forecasters", "exponential_smoothing"),
])
def test_disabled_builtin_is_not_loaded(blocked: str, kind: str, missing: str) -> None:
    assert missing in [e.name for e in getattr(Engines(manager()), kind)()]
    pm = manager(blocked)
    assert pm.is_blocked(blocked) and not pm.has_plugin(blocked)
    assert missing not in [e.name for e in getattr(Engines(pm), kind)()]


# -- each hook, through a plugin registered in try/finally (datasette style) ----------------

@dataclass(frozen=True)
class Named:
    name: str
    order: int = 1
    result: object = None

    def detect(self, context: object) -> object:
        return self.result

    def predict(self, context: object) -> object:
        return self.result

    def derive(self, evidence: object) -> str | None:
        return self.result  # type: ignore[return-value]  # a plugin may return anything

    def forecast(self, series: object) -> object:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def with_plugin(hook: str, *engines_: object) -> tuple[pluggy.PluginManager, object]:
    plugin = types.ModuleType(f"test_{hook}")

    def impl(register):
        for engine in engines_:
            register(engine)

    impl.__name__ = hook
    setattr(plugin, hook, hookimpl(impl))
    pm = manager()
    pm.register(plugin, name=plugin.__name__)
    return pm, plugin


def test_hook_register_anomaly_detectors() -> None:
    pm, plugin = with_plugin("costsight_register_anomaly_detectors",
                             Named("mine", 150, AnomalyFindings()))
    try:
        engines = Engines(pm)
        assert [d.name for d in engines.anomaly_detectors()] == [
            "absolute_spike", "mine", "sustained_drift", "budgets"]
        assert engines.plugins()[-1].as_dict() == {
            "name": plugin.__name__, "source": "in code",
            "hooks": ["costsight_register_anomaly_detectors"]}
    finally:
        pm.unregister(plugin)
    assert "mine" not in [d.name for d in Engines(pm).anomaly_detectors()]


def test_hook_register_predictors() -> None:
    pm, plugin = with_plugin("costsight_register_predictors", Named("mine", 1, []))
    try:
        assert [p.name for p in Engines(pm).predictors()] == [
            "mine", "failure_likelihood", "cost_overrun", "budget_breach"]
    finally:
        pm.unregister(plugin)


def test_hook_register_pattern_detectors() -> None:
    pm, plugin = with_plugin("costsight_register_pattern_detectors", Named("mine", 999, []))
    try:
        assert [p.name for p in Engines(pm).pattern_detectors()] == [
            "failure_signatures", "cost_spikes", "mine"]
    finally:
        pm.unregister(plugin)


def test_hook_register_forecasters_first_result_by_order_wins() -> None:
    series = ForecastInput(values=(1.0, 2.0, 3.0, 4.0, 5.0), first_day=date(2026, 3, 1),
                           horizon=2)
    flat = ForecastResult("flat", (1.0, 1.0), (1.0, 1.0), (1.0, 1.0), (0.5, 0.5), (2.0, 2.0))
    pm, plugin = with_plugin("costsight_register_forecasters", Named("declines", 10, None),
                             Named("broken", 20, RuntimeError("boom")),
                             Named("wrong_horizon", 30, replace(flat, point=(1.0,),
                                                               low80=(1.0,), high80=(1.0,),
                                                               low95=(0.5,), high95=(2.0,))),
                             Named("infinite", 35, replace(flat, high95=(2.0, math.inf))),
                             Named("flat", 40, flat))
    try:
        engines = Engines(pm)
        assert [f.name for f in engines.forecasters()] == [
            "declines", "broken", "wrong_horizon", "infinite", "flat", "exponential_smoothing"]
        run = engines.forecast(series, "acme")
        assert run.output == ("flat", flat)
        assert [(f.engine, f.tenant_id) for f in run.failures] == [
            ("broken", "acme"), ("wrong_horizon", "acme"), ("infinite", "acme")]
    finally:
        pm.unregister(plugin)
    name, result = Engines(pm).forecast(series, "acme").output or ("", None)
    assert name == "exponential_smoothing" and result is not None
    assert result.method == "ses" and result.horizon == 2


def test_hook_register_cause_derivers_orders_and_first_match_wins() -> None:
    pm, plugin = with_plugin("costsight_register_cause_derivers",
                             Named("LATE", 500, "LATE"), Named("EARLY", 150, "EARLY"))
    try:
        e = Engines(pm)
        assert [c.name for c in e.cause_derivers()] == [
            "RETRY_LOOP", "EARLY", "MODEL_SWITCH", "PROMPT_GROWTH", "FEATURE_SURGE",
            "TRAFFIC_GROWTH", "LATE"]
        assert derive_cause(e.cause_derivers(), EVIDENCE).cause == "EARLY"
    finally:
        pm.unregister(plugin)
    assert derive_cause(Engines(pm).cause_derivers(), EVIDENCE).cause == "UNKNOWN"


BUILTIN_DETECTORS = ["absolute_spike", "sustained_drift", "budgets"]


@pytest.mark.parametrize(("engine", "message"), [
    (Named(""), "name must be a non-empty string"),
    (Named("x", order="1"), "order must be an int"),
    (Named("x", order=True), "order must be an int"),
    (types.SimpleNamespace(name="x", order=1), r"must have a detect\(\) method"),
])
def test_unusable_registrations_skip_the_plugin_and_are_reported(engine: object,
                                                                  message: str) -> None:
    good = Named("good_one", 900, AnomalyFindings())
    pm, plugin = with_plugin("costsight_register_anomaly_detectors", good, engine)
    engines = Engines(pm)
    # the whole plugin is skipped, its good detector too; the built-ins stay
    assert [d.name for d in engines.anomaly_detectors()] == BUILTIN_DETECTORS
    [error] = engines.load_errors
    assert error.plugin == plugin.__name__ and error.error.startswith("PluginError: ")
    assert re.search(message, error.error)
    assert plugin.__name__ not in [p.name for p in engines.plugins()]


def test_duplicate_names_are_rejected() -> None:
    pm, plugin = with_plugin("costsight_register_predictors", Named("cost_overrun"))
    engines = Engines(pm)
    assert [p.name for p in engines.predictors()] == ["failure_likelihood", "cost_overrun",
                                                     "budget_breach"]
    assert engines.predictors()[1].__module__ == "costsight.plugins.prediction.cost_overrun"
    [error] = engines.load_errors
    assert error.plugin == plugin.__name__ and "registered twice" in error.error


def test_a_registration_hook_that_raises_skips_only_its_plugin() -> None:
    plugin = types.ModuleType("raising_registration")

    @hookimpl
    def costsight_register_predictors(register: object) -> None:
        raise RuntimeError("cannot register today")

    plugin.costsight_register_predictors = costsight_register_predictors
    pm = manager()
    pm.register(plugin, name="raising_registration")
    engines = Engines(pm)
    assert [p.name for p in engines.predictors()] == ["failure_likelihood", "cost_overrun",
                                                     "budget_breach"]
    assert [(e.plugin, e.error) for e in engines.load_errors] == [
        ("raising_registration", "RuntimeError: cannot register today")]


def test_a_failing_engine_is_reported_and_the_others_still_run() -> None:
    class Boom:
        name, order = "boom", 1

        def detect(self, context: object) -> object:
            raise RuntimeError("kaput")

    pm, _ = with_plugin("costsight_register_pattern_detectors", Boom())
    costly = [run("w", cost=c, minutes_ago=i + 1) for i, c in enumerate(["300"] + ["100"] * 5)]
    outcome = Engines(pm).detect_patterns(pattern_context(cost_runs=costly))
    assert [f.engine for f in outcome.failures] == ["boom"]
    assert "kaput" in outcome.failures[0].error
    assert [fb.pattern_type for fb in outcome.output] == ["cost_spike"]


def test_findings_for_another_tenant_are_refused() -> None:
    from costsight.plugins.prediction.failure import FailureLikelihoodPredictor
    from tests.engines.builders import totals

    class Stranger:
        name, order = "stranger", 1

        def predict(self, context: object) -> object:
            other = prediction_context(run_totals=[totals("w", 1, 1)])
            return [p.model_copy(update={"tenant_id": "someone-else"})
                    for p in FailureLikelihoodPredictor().predict(other)]

    pm, _ = with_plugin("costsight_register_predictors", Stranger())
    outcome = Engines(pm).predict(prediction_context())
    assert [f.engine for f in outcome.failures] == ["stranger"]
    assert "someone-else" in outcome.failures[0].error and outcome.output == []


def test_wrong_return_type_is_a_failure() -> None:
    pm, _ = with_plugin("costsight_register_anomaly_detectors", Named("wrong", 1, ["nope"]))
    outcome = Engines(pm).detect_anomalies(anomaly_context())
    assert [f.engine for f in outcome.failures] == ["wrong"]
