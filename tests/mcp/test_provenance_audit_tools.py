"""Provenance, drift and audit tools on the seeded dataset."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


async def test_query_provenance_newest_first_with_filters(app: Application, seeded) -> None:
    async with connect(app) as client:
        every = await call(client, names.QUERY_PROVENANCE)
        canary = await call(client, names.QUERY_PROVENANCE, variant="canary")
        by_hash = await call(client, names.QUERY_PROVENANCE, input_hash="hash-0002")
        recent = await call(client, names.QUERY_PROVENANCE, start="2026-03-10T08:30:00Z",
                            end="2026-03-10T10:00:00Z")
    assert [p["run_id"] for p in every["items"]] == ["run-4", "run-3", "run-2", "run-1"]
    [row] = canary["items"]
    assert (row["run_id"], row["source"], row["v1_cost"], row["v2_cost"], row["cost_delta"]) == (
        "run-3", "canary", 100, 90, -10)
    assert [(p["run_id"], p["cost_delta"]) for p in by_hash["items"]] == [("run-2", 50)]
    assert [p["run_id"] for p in recent["items"]] == ["run-3"]


async def test_query_provenance_rejects_end_before_start(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.QUERY_PROVENANCE, start="2026-03-10T00:00:00Z",
                              end="2026-03-10T00:00:00Z")
    assert "'end'" in text


async def test_count_provenance(app: Application, seeded) -> None:
    async with connect(app) as client:
        every = await call(client, names.COUNT_PROVENANCE)
        v2 = await call(client, names.COUNT_PROVENANCE, variant="v2")
        canary = await call(client, names.COUNT_PROVENANCE, source="canary")
    assert (every, v2, canary) == ({"count": 4}, {"count": 3}, {"count": 1})


async def test_count_provenance_rejects_a_bad_timestamp(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.COUNT_PROVENANCE, start="yesterday")
    assert "'start'" in text and "ISO 8601" in text


async def test_get_drift_stats(app: Application, seeded) -> None:
    async with connect(app) as client:
        every = await call(client, names.GET_DRIFT_STATS)
        v2 = await call(client, names.GET_DRIFT_STATS, variant="v2")
    # deltas 1, 50, -10 (row 4 has no v2 cost)
    assert every["total"] == 3
    assert every["avg_delta"] == pytest.approx(41 / 3)
    assert (every["min_delta"], every["max_delta"]) == (-10, 50)
    assert every["stddev_delta"] == pytest.approx(31.9426, abs=1e-3)
    assert every["verdicts"] == {"MATCH": 1, "MAJOR_DRIFT": 1, "MINOR_DRIFT": 1}
    assert (v2["total"], v2["avg_delta"]) == (2, 25.5)


async def test_get_drift_stats_rejects_end_before_start(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_DRIFT_STATS, start="2026-03-10T00:00:00Z",
                              end="2026-03-01T00:00:00Z")
    assert "'end'" in text


async def test_list_audit_records(app: Application, seeded) -> None:
    async with connect(app) as client:
        every = await call(client, names.LIST_AUDIT_RECORDS)
        preempted = await call(client, names.LIST_AUDIT_RECORDS, decision="preempted")
        cost = await call(client, names.LIST_AUDIT_RECORDS, envelope_class="COST")
        env2 = await call(client, names.LIST_AUDIT_RECORDS, envelope_id="env-2")
        late = await call(client, names.LIST_AUDIT_RECORDS, start="2026-03-10T09:30:00Z")
    assert [r["audit_id"] for r in every["items"]] == ["a-2", "a-1"]
    [record] = preempted["items"]
    assert (record["audit_id"], record["envelope_class"], record["preempting_envelope_id"],
            record["reason"]) == ("a-2", "SAFETY", "env-9", "Preempted by higher-priority envelope")
    assert [r["audit_id"] for r in cost["items"]] == ["a-1"]
    assert [r["audit_id"] for r in env2["items"]] == ["a-2"]
    assert [r["audit_id"] for r in late["items"]] == ["a-2"]


async def test_list_audit_records_rejects_an_unknown_decision(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_AUDIT_RECORDS, decision="APPROVED")
    assert "decision" in text and "PREEMPTED" in text
