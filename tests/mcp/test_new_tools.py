"""compare_periods, get_cost_forecast, list_tenants, statistics filters and retries, on every
backend (in-process), and each new tool over both client lifecycles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mcp import Client

from costsight.core.application import Application
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from tests.contract.builders import T0, TENANT, at, cost
from tests.mcp.helpers import call, call_err, connect
from tests.mcp.seed import seed_findings, seed_metering

DAY_BEFORE = {"previous_start": "2026-03-09T00:00:00Z", "previous_end": "2026-03-10T00:00:00Z"}
DAYS = {"current_start": "2026-03-10T00:00:00Z", "current_end": "2026-03-11T00:00:00Z",
        **DAY_BEFORE}
TWO_DAYS = {"start": "2026-03-09T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


@pytest.fixture
async def any_app(storage) -> Application:
    """The seeded dataset of tests.mcp.seed on each backend (memory, SQLite, Postgres)."""
    await seed_metering(storage)
    await seed_findings(storage)
    return Application(storage, clock=FixedClock(T0), load_entrypoints=False)


async def test_compare_periods_by_feature_ranks_the_drivers(any_app: Application) -> None:
    async with connect(any_app) as client:
        out = await call(client, names.COMPARE_PERIODS, dimension="feature", **DAYS)
    assert out["current_window"] == {"start": "2026-03-10T00:00:00+00:00",
                                     "end": "2026-03-11T00:00:00+00:00"}
    total = out["totals"]
    assert (total["current"], total["previous"]) == (
        {"spend_cents": 10, "calls": 1, "tokens": 1500},
        {"spend_cents": 1.75, "calls": 2, "tokens": 450})
    assert total["change"] == {"spend_cents": 8.25, "spend_pct": 471.43, "calls": -1,
                               "calls_pct": -50.0, "tokens": 1050, "tokens_pct": 233.33}
    search, chat = out["drivers"]
    assert (search["key"], search["change"]["spend_cents"], search["share_of_change_pct"]) == (
        "search.query", 10, 121.21)
    assert "spend_pct" not in search["change"]  # nothing to be relative to: left out
    assert (chat["key"], chat["change"]["spend_cents"], chat["change"]["spend_pct"],
            chat["share_of_change_pct"]) == ("chat.reply", -1.75, -100.0, -21.21)
    assert out["group_count"] == 2 and "other" not in out


async def test_compare_periods_filters_and_folds_the_rest_into_other(any_app: Application
                                                                     ) -> None:
    async with connect(any_app) as client:
        gpt = await call(client, names.COMPARE_PERIODS, dimension="user", model="gpt-4o", **DAYS)
        top1 = await call(client, names.COMPARE_PERIODS, dimension="model", top_n=1, **DAYS)
    assert [(d["key"], d["change"]["spend_cents"]) for d in gpt["drivers"]] == [("u1", -1.5)]
    assert [d["key"] for d in top1["drivers"]] == ["claude-3-5-sonnet"]
    assert (top1["other"]["groups"], top1["other"]["change"]["spend_cents"]) == (2, -1.75)


async def test_compare_periods_defaults_to_this_week_against_last_week(any_app: Application
                                                                       ) -> None:
    async with connect(any_app) as client:
        out = await call(client, names.COMPARE_PERIODS)
    # T0 is Tuesday 2026-03-10 12:00 UTC: this week so far, and the same span a week earlier
    assert out["dimension"] == "feature"
    assert out["current_window"] == {"start": "2026-03-09T00:00:00+00:00",
                                     "end": "2026-03-10T12:00:00+00:00"}
    assert out["previous_window"] == {"start": "2026-03-02T00:00:00+00:00",
                                      "end": "2026-03-03T12:00:00+00:00"}
    assert out["totals"]["current"]["spend_cents"] == 11.75
    assert out["totals"]["previous"]["spend_cents"] == 0


async def test_compare_periods_refuses_bad_windows(any_app: Application) -> None:
    async with connect(any_app) as client:
        backwards = await call_err(client, names.COMPARE_PERIODS,
                                   current_start="2026-03-10T00:00:00Z",
                                   current_end="2026-03-09T00:00:00Z")
        top = await call_err(client, names.COMPARE_PERIODS, top_n=51)
    assert "invalid parameter 'end'" in backwards or "invalid parameter 'current" in backwards
    assert "invalid parameter 'top_n'" in top and "1..50" in top


async def test_get_cost_forecast_says_none_is_available_without_guessing(
        any_app: Application) -> None:
    async with connect(any_app) as client:
        out = await call(client, names.GET_COST_FORECAST)
        budget = await call(client, names.GET_COST_FORECAST, subject_type="budget",
                            subject_id="u1", horizon_days=30)
        missing = await call_err(client, names.GET_COST_FORECAST, subject_type="feature")
        too_far = await call_err(client, names.GET_COST_FORECAST, horizon_days=91)
    assert out["available"] is False and "no forecast is available yet" in out["reason"]
    assert out["days"] == [] and "projection" not in out and "budget" not in out
    assert (budget["subject_type"], budget["subject_id"], budget["available"]) == (
        "budget", "u1", False)
    assert "invalid parameter 'subject_id'" in missing and "required" in missing
    assert "invalid parameter 'horizon_days'" in too_far and "0..90" in too_far


async def test_list_tenants_pages_with_activity_and_spend(any_app: Application) -> None:
    scope = TenantScope.all()
    async with connect(any_app, scope) as client:
        first = await call(client, names.LIST_TENANTS, limit=1)
        rest = await call(client, names.LIST_TENANTS, limit=1, cursor=first["next_cursor"])
    assert [(t["tenant_id"], t["first_seen"], t["last_seen"], t["spend_30d_cents"],
             t["spend_30d_usd"]) for t in first["items"] + rest["items"]] == [
        ("tenant-a", "2026-03-09T10:00:00+00:00", "2026-03-10T09:00:00+00:00", 11.75, 0.1175),
        ("tenant-b", "2026-03-09T10:00:00+00:00", "2026-03-09T10:00:00+00:00", 999, 9.99)]
    assert "next_cursor" not in rest


async def test_statistics_filter_by_dimension_values(any_app: Application) -> None:
    async with connect(any_app) as client:
        gpt = await call(client, names.GET_COST_STATISTICS, model="gpt-4o", **TWO_DAYS)
        chat = await call(client, names.GET_COST_BREAKDOWN, dimension="user",
                          feature="chat.reply", **TWO_DAYS)
        u1 = await call(client, names.GET_USAGE_STATISTICS, user="u1", **TWO_DAYS)
        none = await call(client, names.GET_COST_STATISTICS, workflow="no-such", **TWO_DAYS)
    assert gpt["totals"]["spend_cents"] == 1.5
    assert [r["key"] for r in gpt["by_model"]] == ["gpt-4o"]
    assert [(r["key"], r["spend_cents"]) for r in chat["rows"]] == [("u1", 1.5), ("u2", 0.25)]
    assert u1["totals"]["llm_calls"] == 2
    assert u1["totals"]["requests"] == 3  # worker runs are not filtered
    assert none["totals"]["spend_cents"] == 0 and none["series"] == []


async def test_usage_statistics_count_retry_calls_and_their_cost(any_app: Application) -> None:
    async with any_app.storage.unit_of_work() as uow:
        await uow.costs.record_costs([
            cost(created_at=at(10, 10), is_retry=True, cost_cents=Decimal("0.5"),
                 request_id="retry-1"),
            cost(created_at=at(10, 11), is_retry=True, cost_cents=Decimal("0.25"),
                 model="gpt-4o-mini", request_id="retry-2")])
        await uow.commit()
    async with connect(any_app) as client:
        out = await call(client, names.GET_USAGE_STATISTICS, **TWO_DAYS)
        mini = await call(client, names.GET_USAGE_STATISTICS, model="gpt-4o-mini", **TWO_DAYS)
    assert (out["totals"]["llm_calls"], out["totals"]["retry_llm_calls"],
            out["totals"]["retry_spend_cents"]) == (5, 2, 0.75)
    assert (mini["totals"]["retry_llm_calls"], mini["totals"]["retry_spend_cents"]) == (1, 0.25)


@pytest.mark.memory
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_each_new_tool_over_both_lifecycles(app: Application, seeded, mode: str) -> None:
    server = build_server(app, scope=TenantScope.of([TENANT]))
    async with Client(server, mode=mode, raise_exceptions=True) as client:
        compared = await call(client, names.COMPARE_PERIODS, **DAYS)
        forecast = await call(client, names.GET_COST_FORECAST)
        tenants = await call(client, names.LIST_TENANTS)
    assert compared["totals"]["change"]["spend_cents"] == 8.25
    assert forecast["available"] is False
    assert [t["tenant_id"] for t in tenants["items"]] == [TENANT]
