"""get_cost_forecast reads the stored snapshot (every backend); it never computes one."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from tests.contract.builders import T0, TENANT
from tests.mcp.helpers import call, connect
from tests.mcp.seed import seed_metering


@pytest.fixture
async def forecast_app(storage) -> Application:
    """tests.mcp.seed's metering (one complete day of history before T0) and a forecast run."""
    await seed_metering(storage)
    app = Application(storage, clock=FixedClock(T0), load_entrypoints=False)
    await app.forecast_cycle.run(TENANT, as_of=T0)
    return app


async def test_the_tenant_series_to_the_month_end_or_a_horizon(forecast_app: Application
                                                               ) -> None:
    async with connect(forecast_app) as client:
        month = await call(client, names.GET_COST_FORECAST)
        three = await call(client, names.GET_COST_FORECAST, horizon_days=3)
        user = await call(client, names.GET_COST_FORECAST, subject_type="user", subject_id="u1")
    assert month["available"] is True and month["method"] == "mean"
    assert month["generated_at"] == T0.isoformat()
    assert [d["day"] for d in month["days"]] == [f"2026-03-{n:02d}" for n in range(10, 32)]
    first = month["days"][0]
    assert first["point_cents"] == 1.75  # the mean of the one complete day, 03-09
    assert first["p80"]["low_cents"] <= 1.75 <= first["p80"]["high_cents"]
    assert first["p95"]["high_cents"] >= first["p80"]["high_cents"]
    assert "projection" not in month and "budget" not in month
    assert three["days"] == month["days"][:3]
    assert user["days"][0]["point_cents"] == 1.5


async def test_a_budget_has_its_projection_and_breach_dates(forecast_app: Application) -> None:
    async with connect(forecast_app) as client:
        u1 = await call(client, names.GET_COST_FORECAST, subject_type="budget", subject_id="u1")
        chat = await call(client, names.GET_COST_FORECAST, subject_type="budget",
                          subject_id="chat.reply")
    # u1's daily limit of 5 was passed today (10 cents at 09:00)
    assert u1["available"] is True
    assert u1["budget"] == {"limit_cents": 5, "probability_exceed": 1.0,
                            "breach_date": "2026-03-10", "breach_date_p80": "2026-03-10"}
    assert u1["projection"]["period_end"].startswith("2026-03-10T23:59")
    assert u1["projection"]["projected_cents"] >= 10
    assert [d["point_cents"] for d in u1["days"][:1]] == [1.5]  # u1's own series
    # chat.reply: 1.75 of 2 spent in March, about 1.75 a day to come
    assert chat["budget"]["limit_cents"] == 2 and chat["budget"]["probability_exceed"] > 0.5
    assert chat["budget"]["breach_date"] is not None
    assert chat["projection"]["period_end"].startswith("2026-03-31")
    p = chat["projection"]
    assert p["p95"]["low_cents"] <= p["p80"]["low_cents"] <= p["projected_cents"]
    assert p["projected_cents"] <= p["p80"]["high_cents"] <= p["p95"]["high_cents"]


async def test_unknown_subjects_say_why_without_guessing(forecast_app: Application) -> None:
    async with connect(forecast_app) as client:
        feature = await call(client, names.GET_COST_FORECAST, subject_type="feature",
                             subject_id="nope.none")
        budget = await call(client, names.GET_COST_FORECAST, subject_type="budget",
                            subject_id="u2")  # inactive: not projected
    for out in (feature, budget):
        assert out["available"] is False and out["days"] == []
        assert out["generated_at"] == T0.isoformat() and "has no" in out["reason"]
    assert "feature 'nope.none'" in feature["reason"]
