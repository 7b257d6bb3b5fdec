"""The accuracy benchmark at its CI size: deterministic, and every incident type present.

Nothing here depends on the machine or on how good the detectors are: the published numbers
come from ``python -m benchmarks.quality`` (BENCHMARKS.md).
"""

from __future__ import annotations

import json

import pytest

from benchmarks.quality.__main__ import evaluate

pytestmark = pytest.mark.memory

KEYS = ("spike.precision", "spike.recall", "step.recall", "drift.recall", "quiet.findings",
        "forecast.coverage_80", "forecast.coverage_95", "forecast.mape",
        "budget_breach.lead_days")


async def test_same_seed_same_json_and_every_incident_type() -> None:
    first = await evaluate(5, 1, tiny=True)
    second = await evaluate(5, 1, tiny=True)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert set(first["incidents"]) == {"quiet_flat", "quiet_weekly", "spike", "step", "drift",
                                       "retry_storm", "model_switch", "budget"}
    for key in KEYS:
        assert key in first, key
    for kind in ("spike", "step", "drift", "retry_storm", "model_switch"):
        assert first[f"{kind}.incidents"] >= 1
    assert first["budget_breach.breaches"] >= 1 and first["forecast.days"] > 0
