"""Engines travel as plugins, not inside data: the engine contexts import nothing of the engine
protocols or of the plugin system, so there is no import cycle between them."""

from __future__ import annotations

import dataclasses

import grimp

from costsight.core.engines.contexts import AnomalyContext

ENGINES = "costsight.core.engines"


def test_no_import_cycle_between_contexts_and_protocols() -> None:
    graph = grimp.build_graph("costsight")
    contexts, protocols = f"{ENGINES}.contexts", f"{ENGINES}.protocols"
    assert graph.find_shortest_chain(importer=contexts, imported=protocols) is None
    assert graph.find_shortest_chain(importer=contexts,
                                     imported="costsight.core.plugins.facade") is None
    engine_modules = {m for m in graph.find_children(ENGINES)}
    for module in engine_modules:
        for other in engine_modules - {module}:
            there = graph.find_shortest_chain(importer=module, imported=other)
            back = graph.find_shortest_chain(importer=other, imported=module)
            assert there is None or back is None, (there, back)


def test_the_anomaly_context_holds_data_only() -> None:
    fields = {f.name for f in dataclasses.fields(AnomalyContext)}
    assert fields == {"tenant_id", "as_of", "settings", "daily_usage", "usage_summaries",
                      "budget_spend", "prior_streaks", "drift_trackers", "seasonal",
                      "weekday_usage", "entity_days"}
    assert not hasattr(AnomalyContext, "derive_cause")
