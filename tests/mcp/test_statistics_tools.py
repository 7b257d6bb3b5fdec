"""Statistics tools on the seeded dataset: values checked against hand-computed numbers."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory

TWO_DAYS = {"start": "2026-03-09T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


async def test_usage_statistics_merges_runs_calls_and_executions(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_USAGE_STATISTICS, **TWO_DAYS)
    assert out["window"] == {"start": "2026-03-09T00:00:00+00:00",
                             "end": "2026-03-11T00:00:00+00:00", "resolution": "day"}
    assert out["series"] == [
        {"ts": "2026-03-09", "requests": 2, "tokens": 500, "compute_units": 1, "llm_calls": 2},
        {"ts": "2026-03-10", "requests": 1, "tokens": 1500, "compute_units": 1, "llm_calls": 1},
    ]
    assert out["totals"] == {"requests": 3, "tokens": 2000, "compute_units": 2, "llm_calls": 3,
                             "retry_llm_calls": 0, "retry_spend_cents": 0}
    assert out["sources"] == ["cost_records", "llm.usage", "worker.execution"]
    assert out["unavailable_sources"] == []
    assert out["freshness_sec"] == 12 * 3600  # now 03-10 12:00, newest bucket 03-10 00:00


async def test_usage_statistics_hourly_defaults_to_last_seven_days(app: Application,
                                                                   seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_USAGE_STATISTICS, resolution="hour")
    assert out["window"]["start"] == "2026-03-03T12:00:00+00:00"
    assert out["window"]["end"] == "2026-03-10T12:00:00+00:00"
    # empty hours are left out of the answer: only the busy ones remain
    assert all(p["llm_calls"] or p["requests"] or p["tokens"] for p in out["series"])
    busy = {p["ts"]: p for p in out["series"]}
    assert sorted(busy) == ["2026-03-09T10:00:00+00:00", "2026-03-09T11:00:00+00:00",
                            "2026-03-09T12:00:00+00:00", "2026-03-10T08:00:00+00:00",
                            "2026-03-10T09:00:00+00:00"]
    assert out["freshness_sec"] == 3 * 3600  # newest bucket with data: 09:00


async def test_usage_statistics_without_data_reports_none(app: Application) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_USAGE_STATISTICS, **TWO_DAYS)
    assert out["sources"] == ["none"]
    assert out["freshness_sec"] == 0
    assert out["totals"] == {"requests": 0, "tokens": 0, "compute_units": 0, "llm_calls": 0,
                             "retry_llm_calls": 0, "retry_spend_cents": 0}
    assert out["series"] == []


async def test_usage_statistics_rejects_a_window_over_90_days(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_USAGE_STATISTICS,
                              start="2026-01-01T00:00:00Z", end="2026-04-15T00:00:00Z")
    assert "'start'" in text and "at most 90 days" in text


async def test_cost_statistics_totals_and_shares(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_COST_STATISTICS, **TWO_DAYS)
    assert [(p["ts"], p["spend_cents"], p["requests"]) for p in out["series"]] == [
        ("2026-03-09", 1.75, 2), ("2026-03-10", 10, 1)]
    assert out["totals"] == {"spend_cents": 11.75, "spend_usd": 0.1175, "requests": 3,
                             "input_tokens": 1300, "output_tokens": 650, "unpriced_calls": 0,
                             "unpriced_tokens": 0}
    assert "unpriced" not in out  # said only when there are unpriced calls
    assert [(r["key"], r["spend_cents"], r["pct_of_total"]) for r in out["by_model"]] == [
        ("claude-3-5-sonnet", 10, 85.11), ("gpt-4o", 1.5, 12.77), ("gpt-4o-mini", 0.25, 2.13)]
    assert [(r["key"], r["spend_usd"], r["pct_of_total"]) for r in out["by_feature"]] == [
        ("search.query", 0.1, 85.11), ("chat.reply", 0.0175, 14.89)]
    assert out["sources"] == ["cost_records"]
    assert out["freshness_sec"] == 12 * 3600


async def test_cost_statistics_rejects_end_before_start(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_COST_STATISTICS,
                              start="2026-03-10T00:00:00Z", end="2026-03-09T00:00:00Z")
    assert "'end'" in text and "not after start" in text


async def test_cost_statistics_rejects_a_timestamp_without_offset(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_COST_STATISTICS, start="2026-03-09T00:00:00")
    assert "'start'" in text and "offset" in text


async def test_cost_breakdown_top_n_and_other(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_COST_BREAKDOWN, dimension="model", top_n=1,
                         **TWO_DAYS)
    assert out["dimension"] == "model"
    assert out["group_count"] == 3
    assert [(r["key"], r["spend_cents"], r["pct_of_total"]) for r in out["rows"]] == [
        ("claude-3-5-sonnet", 10, 85.11)]
    assert out["other"] == {"key": "other", "spend_cents": 1.75, "spend_usd": 0.0175,
                            "requests": 2, "input_tokens": 300, "output_tokens": 150,
                            "unpriced_calls": 0, "pct_of_total": 14.89, "groups": 2}
    assert out["totals"]["spend_cents"] == 11.75


@pytest.mark.parametrize(("dimension", "expected"), [
    ("user", [("u1", 11.5), ("u2", 0.25)]),
    ("worker", [("unknown", 10.25), ("worker-a", 1.5)]),
    ("workflow", [("unknown", 10.25), ("wf1", 1.5)]),
    ("skill", [("unknown", 10.25), ("s1", 1.5)]),
    ("cost_source", [("reported", 11.75)]),
])
async def test_cost_breakdown_by_every_dimension(app: Application, seeded, dimension: str,
                                                 expected: list[tuple[str, float]]) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_COST_BREAKDOWN, dimension=dimension, **TWO_DAYS)
    assert [(r["key"], r["spend_cents"]) for r in out["rows"]] == expected
    assert out["other"]["groups"] == 0


async def test_cost_breakdown_rejects_an_unknown_dimension(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_COST_BREAKDOWN, dimension="region")
    assert "dimension" in text
    for allowed in ("model", "feature", "user", "worker", "workflow", "skill"):
        assert allowed in text


async def test_cost_breakdown_rejects_top_n_out_of_bounds(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_COST_BREAKDOWN, dimension="model", top_n=0)
    assert "top_n" in text


async def test_list_dimension_values(app: Application, seeded) -> None:
    async with connect(app) as client:
        models = await call(client, names.LIST_DIMENSION_VALUES, dimension="model")
        features = await call(client, names.LIST_DIMENSION_VALUES, dimension="feature",
                              start="2026-03-10T00:00:00Z", end="2026-03-11T00:00:00Z")
    assert models == {"dimension": "model",
                      "items": ["claude-3-5-sonnet", "gpt-4o", "gpt-4o-mini"]}
    assert features["items"] == ["search.query"]


async def test_list_dimension_values_rejects_end_without_start(app: Application) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_DIMENSION_VALUES, dimension="user",
                              end="2026-03-10T00:00:00Z")
    assert "'start'" in text


async def test_list_feature_tags(app: Application, seeded) -> None:
    async with connect(app) as client:
        active = await call(client, names.LIST_FEATURE_TAGS)
        every = await call(client, names.LIST_FEATURE_TAGS, include_inactive=True)
    assert [t["tag"] for t in active["items"]] == ["chat.reply", "search.query"]
    assert [(t["tag"], t["is_active"]) for t in every["items"]] == [
        ("chat.reply", True), ("old.thing", False), ("search.query", True)]
    assert active.get("next_cursor") is None


async def test_list_feature_tags_rejects_a_forged_cursor(app: Application, seeded) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.LIST_FEATURE_TAGS, cursor="not-a-cursor!")
    assert "'cursor'" in text


async def test_budget_status(app: Application, seeded) -> None:
    async with connect(app) as client:
        out = await call(client, names.GET_BUDGET_STATUS)
    assert out["as_of"] == "2026-03-10T12:00:00+00:00"
    assert (out["day"], out["month_start"], out["inactive_budgets"]) == (
        "2026-03-10", "2026-03-01", 1)
    rows = {(b["budget_type"], b["entity_id"]): b for b in out["budgets"]}
    assert list(rows) == [("feature", "chat.reply"), ("tenant", ""), ("user", "u1")]
    tenant = rows[("tenant", "")]
    assert tenant["daily"] == {"has_limit": True, "limit_cents": 20, "spend_cents": 10,
                               "usage_pct": 50.0, "status": "ok"}
    assert tenant["monthly"]["spend_cents"] == 11.75
    assert tenant["monthly"]["usage_pct"] == 11.75
    assert tenant["status"] == "ok"
    feature = rows[("feature", "chat.reply")]
    assert feature["daily"]["status"] == "no_limit"
    assert (feature["monthly"]["usage_pct"], feature["monthly"]["status"]) == (87.5, "warning")
    assert feature["status"] == "warning"
    user = rows[("user", "u1")]
    assert (user["daily"]["spend_cents"], user["daily"]["usage_pct"]) == (10, 200.0)
    assert user["status"] == "exceeded"


async def test_budget_status_rejects_a_tenant_outside_the_scope(app: Application,
                                                                seeded) -> None:
    async with connect(app) as client:
        text = await call_err(client, names.GET_BUDGET_STATUS, tenant_id="tenant-b")
    assert "tenant_id" in text and "tenant-b" in text and "tenant-a" in text


async def test_unpriced_calls_are_counted_and_said_in_the_cost_answers(app: Application,
                                                                       seeded) -> None:
    from tests.contract.builders import at, cost
    async with app.storage.unit_of_work() as uow:
        await uow.costs.record_costs([
            cost(created_at=at(10, 10), model="no-such-model-xyz", cost_cents=None,
                 input_tokens=70, output_tokens=30),
            cost(created_at=at(10, 11), model="no-such-model-xyz", cost_cents=None,
                 input_tokens=7, output_tokens=3)])
        await uow.commit()
    async with connect(app) as client:
        stats = await call(client, names.GET_COST_STATISTICS, **TWO_DAYS)
        by_source = await call(client, names.GET_COST_BREAKDOWN, dimension="cost_source",
                               **TWO_DAYS)
    assert (stats["totals"]["unpriced_calls"], stats["totals"]["unpriced_tokens"]) == (2, 110)
    assert stats["totals"]["spend_cents"] == 11.75  # unpriced calls count 0, flagged
    assert "2 call(s), 110 tokens, have no known price" in stats["unpriced"]
    assert [(r["key"], r["requests"], r["unpriced_calls"]) for r in stats["by_model"]][-1] == (
        "no-such-model-xyz", 2, 2)
    assert [(r["key"], r["requests"]) for r in by_source["rows"]] == [
        ("reported", 3), ("unpriced", 2)]
    assert "have no known price" in by_source["unpriced"]
