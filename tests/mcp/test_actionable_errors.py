"""Errors an agent can act on: one-line argument errors, cursors bound to tool and filters."""

from __future__ import annotations

from typing import Any

import pytest

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from tests.contract.builders import T0, detected, prediction
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


@pytest.mark.parametrize(("tool", "arguments", "argument", "allowed"), [
    (names.GET_COST_BREAKDOWN, {"dimension": "model", "top_n": 1000}, "top_n", "1..100"),
    (names.GET_COST_BREAKDOWN, {}, "dimension", "required"),
    (names.GET_COST_STATISTICS, {"resolution": "minute"}, "resolution", "'hour', 'day'"),
    (names.LIST_ANOMALIES, {"limit": "many"}, "limit", "1..500"),
    (names.LIST_ANOMALIES, {"severity": "DIRE"}, "severity", "'LOW', 'MEDIUM', 'HIGH'"),
    (names.COMPARE_PERIODS, {"dimension": "colour"}, "dimension", "'model', 'feature'"),
    (names.GET_COST_FORECAST, {"horizon_days": -1}, "horizon_days", "0..90"),
    (names.LIST_TENANTS, {"cursor": "x" * 2000}, "cursor", "at most 1024 characters"),
])
async def test_an_argument_error_is_one_line_naming_the_argument_and_what_is_allowed(
        app: Application, tool: str, arguments: dict[str, Any], argument: str,
        allowed: str) -> None:
    async with connect(app) as client:
        text = await call_err(client, tool, **arguments)
    assert f"invalid parameter '{argument}'" in text, text
    assert "(allowed: " in text and allowed in text, text
    assert "\n" not in text
    assert "http" not in text and "pydantic" not in text.lower() and "input_value" not in text


async def _with_lists(app: Application) -> None:
    async with app.storage.unit_of_work() as uow:
        await uow.anomaly_records.upsert_anomalies(
            [detected(entity_id=f"u{i}") for i in range(3)], since=T0, now=T0)
        await uow.prediction_records.upsert_predictions(
            [prediction(f"w{i}") for i in range(3)], now=T0)
        await uow.commit()


async def test_a_cursor_from_another_tool_is_refused(app: Application) -> None:
    await _with_lists(app)
    async with connect(app) as client:
        page = await call(client, names.LIST_ANOMALIES, limit=1)
        text = await call_err(client, names.LIST_PREDICTIONS, cursor=page["next_cursor"])
    assert "invalid parameter 'cursor'" in text
    assert "issued by list_anomalies, not list_predictions" in text


async def test_a_cursor_with_other_filters_or_another_tenant_is_refused(app: Application
                                                                        ) -> None:
    await _with_lists(app)
    async with connect(app, TenantScope.of(["tenant-a", "tenant-b"])) as client:
        page = await call(client, names.LIST_ANOMALIES, limit=1, tenant_id="tenant-a")
        cursor = page["next_cursor"]
        same = await call(client, names.LIST_ANOMALIES, limit=1, tenant_id="tenant-a",
                          cursor=cursor)
        filtered = await call_err(client, names.LIST_ANOMALIES, limit=1, tenant_id="tenant-a",
                                  severity="HIGH", cursor=cursor)
        other_tenant = await call_err(client, names.LIST_ANOMALIES, limit=1,
                                      tenant_id="tenant-b", cursor=cursor)
    assert same["items"] and same["items"][0]["id"] != page["items"][0]["id"]
    for text in (filtered, other_tenant):
        assert "invalid parameter 'cursor'" in text and "other filters" in text


async def test_a_cursor_is_opaque(app: Application) -> None:
    await _with_lists(app)
    async with connect(app) as client:
        page = await call(client, names.LIST_ANOMALIES, limit=1)
        forged = await call_err(client, names.LIST_ANOMALIES, cursor="eyJub3QiOiJ1cyJ9")
    assert "list_anomalies" not in page["next_cursor"]  # encoded, not readable text
    assert "not a cursor this server issued" in forged
