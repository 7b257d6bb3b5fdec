"""Contract: CostDriverPort, the per-value spend split of an entity, current vs baseline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.drivers import DriverDimension, SpendSplit
from costsight.core.domain.statistics import TimeWindow
from costsight.core.ports import Storage, UnitOfWork
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


# -- partial-hour edges: what the rollups serve must equal a raw scan -----------------------------

US = timedelta(microseconds=1)
AS_OF = at(10, 13, 45, 12) + timedelta(microseconds=345678)  # inside an hour
HOUR_EDGE = [
    # today: whole hours before AS_OF's hour, its own hour up to AS_OF included, none after
    cost(created_at=at(10, 0), user_id="u1", feature_tag="chat.reply", cost_cents=Decimal(1)),
    cost(created_at=at(10, 12, 30), user_id="u2", model="o3", cost_cents=Decimal(2),
         worker_run_id=run_id(1)),
    cost(created_at=at(10, 13, 10), user_id="u1", is_retry=True, cost_cents=Decimal(4)),
    cost(created_at=AS_OF, user_id="u2", feature_tag="chat.reply",
         cost_cents=Decimal("8.000001")),
    cost(created_at=AS_OF + US, user_id="u1", cost_cents=Decimal(16)),
    cost(created_at=at(10, 13, 59, 59), user_id="u2", model="o3", cost_cents=Decimal(32),
         worker_run_id=run_id(1)),
    cost(created_at=at(10, 15), user_id="u1", cost_cents=Decimal(64)),
    # yesterday, the same span (the budgets' baseline): up to 13:45:12.345678 included
    cost(created_at=at(9, 2), user_id="u1", cost_cents=Decimal(128)),
    cost(created_at=at(9, 13, 20), user_id="u2", model="o3", is_retry=True,
         cost_cents=Decimal(256), worker_run_id=run_id(2)),
    cost(created_at=AS_OF - timedelta(days=1), user_id="u1", cost_cents=Decimal(512)),
    cost(created_at=AS_OF - timedelta(days=1) + US, user_id="u2", cost_cents=Decimal(1024)),
    cost(created_at=at(9, 13, 50), feature_tag="chat.reply", cost_cents=Decimal(2048)),
    # whole days 3..7 (the spike's baseline), one second outside each end
    cost(created_at=at(2, 23, 59, 59), user_id="u1", cost_cents=Decimal(4096)),
    cost(created_at=at(3, 0), user_id="u2", feature_tag="chat.reply", cost_cents=Decimal(8192),
         worker_run_id=run_id(1)),
    cost(created_at=at(7, 23, 59, 59), user_id="u1", model="o3", cost_cents=Decimal(16384)),
    cost(created_at=at(8, 0), user_id="u2", cost_cents=Decimal(32768)),
    # February, for the month-to-date windows: up to Feb 10, 13:45:12.345678 included
    cost(created_at=at(1, 5, month=2), user_id="u1", cost_cents=Decimal(65536)),
    cost(created_at=at(10, 13, month=2), user_id="u2", is_retry=True, cost_cents=Decimal(131072)),
    cost(created_at=AS_OF.replace(month=2), user_id="u1", model="o3",
         cost_cents=Decimal(262144)),
    cost(created_at=AS_OF.replace(month=2) + US, user_id="u2", cost_cents=Decimal(524288)),
    cost(created_at=at(10, 13, 50, month=2), user_id="u1", cost_cents=Decimal(1048576)),
]
TODAY_SO_FAR = TimeWindow(start=at(10, 0), end=AS_OF + US)
#: (current, baseline) as the detectors build them: budget (yesterday's same span), spike
#: (whole days), month to date (the same span of the month before)
EDGE_WINDOWS = [
    (TODAY_SO_FAR, [TimeWindow(start=at(9, 0), end=AS_OF - timedelta(days=1) + US)]),
    (TODAY_SO_FAR, [TimeWindow(start=at(3, 0), end=at(8, 0))]),
    (TimeWindow(start=at(1, 0), end=AS_OF + US),
     [TimeWindow(start=at(1, 0, month=2), end=AS_OF.replace(month=2) + US)]),
]
EDGE_ENTITIES = [(T, TENANT), (EntityType.USER, "u1"), (EntityType.USER, "u2"),
                 (EntityType.FEATURE, "chat.reply")]


def raw_oracle(current: TimeWindow, baseline: list[TimeWindow]) -> list[SpendSplit]:
    """The splits of HOUR_EDGE by a scan of its records (runs: 1 is the tenant's
    ``summarizer``, 2 another tenant's)."""
    sums: dict[tuple[str, str, str, str], list[Decimal]] = {}
    for r in HOUR_EDGE:
        cur = current.start <= r.created_at < current.end
        base = any(w.start <= r.created_at < w.end for w in baseline)
        if not (cur or base):
            continue
        worker = "summarizer" if r.worker_run_id == run_id(1) else "unknown"
        labels = {DriverDimension.MODEL: r.model, DriverDimension.FEATURE: r.feature_tag
                  or "untagged", DriverDimension.USER: r.user_id or "unknown",
                  DriverDimension.WORKER: worker,
                  DriverDimension.RETRY: "retry" if r.is_retry else "first_attempt"}
        scopes = [(T, TENANT), (EntityType.USER, r.user_id), (EntityType.FEATURE, r.feature_tag)]
        for kind, entity in scopes:
            if (kind, entity) not in EDGE_ENTITIES:
                continue
            for dimension, value in labels.items():
                pair = sums.setdefault((kind.value, str(entity), dimension.value, value),
                                       [Decimal(0), Decimal(0)])
                amount = r.cost_cents or Decimal(0)
                pair[0] += amount if cur else 0
                pair[1] += amount if base else 0
    return [split(EntityType(t), e, DriverDimension(d), v, str(c), str(b))
            for (t, e, d, v), (c, b) in sorted(sums.items())]


def splits_of(current: TimeWindow, baseline: list[TimeWindow]
              ) -> Callable[[UnitOfWork], Awaitable[list[SpendSplit]]]:
    return lambda uow: uow.cost_drivers.spend_splits(TENANT, EDGE_ENTITIES, current=current,
                                                     baseline=baseline)


async def test_partial_hour_edges_equal_a_raw_scan(storage: Storage) -> None:
    """An as-of instant inside an hour (current windows end at as_of + 1 us): the records
    later in that hour, and later in the same hour of the baseline day, count nowhere - a
    read serving whole hours or days from rollups must still cut these edges from raw rows."""
    await create_tags(storage, feature_tag("chat.reply"))
    await upsert_runs(storage, worker_run(1, worker_id="summarizer"),
                      worker_run(2, tenant_id=OTHER_TENANT, worker_id="foreign"))
    await record(storage, *HOUR_EDGE)
    for current, baseline in EDGE_WINDOWS:
        got = await read(storage, splits_of(current, baseline))
        assert got == raw_oracle(current, baseline)
        # the test can fail: rounding the windows out to whole hours changes the answer
        rounded = TimeWindow(start=current.start, end=current.end.replace(
            minute=0, second=0, microsecond=0) + timedelta(hours=1))
        assert got != raw_oracle(rounded, [TimeWindow(start=w.start, end=w.end.replace(
            minute=0, second=0, microsecond=0) + timedelta(hours=1)) for w in baseline])
    budget = await read(storage, lambda uow: uow.cost_drivers.spend_splits(
        TENANT, [(T, TENANT)], current=EDGE_WINDOWS[0][0], baseline=EDGE_WINDOWS[0][1]))
    retry = {s.value: (s.current_cents, s.baseline_cents) for s in budget
             if s.dimension is DriverDimension.RETRY}
    assert retry == {"first_attempt": (Decimal("11.000001"), Decimal(640)),
                     "retry": (Decimal(4), Decimal(256))}
