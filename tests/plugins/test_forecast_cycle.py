"""The forecast cycle and budget-breach predictions on every backend.

Accuracy is the quality benchmark's business; these tests pin what is stored, which method is
used, that money is exact, that re-runs are reproducible, and when budget_breach is emitted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from costsight.core.application import Application
from costsight.core.domain.costs import BudgetType, BudgetUpsert
from costsight.core.domain.forecasts import ForecastSubject
from costsight.core.domain.predictions import PredictionFilter
from costsight.core.engines.forecasting import ForecastInput, ForecastResult
from costsight.core.plugins import hookimpl
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.ports.leader_election import JobLock
from costsight.core.services.forecast_cycle import ForecastCycle
from costsight.core.services.jobs import JobRunner, default_jobs
from costsight.core.services.prediction_cycle import PredictionCycle
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import FixedClock
from tests.plugins.seeding import budgets, cost, engines, record, tags

AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)  # a Friday; 12 days to the month's end
TODAY = AS_OF.date()
WEEK = (100, 110, 105, 100, 95, 20, 15)  # Monday first


async def seed_weekly(storage: object, tenant: str = "t1", days: int = 35) -> None:
    """One user and one feature spending a weekly rhythm for ``days`` days, and today 60."""
    await tags(storage, tenant, ["chat.reply"])
    records = []
    for back in range(days, 0, -1):
        day = TODAY - timedelta(days=back)
        records.append(cost(tenant, datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                            WEEK[day.weekday()], user="u1", feature="chat.reply"))
    records.append(cost(tenant, AS_OF - timedelta(hours=6), 60, user="u1", feature="chat.reply"))
    await record(storage, records)


def run_forecasts(storage: object, settings: EngineSettings | None = None,
                  eng: Engines | None = None, as_of: datetime = AS_OF) -> ForecastCycle:
    s = settings or EngineSettings()
    return ForecastCycle(storage, FixedClock(as_of), s, eng or engines(s))  # type: ignore[arg-type]


def predictions(storage: object, as_of: datetime = AS_OF) -> PredictionCycle:
    s = EngineSettings()
    return PredictionCycle(storage, FixedClock(as_of), s, engines(s))  # type: ignore[arg-type]


async def read(storage: object, action):  # type: ignore[no-untyped-def]
    async with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        return await action(uow)


async def test_every_entity_gets_a_stored_weekly_forecast_to_the_month_end(storage) -> None:
    await seed_weekly(storage)
    result = await run_forecasts(storage).run("t1")
    assert result.engine_errors == []
    [summary] = result.forecasts
    assert (summary.start_day, summary.horizon_days, summary.series) == (TODAY, 12, 3)
    assert summary.methods == {"holt_winters_weekly": 3}
    header = await read(storage, lambda uow: uow.forecasts.snapshot_header("t1"))
    assert (header.generated_at, header.series_count, header.projection_count) == (AS_OF, 3, 0)
    series = await read(storage, lambda uow: uow.forecasts.get_series(
        "t1", ForecastSubject.USER, "u1"))
    assert series.forecaster == "exponential_smoothing" and series.history_days == 35
    assert [d.day for d in series.days] == [TODAY + timedelta(days=i) for i in range(12)]
    # Saturday (day 1) and Sunday (day 2) stay low, Monday (day 3) is busy again
    points = [d.point_cents for d in series.days]
    assert max(points[1], points[2]) * 2 < min(points[0], points[3])
    for d in series.days:
        assert d.low95_cents <= d.low80_cents <= d.point_cents <= d.high80_cents <= d.high95_cents
        assert d.point_cents == d.point_cents.quantize(Decimal("0.000001"))
    assert summary.tenant_forecast_cents == sum(
        (d.point_cents for d in (await read(storage, lambda uow: uow.forecasts.get_series(
            "t1", ForecastSubject.TENANT, "t1"))).days), Decimal(0))


async def test_a_re_run_stores_the_same_numbers(storage) -> None:
    await seed_weekly(storage)
    await budgets(storage, [BudgetUpsert(tenant_id="t1", budget_type=BudgetType.TENANT,
                                         monthly_limit_cents=Decimal(2000))])
    first = await run_forecasts(storage).run("t1")
    second = await run_forecasts(storage).run("t1")
    assert first.forecasts == second.forecasts


async def test_short_history_falls_back_and_a_new_tenant_is_forecast_by_its_mean(storage) -> None:
    await seed_weekly(storage, days=10)
    await seed_weekly(storage, tenant="t2", days=2)
    result = await run_forecasts(storage).run()
    assert [(f.tenant_id, f.methods) for f in result.forecasts] == [
        ("t1", {"ses": 3}), ("t2", {"mean": 3})]


async def test_budget_projections_and_breach_predictions(storage) -> None:
    await seed_weekly(storage)
    await budgets(storage, [
        # March so far: about 1,450; the rest of the month adds about 900
        BudgetUpsert(tenant_id="t1", budget_type=BudgetType.TENANT,
                     monthly_limit_cents=Decimal(2000)),
        BudgetUpsert(tenant_id="t1", budget_type=BudgetType.USER, entity_id="u1",
                     monthly_limit_cents=Decimal(100_000)),
        # already exceeded today: projected, but left to the BUDGET_EXCEEDED anomaly
        BudgetUpsert(tenant_id="t1", budget_type=BudgetType.FEATURE, entity_id="chat.reply",
                     daily_limit_cents=Decimal(50)),
    ])
    result = await run_forecasts(storage).run("t1")
    projections = {(p.budget_type.value, p.period.value): p
                   for p in result.forecasts[0].projections}
    assert set(projections) == {("tenant", "monthly"), ("user", "monthly"), ("feature", "daily")}
    tenant = projections[("tenant", "monthly")]
    march = sum(WEEK[(TODAY - timedelta(days=b)).weekday()] for b in range(1, 20)) + 60
    assert tenant.spent_cents == Decimal(march)
    assert tenant.period_end == date(2026, 3, 31) and tenant.limit_cents == 2000
    assert tenant.probability_exceed > 0.9 and tenant.breach_date is not None
    assert TODAY < tenant.breach_date <= date(2026, 3, 31)
    assert tenant.breach_date_p80 is not None and tenant.breach_date_p80 <= tenant.breach_date
    assert tenant.low95_cents <= tenant.low80_cents <= tenant.projected_cents
    assert tenant.projected_cents <= tenant.high80_cents <= tenant.high95_cents
    user = projections[("user", "monthly")]
    assert user.probability_exceed == 0 and user.breach_date is None
    feature = projections[("feature", "daily")]
    assert feature.period_end == TODAY and feature.probability_exceed == 1
    assert feature.breach_date == TODAY
    assert await read(storage, lambda uow: uow.forecasts.list_projections("t1")) == [
        projections[k] for k in (("feature", "daily"), ("tenant", "monthly"),
                                 ("user", "monthly"))]

    predicted = await predictions(storage).run("t1")
    [breach] = [p for p in predicted.predictions if p.prediction_type == "budget_breach"]
    assert (breach.subject_type, breach.confidence_score) == (
        "budget", round(tenant.probability_exceed, 3))
    assert breach.subject_id == tenant.budget_id
    assert breach.prediction_value["breach_date"] == tenant.breach_date.isoformat()
    assert breach.prediction_value["limit_cents"] == 2000
    assert breach.expires_at == AS_OF + timedelta(hours=24)
    # a snapshot of another day is not read: nothing new to predict tomorrow without a run
    tomorrow = await predictions(storage, AS_OF + timedelta(days=1)).run("t1")
    assert [p for p in tomorrow.predictions if p.prediction_type == "budget_breach"] == []
    stored = await read(storage, lambda uow: uow.prediction_records.list_predictions(
        "t1", PredictionFilter(prediction_type="budget_breach"), now=AS_OF, limit=10))
    assert [p.id for p in stored.items] == [breach.id]


async def test_the_threshold_is_a_setting(storage) -> None:
    await seed_weekly(storage)
    await budgets(storage, [BudgetUpsert(tenant_id="t1", budget_type=BudgetType.TENANT,
                                         monthly_limit_cents=Decimal(2000))])
    await run_forecasts(storage).run("t1")
    strict = EngineSettings(budget_breach_probability_threshold=1.0)
    cycle = PredictionCycle(storage, FixedClock(AS_OF), strict, engines(strict))
    found = await cycle.run("t1")
    assert all(p.prediction_type != "budget_breach" or p.confidence_score == 1.0
               for p in found.predictions)


class Flat:
    name, order = "flat", 10

    def forecast(self, series: ForecastInput) -> ForecastResult | None:
        if len(series.values) < 30:
            return None
        days = (7.0,) * series.horizon
        return ForecastResult("flat7", days, days, days, days, days,
                              paths=(days,) * series.paths)


class Broken:
    name, order = "broken", 5

    def forecast(self, series: ForecastInput) -> ForecastResult | None:
        raise RuntimeError("boom")


class ForecastPlugin:
    @hookimpl
    def costsight_register_forecasters(self, register) -> None:  # type: ignore[no-untyped-def]
        register(Flat())
        register(Broken())


async def test_a_plugin_forecaster_is_used_where_it_answers(storage) -> None:
    await seed_weekly(storage)
    await seed_weekly(storage, tenant="t2", days=10)
    pm = build_plugin_manager(EngineSettings(), load_entrypoints=False)
    pm.register(ForecastPlugin(), name="flat-plugin")
    result = await run_forecasts(storage, eng=Engines(pm)).run()
    assert [(f.tenant_id, f.methods) for f in result.forecasts] == [
        ("t1", {"flat7": 3}), ("t2", {"ses": 3})]
    assert {(e.engine, e.tenant_id) for e in result.engine_errors} == {
        ("broken", "t1"), ("broken", "t2")}
    series = await read(storage, lambda uow: uow.forecasts.get_series(
        "t1", ForecastSubject.FEATURE, "chat.reply"))
    assert series.forecaster == "flat" and {d.point_cents for d in series.days} == {7}


async def test_the_worker_forecasts_under_its_own_lock_before_predicting(storage) -> None:
    await seed_weekly(storage)
    app = Application(storage, clock=FixedClock(AS_OF), load_entrypoints=False)
    jobs = default_jobs(app)
    assert [(j.name, j.lock) for j in jobs][:3] == [
        ("anomaly_detection", JobLock.ALERT_WORKER), ("forecasts", JobLock.FORECAST_CYCLE),
        ("predictions", JobLock.PREDICTION_CYCLE)]
    assert int(JobLock.FORECAST_CYCLE) == 7008
    outcomes = {o.job: o for o in await JobRunner(app, jobs).run_once()}
    assert outcomes["forecasts"].ran and outcomes["forecasts"].error is None
    assert outcomes["forecasts"].summary == {"tenants": 1, "series": 3, "projections": 0,
                                             "errors": []}
    header = await read(storage, lambda uow: uow.forecasts.snapshot_header("t1"))
    assert header.generated_at == AS_OF
