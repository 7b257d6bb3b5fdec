"""Contract: ForecastPort (each tenant's latest forecast snapshot, replaced whole, exact)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastDay,
    ForecastSnapshot,
    ForecastSubject,
    SeriesForecast,
)
from costsight.core.ports import Storage
from costsight.testing.contract.builders import OTHER_TENANT, T0, TENANT, at, in_uow, read

START = date(2026, 3, 10)
#: the largest amount BIGINT micro-cents hold, and one with every micro-cent digit
HUGE = Decimal("9223372036854.775807")
FINE = Decimal("1234.567891")


def day(offset: int, point: str | Decimal = "10") -> ForecastDay:
    p = Decimal(point)
    return ForecastDay(day=START + timedelta(days=offset), point_cents=p,
                       low80_cents=p.quantize(Decimal(1)) / 2 if p > 1 else p,
                       high80_cents=p * 2, low95_cents=Decimal(0),
                       high95_cents=p * 3)


def series(kind: ForecastSubject, subject_id: str, *, tenant: str = TENANT, horizon: int = 3,
           point: str | Decimal = "10", method: str = "ses") -> SeriesForecast:
    return SeriesForecast(tenant_id=tenant, subject_type=kind, subject_id=subject_id,
                          method=method, forecaster="exponential_smoothing",
                          history_days=30, days=tuple(day(i, point) for i in range(horizon)))


def projection(budget_id: str, budget_type: BudgetType, entity_id: str = "", *,
               tenant: str = TENANT, period: BudgetPeriod = BudgetPeriod.MONTHLY,
               breach: date | None = None) -> BudgetProjection:
    return BudgetProjection(
        tenant_id=tenant, budget_id=budget_id, budget_type=budget_type, entity_id=entity_id,
        period=period, period_end=date(2026, 3, 31), limit_cents=Decimal("5000"),
        spent_cents=FINE, projected_cents=Decimal("5100.5"), low80_cents=Decimal("4900"),
        high80_cents=Decimal("5300"), low95_cents=Decimal("4800"), high95_cents=HUGE,
        probability_exceed=0.625, breach_date=breach, breach_date_p80=breach, method="ses")


def snapshot(tenant: str = TENANT, *, generated: int = 10, horizon: int = 3,
             items: tuple[SeriesForecast, ...] | None = None,
             projections: tuple[BudgetProjection, ...] = ()) -> ForecastSnapshot:
    chosen = items if items is not None else (series(ForecastSubject.TENANT, tenant,
                                                     tenant=tenant, horizon=horizon),)
    return ForecastSnapshot(tenant_id=tenant, generated_at=at(generated), start_day=START,
                            horizon_days=horizon, series=chosen, projections=projections)


async def store(storage: Storage, snap: ForecastSnapshot) -> None:
    await in_uow(storage, lambda uow: uow.forecasts.replace_snapshot(snap))


async def test_no_snapshot_reads_as_none_and_empty(storage: Storage) -> None:
    assert await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT)) is None
    assert await read(storage, lambda uow: uow.forecasts.get_series(
        TENANT, ForecastSubject.TENANT, TENANT)) is None
    assert await read(storage, lambda uow: uow.forecasts.list_projections(TENANT)) == []


async def test_a_stored_snapshot_reads_back_exactly(storage: Storage) -> None:
    user = series(ForecastSubject.USER, "Ünïcode user", point=FINE, method="holt_winters_weekly")
    snap = snapshot(items=(series(ForecastSubject.TENANT, TENANT), user,
                           series(ForecastSubject.FEATURE, "chat.reply", point="0")),
                    projections=(projection("b-1", BudgetType.TENANT,
                                            breach=date(2026, 3, 28)),))
    await store(storage, snap)
    header = await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT))
    assert header is not None
    assert (header.generated_at, header.start_day, header.horizon_days) == (T0, START, 3)
    assert (header.series_count, header.projection_count) == (3, 1)
    got = await read(storage, lambda uow: uow.forecasts.get_series(
        TENANT, ForecastSubject.USER, "Ünïcode user"))
    assert got == user
    assert got is not None and got.days[0].point_cents == FINE
    assert [d.day for d in got.days] == [START, START + timedelta(days=1),
                                         START + timedelta(days=2)]
    projections = await read(storage, lambda uow: uow.forecasts.list_projections(TENANT))
    assert projections == list(snap.projections)
    assert projections[0].high95_cents == HUGE and projections[0].spent_cents == FINE


async def test_series_ids_match_exactly(storage: Storage) -> None:
    await store(storage, snapshot(items=(series(ForecastSubject.USER, "Alice"),)))
    async with storage.unit_of_work() as uow:
        for kind, subject in ((ForecastSubject.USER, "alice"),
                              (ForecastSubject.FEATURE, "Alice"),
                              (ForecastSubject.USER, "Alice ")):
            assert await uow.forecasts.get_series(TENANT, kind, subject) is None
        assert await uow.forecasts.get_series(TENANT, ForecastSubject.USER, "Alice") is not None


async def test_replacing_removes_every_row_of_the_previous_snapshot(storage: Storage) -> None:
    await store(storage, snapshot(
        items=(series(ForecastSubject.TENANT, TENANT), series(ForecastSubject.USER, "u1")),
        projections=(projection("b-1", BudgetType.TENANT),
                     projection("b-2", BudgetType.USER, "u1"))))
    newer = snapshot(generated=11, horizon=2,
                     items=(series(ForecastSubject.TENANT, TENANT, horizon=2, point="20"),),
                     projections=(projection("b-2", BudgetType.USER, "u1"),))
    await store(storage, newer)
    header = await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT))
    assert header is not None
    assert (header.generated_at, header.horizon_days) == (at(11), 2)
    assert (header.series_count, header.projection_count) == (1, 1)
    assert await read(storage, lambda uow: uow.forecasts.get_series(
        TENANT, ForecastSubject.USER, "u1")) is None
    got = await read(storage, lambda uow: uow.forecasts.get_series(
        TENANT, ForecastSubject.TENANT, TENANT))
    assert got == newer.series[0]
    assert [p.budget_id for p in await read(
        storage, lambda uow: uow.forecasts.list_projections(TENANT))] == ["b-2"]


async def test_snapshots_are_per_tenant(storage: Storage) -> None:
    await store(storage, snapshot(projections=(projection("b-1", BudgetType.TENANT),)))
    await store(storage, snapshot(OTHER_TENANT, generated=12))
    await store(storage, snapshot(OTHER_TENANT, generated=13))
    mine = await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT))
    theirs = await read(storage, lambda uow: uow.forecasts.snapshot_header(OTHER_TENANT))
    assert mine is not None and theirs is not None
    assert (mine.generated_at, theirs.generated_at) == (T0, at(13))
    assert await read(storage, lambda uow: uow.forecasts.list_projections(OTHER_TENANT)) == []
    assert await read(storage, lambda uow: uow.forecasts.get_series(
        OTHER_TENANT, ForecastSubject.TENANT, TENANT)) is None


async def test_projections_are_ordered_by_type_entity_and_period(storage: Storage) -> None:
    await store(storage, snapshot(projections=(
        projection("b-4", BudgetType.USER, "zed"),
        projection("b-3", BudgetType.USER, "amy", period=BudgetPeriod.MONTHLY),
        projection("b-3", BudgetType.USER, "amy", period=BudgetPeriod.DAILY),
        projection("b-1", BudgetType.FEATURE, "chat"),
        projection("b-0", BudgetType.TENANT))))
    got = await read(storage, lambda uow: uow.forecasts.list_projections(TENANT))
    assert [(p.budget_type.value, p.entity_id, p.period.value) for p in got] == [
        ("feature", "chat", "monthly"), ("tenant", "", "monthly"), ("user", "amy", "daily"),
        ("user", "amy", "monthly"), ("user", "zed", "monthly")]


async def test_an_uncommitted_snapshot_is_not_stored(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.forecasts.replace_snapshot(snapshot()), commit=False)
    assert await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT)) is None


async def test_an_empty_snapshot_replaces_a_full_one(storage: Storage) -> None:
    await store(storage, snapshot(projections=(projection("b-1", BudgetType.TENANT),)))
    await store(storage, snapshot(generated=14, items=()))
    header = await read(storage, lambda uow: uow.forecasts.snapshot_header(TENANT))
    assert header is not None and (header.series_count, header.projection_count) == (0, 0)
    assert await read(storage, lambda uow: uow.forecasts.list_projections(TENANT)) == []
