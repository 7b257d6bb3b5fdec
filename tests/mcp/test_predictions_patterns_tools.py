"""Pattern feedback and prediction tools on the seeded dataset."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


async def test_list_pattern_feedback(app: Application, seeded) -> None:
    async with connect(app) as client:
        every = await call(client, names.LIST_PATTERN_FEEDBACK)
        open_ = await call(client, names.LIST_PATTERN_FEEDBACK, acknowledged="false")
        spikes = await call(client, names.LIST_PATTERN_FEEDBACK, pattern_type="cost_spike")
        acked = await call(client, names.LIST_PATTERN_FEEDBACK, acknowledged="true")
    assert {f["id"] for f in every["items"]} == {seeded["feedback_failure"],
                                                 seeded["feedback_cost"]}
    [failure] = open_["items"]
    assert (failure["id"], failure["pattern_type"], failure["signature"],
            failure["occurrence_count"], failure["acknowledged"]) == (
        seeded["feedback_failure"], "failure_pattern", "sig-1", 3, False)
    assert [f["id"] for f in spikes["items"]] == [seeded["feedback_cost"]]
    [ack] = acked["items"]
    assert (ack["acknowledged_by"], ack["acknowledged_at"]) == ("ops", "2026-03-10T12:00:00Z")


async def test_list_pattern_feedback_rejects_a_bad_acknowledged_value(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_PATTERN_FEEDBACK, acknowledged="maybe")
    assert "acknowledged" in text and "'any'" in text


async def test_get_pattern_stats(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_PATTERN_STATS)
    assert out == {"total": 2, "acknowledged": 1, "unacknowledged": 1,
                   "by_type": {"failure_pattern": 1, "cost_spike": 1},
                   "by_severity": {"warning": 2}}


async def test_get_pattern_stats_rejects_a_tenant_outside_the_scope(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_PATTERN_STATS, tenant_id="tenant-b")
    assert "tenant-b" in text and "outside" in text


async def test_list_predictions_hides_expired_unless_asked(app: Application, seeded) -> None:
    async with connect(app) as client:
        live = await call(client, names.LIST_PREDICTIONS)
        every = await call(client, names.LIST_PREDICTIONS, include_expired=True)
        overruns = await call(client, names.LIST_PREDICTIONS, prediction_type="cost_overrun")
        worker_a = await call(client, names.LIST_PREDICTIONS, subject_type="worker",
                              subject_id="worker-a")
    assert sorted(p["subject_id"] for p in live["items"]) == ["worker-a", "worker-b"]
    assert sorted(p["subject_id"] for p in every["items"]) == ["worker-a", "worker-b",
                                                              "worker-c"]
    [overrun] = overruns["items"]
    assert (overrun["subject_id"], overrun["confidence_score"], overrun["prediction_value"],
            overrun["is_advisory"]) == ("worker-b", 0.4, {"overrun_pct": 40}, True)
    assert [p["confidence_score"] for p in worker_a["items"]] == [0.9]


async def test_list_predictions_rejects_a_limit_over_500(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_PREDICTIONS, limit=501)
    assert "limit" in text and "500" in text


async def test_get_prediction_stats(app: Application, seeded) -> None:
    async with connect(app) as client:
        live = await call(client, names.GET_PREDICTION_STATS)
        every = await call(client, names.GET_PREDICTION_STATS, include_expired=True)
    assert live == {"total": 2, "by_type": {"failure_likelihood": 1, "cost_overrun": 1},
                    "by_subject_type": {"worker": 2}, "avg_confidence": 0.65,
                    "high_confidence_count": 1, "all_advisory": True}
    assert (every["total"], every["avg_confidence"]) == (3, 0.633)


async def test_get_prediction_stats_needs_a_tenant_when_the_scope_has_several(
        app: Application, seeded) -> None:
    from costsight.mcp_server.scope import TenantScope

    async with connect(app, TenantScope.of(["tenant-a", "tenant-b"])) as client:
        text = await call_err(client, names.GET_PREDICTION_STATS)
    assert "'tenant_id'" in text and "tenant-a, tenant-b" in text
