"""Anomaly tools: list with filters, get one, preview the detectors without persisting."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


async def test_list_anomalies_newest_first_with_values(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.LIST_ANOMALIES)
    assert out.get("next_cursor") is None
    assert {a["id"] for a in out["items"]} == {seeded["spike"], seeded["drift"]}
    spike = next(a for a in out["items"] if a["id"] == seeded["spike"])
    assert (spike["anomaly_type"], spike["severity"], spike["entity_type"],
            spike["entity_id"]) == ("ABSOLUTE_SPIKE", "HIGH", "user", "u1")
    assert (spike["current_value_cents"], spike["expected_value_cents"]) == (300, 100)
    assert (spike["status"], spike["threshold_ratio"]) == ("open", 1.4)


@pytest.mark.parametrize(("filters", "expected"), [
    ({"status": "open"}, {"spike"}),
    ({"status": "acknowledged"}, {"drift"}),
    ({"severity": "medium"}, {"drift"}),  # case-insensitive
    ({"anomaly_type": "ABSOLUTE_SPIKE"}, {"spike"}),
    ({"entity_type": "tenant"}, {"drift"}),
    ({"entity_id": "u1"}, {"spike"}),
    ({"status": "resolved"}, set()),
    ({"start": "2026-03-10T10:00:00Z"}, {"spike", "drift"}),
    ({"end": "2026-03-10T10:00:00Z"}, set()),
])
async def test_list_anomalies_filters(app: Application, seeded, filters: dict,
                                      expected: set[str]) -> None:
    async with connect(app) as client:
        out = await call(client, names.LIST_ANOMALIES, **filters)
    assert {a["id"] for a in out["items"]} == {seeded[name] for name in expected}


async def test_list_anomalies_rejects_an_unknown_status(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_ANOMALIES, status="closed")
    assert "status" in text and "acknowledged" in text


async def test_get_anomaly(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_ANOMALY, anomaly_id=seeded["drift"])
    assert (out["id"], out["anomaly_type"], out["status"]) == (
        seeded["drift"], "SUSTAINED_DRIFT", "acknowledged")
    assert out["derived_cause"] == "TRAFFIC_GROWTH"
    assert out["acknowledged_at"] == "2026-03-10T11:00:00Z"


async def test_get_anomaly_unknown_id(app: Application, seeded) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_ANOMALY, anomaly_id="ca_0000000000000000")
    assert "ca_0000000000000000" in text and "not found" in text


async def test_get_anomaly_of_another_tenant_is_not_found(app: Application, seeded) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_ANOMALY,
                              anomaly_id=seeded["other_tenant_anomaly"])
    assert "not found" in text


async def test_preview_anomalies_finds_budget_breaches_and_stores_nothing(
        app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.PREVIEW_ANOMALIES)
        stored = await call(client, names.LIST_ANOMALIES)
    assert (out["tenant_id"], out["as_of"], out["persisted"]) == (
        "tenant-a", "2026-03-10T12:00:00+00:00", False)
    found = {(a["anomaly_type"], a["entity_type"], a["entity_id"], a["period"]): a
             for a in out["items"]}
    exceeded = found[("BUDGET_EXCEEDED", "user", "u1", "daily")]
    assert (exceeded["severity"], exceeded["current_value_cents"], exceeded["usage_pct"]) == (
        "HIGH", 10, 200.0)
    warning = found[("BUDGET_WARNING", "feature", "chat.reply", "monthly")]
    assert (warning["current_value_cents"], warning["usage_pct"]) == (1.75, 87.5)
    assert {a["id"] for a in stored["items"]} == {seeded["spike"], seeded["drift"]}


async def test_preview_anomalies_as_of_a_past_instant(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.PREVIEW_ANOMALIES, as_of="2026-03-10T08:00:00Z")
    # at 08:00 the 10-cent call of 09:00 had not happened: u1 spent nothing that day
    assert out["as_of"] == "2026-03-10T08:00:00+00:00"
    assert not any(a["entity_id"] == "u1" and a["period"] == "daily" for a in out["items"])


async def test_preview_anomalies_rejects_a_future_as_of(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.PREVIEW_ANOMALIES, as_of="2026-03-11T00:00:00Z")
    assert "'as_of'" in text and "future" in text
