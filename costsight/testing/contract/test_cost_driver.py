"""Contract: CostDriverPort, the per-value spend split of an entity, current vs baseline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.drivers import DriverDimension, SpendSplit
from costsight.core.domain.statistics import TimeWindow
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    cost,
    create_tags,
    feature_tag,
    read,
    record,
    run_id,
    upsert_runs,
    worker_run,
)

TODAY = TimeWindow(start=at(10, 0), end=at(10, 12) + timedelta(microseconds=1))
BASE = [TimeWindow(start=at(3, 0), end=at(4, 0)), TimeWindow(start=at(6, 0), end=at(8, 0))]
T = EntityType.TENANT


async def seed(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"))
    await upsert_runs(storage, worker_run(1, worker_id="summarizer"),
                      worker_run(2, tenant_id=OTHER_TENANT, worker_id="foreign"))
    await record(
        storage,
        # today (the current window ends at 12:00 inclusive)
        cost(created_at=at(10, 9), user_id="u1", feature_tag="chat.reply", model="gpt-4o",
             cost_cents=Decimal("3.000001"), worker_run_id=run_id(1)),
        cost(created_at=at(10, 12), user_id="u1", model="o3", cost_cents=Decimal("2"),
             is_retry=True),
        cost(created_at=at(10, 12, 0, 1), user_id="u1", cost_cents=Decimal(100)),  # after
        # baseline days 3, 6 and 7; day 5 lies between the windows
        cost(created_at=at(3, 8), user_id="u2", feature_tag="chat.reply",
             cost_cents=Decimal("1.25")),
        cost(created_at=at(5, 8), user_id="u1", cost_cents=Decimal(50)),
        cost(created_at=at(7, 23, 59, 59), user_id="u1", model="o3",
             cost_cents=Decimal("0.5"), is_retry=True),
        # another tenant, and a run id of another tenant
        cost(tenant_id=OTHER_TENANT, created_at=at(10, 9), cost_cents=Decimal(7)),
        cost(created_at=at(6, 1), user_id="u3", cost_cents=Decimal("0.75"),
             worker_run_id=run_id(2)),
    )


def split(entity_type: EntityType, entity_id: str, dimension: DriverDimension, value: str,
          current: str, baseline: str) -> SpendSplit:
    return SpendSplit(entity_type=entity_type, entity_id=entity_id, dimension=dimension,
                      value=value, current_cents=Decimal(current),
                      baseline_cents=Decimal(baseline))


async def test_tenant_split_by_every_dimension(storage: Storage) -> None:
    await seed(storage)
    got = await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(T, TENANT)], current=TODAY, baseline=BASE))
    D = DriverDimension
    assert got == [
        split(T, TENANT, D.FEATURE, "chat.reply", "3.000001", "1.25"),
        split(T, TENANT, D.FEATURE, "untagged", "2", "1.25"),
        split(T, TENANT, D.MODEL, "gpt-4o", "3.000001", "2"),
        split(T, TENANT, D.MODEL, "o3", "2", "0.5"),
        split(T, TENANT, D.RETRY, "first_attempt", "3.000001", "2"),
        split(T, TENANT, D.RETRY, "retry", "2", "0.5"),
        split(T, TENANT, D.USER, "u1", "5.000001", "0.5"),
        split(T, TENANT, D.USER, "u2", "0", "1.25"),
        split(T, TENANT, D.USER, "u3", "0", "0.75"),
        split(T, TENANT, D.WORKER, "summarizer", "3.000001", "0"),
        split(T, TENANT, D.WORKER, "unknown", "2", "2.5"),
    ]


async def test_each_dimension_adds_up_to_the_window_totals(storage: Storage) -> None:
    await seed(storage)
    got = await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(T, TENANT)], current=TODAY, baseline=BASE))
    for dimension in DriverDimension:
        rows = [s for s in got if s.dimension is dimension]
        assert sum(s.current_cents for s in rows) == Decimal("5.000001")
        assert sum(s.baseline_cents for s in rows) == Decimal("2.5")


async def test_user_and_feature_scopes(storage: Storage) -> None:
    await seed(storage)
    got = await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(EntityType.USER, "u1"), (EntityType.FEATURE, "chat.reply"),
                 (EntityType.USER, "nobody")], current=TODAY, baseline=BASE))
    models = [(s.entity_type, s.entity_id, s.value, s.current_cents, s.baseline_cents)
              for s in got if s.dimension is DriverDimension.MODEL]
    assert models == [
        (EntityType.FEATURE, "chat.reply", "gpt-4o", Decimal("3.000001"), Decimal("1.25")),
        (EntityType.USER, "u1", "gpt-4o", Decimal("3.000001"), Decimal(0)),
        (EntityType.USER, "u1", "o3", Decimal("2"), Decimal("0.5")),
    ]
    assert {s.entity_id for s in got} == {"u1", "chat.reply"}


async def test_nothing_asked_or_nothing_in_the_windows(storage: Storage) -> None:
    await seed(storage)
    assert await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [], current=TODAY, baseline=BASE)) == []
    empty = TimeWindow(start=at(20, 0), end=at(21, 0))
    assert await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(T, TENANT)], current=empty, baseline=[])) == []


async def test_overlapping_baseline_windows_count_a_record_once(storage: Storage) -> None:
    await seed(storage)
    twice = [BASE[0], BASE[0], TimeWindow(start=at(3, 6), end=at(3, 10))]
    got = await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(T, TENANT)], current=TODAY, baseline=twice))
    retry = [s for s in got if s.dimension is DriverDimension.RETRY]
    assert sum(s.baseline_cents for s in retry) == Decimal("1.25")
