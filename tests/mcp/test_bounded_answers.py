"""Bounded answers: the tool list and every tool's worst-case answer stay within their budgets.

A heavy tenant (an LLM call every hour for 90 days over many models, users and workflows, and
hundreds of every listed item) is asked the most expensive questions each tool accepts: the
longest window by hour, the largest limits and top N. Each answer must be compact JSON within
the budget, or an error that says what to narrow.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from mcp.types import TextContent

from costsight.core.application import Application
from costsight.core.errors import ValidationError
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import BUDGET_ENV, DEFAULT_BUDGET, budget_from_env
from costsight.testing.contract.alert_builders import notification
from tests.contract.builders import (
    T0,
    audit,
    completed_run,
    cost,
    detected,
    feature_tag,
    feedback,
    prediction,
    provenance,
)
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory

TOOLS_LIST_BUDGET = 40_000
HOURS = 90 * 24
MANY = 500
NINETY_DAYS = {"start": (T0 - timedelta(days=90)).isoformat(), "end": T0.isoformat()}
HALVES = {"current_start": (T0 - timedelta(days=45)).isoformat(), "current_end": T0.isoformat(),
          "previous_start": (T0 - timedelta(days=90)).isoformat(),
          "previous_end": (T0 - timedelta(days=45)).isoformat()}

#: every tool with the most expensive arguments it accepts
EXTREME: dict[str, dict[str, Any]] = {
    names.LIST_TENANTS: {"limit": 500},
    names.GET_USAGE_STATISTICS: {**NINETY_DAYS, "resolution": "hour"},
    names.GET_COST_STATISTICS: {**NINETY_DAYS, "resolution": "hour"},
    names.GET_COST_BREAKDOWN: {**NINETY_DAYS, "dimension": "user", "top_n": 100},
    names.COMPARE_PERIODS: {**HALVES, "dimension": "user", "top_n": 50},
    names.GET_COST_FORECAST: {"subject_type": "budget", "subject_id": "u1",
                              "horizon_days": 90},
    names.LIST_DIMENSION_VALUES: {"dimension": "user", "limit": 500},
    names.LIST_FEATURE_TAGS: {"include_inactive": True, "limit": 500},
    names.GET_BUDGET_STATUS: {},
    names.LIST_ANOMALIES: {"limit": 500},
    names.GET_ANOMALY: {},  # filled with a real id below
    names.PREVIEW_ANOMALIES: {},
    names.GET_DETECTION_QUALITY: {},
    names.LIST_PATTERN_FEEDBACK: {"limit": 500},
    names.GET_PATTERN_STATS: {},
    names.LIST_PREDICTIONS: {"limit": 500, "include_expired": True},
    names.GET_PREDICTION_STATS: {"include_expired": True},
    names.QUERY_PROVENANCE: {"limit": 500},
    names.COUNT_PROVENANCE: {},
    names.GET_DRIFT_STATS: {},
    names.LIST_AUDIT_RECORDS: {"limit": 500},
    names.LIST_NOTIFICATIONS: {"limit": 500},
    names.GET_LEADER_STATUS: {},
}


@pytest.fixture
async def heavy(memory_storage: Any) -> Application:
    """An LLM call every hour for 90 days (60 models, 400 users, 90 workflows) and 500 of
    every listed item."""
    start = T0 - timedelta(days=90)
    async with memory_storage.unit_of_work() as uow:
        for i in range(MANY):
            await uow.costs.create_feature_tag(feature_tag(f"ns.tag{i:03d}",
                                                           display_name="x" * 60))
        await uow.costs.upsert_worker_runs([
            completed_run(i, created_at=start + timedelta(hours=i), total_tokens=10)
            for i in range(HOURS)])
        await uow.costs.record_costs([
            cost(created_at=start + timedelta(hours=i), model=f"model-{i % 60:02d}",
                 user_id=f"user-with-a-long-identifier-{i % 400:03d}",
                 workflow_id=f"wf-{i % 90}", feature_tag=f"ns.tag{i % MANY:03d}",
                 cost_cents=Decimal("1.234567"), is_retry=i % 7 == 0)
            for i in range(HOURS)])
        await uow.anomaly_records.upsert_anomalies(
            [detected(entity_id=f"user-{i:03d}", message="m" * 200) for i in range(MANY)],
            since=T0, now=T0)
        await uow.pattern_feedback.upsert_feedback(
            [feedback(f"sig-{i:03d}") for i in range(MANY)], open_since=T0, now=T0)
        await uow.prediction_records.upsert_predictions(
            [prediction(f"w{i:03d}") for i in range(MANY)], now=T0)
        await uow.provenance.write_batch([provenance(i) for i in range(MANY)])
        for i in range(MANY):
            await uow.audit.append(audit(f"audit-{i:03d}"))
        await uow.notifications.enqueue([
            notification(f"delivery-{i:03d}", finding_id=f"ca_{i:03d}")
            for i in range(MANY)])
        await uow.commit()
    return Application(memory_storage, clock=FixedClock(T0), load_entrypoints=False)


async def test_tools_list_stays_within_its_budget(app: Application) -> None:
    async with connect(app) as client:
        listed = await client.list_tools()
    size = len(listed.model_dump_json(by_alias=True, exclude_none=True))
    print(f"tools/list: {size} characters for {len(listed.tools)} tools "
          f"(budget {TOOLS_LIST_BUDGET})")
    assert len(listed.tools) == len(names.ALL_TOOLS)
    assert size <= TOOLS_LIST_BUDGET
    for tool in listed.tools:  # the output schemas are kept
        assert tool.output_schema and tool.output_schema["properties"], tool.name


async def test_every_tools_worst_case_answer_fits_the_budget(heavy: Application) -> None:
    async with connect(heavy) as client:
        first = await call(client, names.LIST_ANOMALIES, limit=1)
        EXTREME[names.GET_ANOMALY] = {"anomaly_id": first["items"][0]["id"]}
        assert set(EXTREME) == set(names.ALL_TOOLS)
        sizes: dict[str, int] = {}
        for tool, arguments in EXTREME.items():
            result = await client.call_tool(tool, arguments)
            block = result.content[0]
            assert isinstance(block, TextContent) and len(result.content) == 1, tool
            sizes[tool] = len(block.text)
            if result.is_error:  # too big even when shortened: says what to narrow
                assert "narrow it:" in block.text, (tool, block.text)
                continue
            assert len(block.text) <= DEFAULT_BUDGET, tool
            # compact JSON, the same data as the structured content, never pretty-printed
            assert json.loads(block.text) == result.structured_content, tool
            assert block.text == json.dumps(result.structured_content, separators=(",", ":"),
                                            ensure_ascii=False), tool
    print("worst-case answer sizes:", json.dumps(sizes, indent=1))
    assert max(sizes.values()) <= DEFAULT_BUDGET


async def test_a_long_hourly_series_is_coarsened_and_says_so(heavy: Application) -> None:
    async with connect(heavy) as client:
        hourly = await call(client, names.GET_COST_STATISTICS, resolution="hour", **NINETY_DAYS)
        short = await call(client, names.GET_COST_STATISTICS, resolution="hour",
                           start=(T0 - timedelta(hours=30)).isoformat(), end=T0.isoformat())
        usage = await call(client, names.GET_USAGE_STATISTICS, resolution="hour", **NINETY_DAYS)
    assert hourly["window"]["resolution"] == "hour"
    assert hourly["window"]["resolution_used"] in ("day", "week")
    assert hourly["window"]["coarsened"] is True
    # coarsening keeps every cent: the series still sums to the totals
    assert round(sum(p["spend_cents"] for p in hourly["series"]), 6) == round(
        hourly["totals"]["spend_cents"], 6) == round(HOURS * 1.234567, 6)
    assert "resolution_used" not in short["window"] and "coarsened" not in short["window"]
    assert len(short["series"]) == 30
    assert usage["window"]["coarsened"] is True
    assert sum(p["llm_calls"] for p in usage["series"]) == usage["totals"]["llm_calls"] == HOURS
    assert usage["totals"]["retry_llm_calls"] == len(range(0, HOURS, 7))


async def test_a_page_too_long_comes_back_shorter_and_the_walk_sees_everything(
        heavy: Application) -> None:
    async with connect(heavy) as client:
        seen: list[str] = []
        cursor = ""
        pages = 0
        while True:
            out = await call(client, names.LIST_ANOMALIES, limit=500, cursor=cursor)
            assert 0 < len(out["items"]) < 500
            seen += [a["id"] for a in out["items"]]
            pages += 1
            if "next_cursor" not in out:
                break
            cursor = out["next_cursor"]
    assert pages > 1
    assert len(seen) == len(set(seen)) == MANY


async def test_an_answer_that_cannot_fit_says_what_to_narrow(
        heavy: Application, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUDGET_ENV, "2000")
    async with connect(heavy) as client:
        text = await call_err(client, names.GET_COST_BREAKDOWN, dimension="user", top_n=100,
                              **NINETY_DAYS)
        fits = await call(client, names.GET_COST_BREAKDOWN, dimension="user", top_n=3,
                          **NINETY_DAYS)
    assert "over the budget of 2000" in text and "narrow it: a smaller top_n" in text
    assert len(fits["rows"]) == 3


@pytest.mark.parametrize("value", ["ten", "0", "1999", "-5"])
def test_a_bad_budget_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch,
                                                     value: str) -> None:
    monkeypatch.setenv(BUDGET_ENV, value)
    with pytest.raises(ValidationError) as caught:
        budget_from_env()
    assert caught.value.field == BUDGET_ENV and "at least 2000" in str(caught.value)
    monkeypatch.setenv(BUDGET_ENV, "50000")
    assert budget_from_env() == 50000
