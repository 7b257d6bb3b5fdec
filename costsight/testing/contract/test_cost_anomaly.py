"""Contract: CostAnomalyPort, the detection side (set-based aggregates, breach streaks, drift).

The anomaly records (upsert, list, get, status) are in test_anomaly_records.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest

from costsight.core.domain.anomalies import (
    AnomalyType,
    DailyUsage,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.domain.costs import BudgetType
from costsight.core.domain.entity_days import EntityDays, entity_days_of
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    DAY0,
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    breach,
    budget,
    cost,
    create_tags,
    d,
    drift_tracker,
    feature_tag,
    in_uow,
    read,
    record,
    upsert_budgets,
)

ALL_TYPES = [EntityType.TENANT, EntityType.USER, EntityType.FEATURE]
US = timedelta(microseconds=1)


# --- set-based aggregates ------------------------------------------------------------------


async def seed_usage(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"))
    await record(
        storage,
        cost(created_at=at(8, 12), user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal(5)),  # before first_day
        cost(created_at=at(9, 10), user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal("1.5"), input_tokens=100),
        cost(created_at=at(9, 11), user_id="u1", cost_cents=Decimal("2.25"),
             input_tokens=40, is_retry=True),
        cost(created_at=at(9, 12), user_id="u2", feature_tag="chat.reply",
             cost_cents=Decimal("0.25"), input_tokens=10),
        cost(created_at=at(9, 13), cost_cents=Decimal(1), input_tokens=5, is_retry=True),
        cost(created_at=T0 - timedelta(seconds=1), user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal(3), input_tokens=7),
        cost(created_at=T0, user_id="u1", cost_cents=Decimal("0.5"), input_tokens=3,
             is_retry=True),  # exactly at until: counted
        cost(created_at=T0 + US, user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal(100), input_tokens=1000),  # after until: never counted
        cost(tenant_id=OTHER_TENANT, created_at=at(9, 10), user_id="u1",
             cost_cents=Decimal(77)),
    )


def usage_rows(rows: list[DailyUsage]) -> list[tuple[str, str, date, Decimal, int, int, int]]:
    return [(r.entity_type.value, r.entity_id, r.day, r.spend_cents, r.requests, r.retries,
             r.input_tokens) for r in rows]


async def test_daily_usage_per_entity_and_day_with_retries_and_input_tokens(
        storage: Storage) -> None:
    await seed_usage(storage)
    got = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, ALL_TYPES, d(9), T0))
    assert usage_rows(got) == [
        ("feature", "chat.reply", d(9), Decimal("1.75"), 2, 0, 110),
        ("feature", "chat.reply", d(10), Decimal(3), 1, 0, 7),
        ("tenant", TENANT, d(9), Decimal(5), 4, 2, 155),
        ("tenant", TENANT, d(10), Decimal("3.5"), 2, 1, 10),
        ("user", "u1", d(9), Decimal("3.75"), 2, 1, 140),
        ("user", "u1", d(10), Decimal("3.5"), 2, 1, 10),
        ("user", "u2", d(9), Decimal("0.25"), 1, 0, 10),
    ]


async def test_daily_usage_only_for_the_entity_types_asked(storage: Storage) -> None:
    await seed_usage(storage)
    got = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, [EntityType.USER], d(10), T0))
    assert usage_rows(got) == [("user", "u1", d(10), Decimal("3.5"), 2, 1, 10)]


async def test_daily_usage_until_replays_a_past_day(storage: Storage) -> None:
    await seed_usage(storage)
    got = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, [EntityType.TENANT], d(8), at(9, 11)))
    assert usage_rows(got) == [
        ("tenant", TENANT, d(8), Decimal(5), 1, 0, 100),
        ("tenant", TENANT, d(9), Decimal("3.75"), 2, 1, 140),
    ]


async def test_daily_usage_splits_days_at_utc_midnight_exactly(storage: Storage) -> None:
    await record(storage,
                 cost(created_at=at(10, 0) - US, user_id="u1", cost_cents=Decimal("45000000000")),
                 cost(created_at=at(10, 0) - US, user_id="u1", cost_cents=Decimal("0.000001")),
                 cost(created_at=at(10, 0), user_id="u1", cost_cents=Decimal("0.000002")))
    got = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, [EntityType.USER], d(9), T0))
    assert [(r.day, r.spend_cents, r.requests) for r in got] == [
        (d(9), Decimal("45000000000.000001"), 2), (d(10), Decimal("0.000002"), 1)]


def days_columns(rows: list[EntityDays]) -> list[tuple[object, ...]]:
    return [(e.entity_type.value, e.entity_id, e.days, e.cost_micros, e.requests, e.retries,
             e.input_tokens) for e in rows]


async def test_entity_days_hold_each_entitys_days_as_columns(storage: Storage) -> None:
    await seed_usage(storage)
    got = await read(storage, lambda uow: uow.cost_anomalies.entity_days(
        TENANT, ALL_TYPES, d(9), T0))
    assert days_columns(got) == [
        ("feature", "chat.reply", (d(9), d(10)), (1_750_000, 3_000_000), (2, 1), (0, 0),
         (110, 7)),
        ("tenant", TENANT, (d(9), d(10)), (5_000_000, 3_500_000), (4, 2), (2, 1), (155, 10)),
        ("user", "u1", (d(9), d(10)), (3_750_000, 3_500_000), (2, 2), (1, 1), (140, 10)),
        ("user", "u2", (d(9),), (250_000,), (1,), (0,), (10,)),
    ]
    rows = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, ALL_TYPES, d(9), T0))
    assert [row for e in got for row in e.rows().values()] == rows


async def test_entity_days_agree_with_daily_usage(storage: Storage) -> None:
    huge = Decimal("45000000000")  # a day's sum beyond 32 bits of micro-cents: halves carry
    await record(storage, *(cost(created_at=at(n % 9 + 1, n % 24), user_id=f"{'uU'[n % 2]}{n % 5}",
                                 feature_tag=f"f.{n % 3}" if n % 4 else None,
                                 cost_cents=huge if n % 7 == 0 else Decimal(n * 1234567) / 10**6,
                                 input_tokens=n, is_retry=n % 6 == 0)
                            for n in range(1, 120)))
    for kinds, first, until in (([EntityType.USER, EntityType.FEATURE], d(2), T0),
                                (ALL_TYPES, d(4), at(7, 13, 30) - US),
                                ([EntityType.FEATURE], d(9), at(9, 17, 45)),
                                (ALL_TYPES, d(3), at(9, 0) - US)):  # whole days only
        rows, got = await read(storage, partial(_both, kinds=kinds, first=first, until=until))
        assert rows and days_columns(got) == days_columns(entity_days_of(rows))


async def _both(uow: UnitOfWork, *, kinds: list[EntityType], first: date,
                until: datetime) -> tuple[list[DailyUsage], list[EntityDays]]:
    port = uow.cost_anomalies
    return (await port.daily_usage(TENANT, kinds, first, until),
            await port.entity_days(TENANT, kinds, first, until))


async def test_entity_days_leave_out_days_with_unpriced_calls(storage: Storage) -> None:
    await record(storage,
                 cost(created_at=at(8, 10), user_id="u1", cost_cents=Decimal(2)),
                 cost(created_at=at(9, 10), user_id="u1", cost_cents=Decimal(3)),
                 cost(created_at=at(9, 11), user_id="u1", model="no-such-model-xyz",
                      cost_cents=None),
                 cost(created_at=at(9, 12), user_id="u2", cost_cents=Decimal(4)))
    got = await read(storage, lambda uow: uow.cost_anomalies.entity_days(
        TENANT, ALL_TYPES, d(8), T0))
    assert [(e.entity_type.value, e.entity_id, e.days, e.cost_micros) for e in got] == [
        ("tenant", TENANT, (d(8),), (2_000_000,)),
        ("user", "u1", (d(8),), (2_000_000,)),
        ("user", "u2", (d(9),), (4_000_000,)),
    ]


async def summaries(storage: Storage, entity_types: Sequence[EntityType] = ALL_TYPES, *,
                    first: date = d(8), last: date = d(8), day: date = DAY0,
                    until: datetime = T0, tenant: str = TENANT) -> list[EntityUsageSummary]:
    return await read(storage, lambda uow: uow.cost_anomalies.entity_usage_summaries(
        tenant, entity_types, baseline_first=first, baseline_last=last, day=day, until=until))


#: (spend, requests, retries, input tokens) of one day
DayTotals = tuple[Decimal, int, int, int]
SummaryRow = tuple[str, str, tuple[Decimal, int], DayTotals, DayTotals]


def summary_rows(rows: list[EntityUsageSummary]) -> list[SummaryRow]:
    """(type, id, (baseline spend, days), today, yesterday) with (spend, requests, retries,
    input tokens) per day."""
    return [(r.entity_type.value, r.entity_id, (r.baseline_spend_cents, r.baseline_days),
             (r.today_spend_cents, r.today_requests, r.today_retries, r.today_input_tokens),
             (r.yesterday_spend_cents, r.yesterday_requests, r.yesterday_retries,
              r.yesterday_input_tokens)) for r in rows]


NO_DAY: DayTotals = (Decimal(0), 0, 0, 0)


@dataclass
class ExpectedSummary:
    baseline_spend_cents: Decimal = Decimal(0)
    baseline_days: int = 0
    today: DayTotals = NO_DAY
    yesterday: DayTotals = NO_DAY


async def test_usage_summaries_per_entity_with_baseline_yesterday_and_today(
        storage: Storage) -> None:
    await seed_usage(storage)
    got = await summaries(storage)
    assert summary_rows(got) == [
        ("feature", "chat.reply", (Decimal(5), 1), (Decimal(3), 1, 0, 7),
         (Decimal("1.75"), 2, 0, 110)),
        ("tenant", TENANT, (Decimal(5), 1), (Decimal("3.5"), 2, 1, 10),
         (Decimal(5), 4, 2, 155)),
        ("user", "u1", (Decimal(5), 1), (Decimal("3.5"), 2, 1, 10),
         (Decimal("3.75"), 2, 1, 140)),
        ("user", "u2", (Decimal(0), 0), NO_DAY, (Decimal("0.25"), 1, 0, 10)),
    ]


async def test_usage_summaries_only_for_the_entity_types_asked(storage: Storage) -> None:
    await seed_usage(storage)
    assert [(r.entity_type.value, r.entity_id)
            for r in await summaries(storage, [EntityType.USER])] == [("user", "u1"),
                                                                      ("user", "u2")]
    assert await summaries(storage, []) == []
    assert await summaries(storage, tenant="nobody") == []


async def test_usage_summaries_until_replays_a_past_instant(storage: Storage) -> None:
    await seed_usage(storage)
    got = await summaries(storage, [EntityType.TENANT, EntityType.USER], until=at(9, 11))
    assert summary_rows(got) == [
        ("tenant", TENANT, (Decimal(5), 1), NO_DAY, (Decimal("3.75"), 2, 1, 140)),
        ("user", "u1", (Decimal(5), 1), NO_DAY, (Decimal("3.75"), 2, 1, 140)),
    ]


async def test_usage_summaries_count_active_baseline_days_at_utc_midnight(storage: Storage) -> None:
    await record(
        storage,
        cost(created_at=at(1, 0) - US, user_id="early", cost_cents=Decimal(9)),  # before range
        cost(created_at=at(1, 0), user_id="u1", cost_cents=Decimal(1)),
        cost(created_at=at(3, 1), user_id="u1", cost_cents=Decimal(2)),
        cost(created_at=at(3, 23), user_id="u1", cost_cents=Decimal(3)),
        cost(created_at=at(7, 23, 59, 59), user_id="u1", cost_cents=Decimal("0.000001")),
        cost(created_at=at(8, 0), user_id="u1", cost_cents=Decimal(50)),  # after the baseline
        cost(created_at=at(8, 0), user_id="gap", cost_cents=Decimal(50)),
        cost(created_at=at(9, 0) - US, user_id="u1", cost_cents=Decimal(70)),
        cost(created_at=at(9, 0), user_id="u1", cost_cents=Decimal(0), input_tokens=0),
        cost(created_at=at(10, 0), user_id="u1", cost_cents=Decimal(0), is_retry=True),
    )
    got = await summaries(storage, [EntityType.USER], first=d(1), last=d(7))
    assert summary_rows(got) == [
        ("user", "gap", (Decimal(0), 0), NO_DAY, NO_DAY),
        ("user", "u1", (Decimal("6.000001"), 3), (Decimal(0), 1, 1, 100), (Decimal(0), 1, 0, 0)),
    ]


@pytest.mark.parametrize(("first", "days"), [(d(7, month=1), 2), (d(6, month=1), 3),
                                             (d(5, month=1), 4), (d(4, month=1), 4),
                                             (d(1), 1)])
async def test_usage_summaries_baseline_of_any_length(storage: Storage, first: date,
                                                      days: int) -> None:
    # Jan 5 to Mar 8 is 62 days after the first: windows up to 63 days and beyond count alike.
    await record(storage, *(cost(created_at=at(n, 12, month=m), user_id="u1",
                                 cost_cents=Decimal(1))
                            for m, n in ((1, 5), (1, 6), (1, 7), (3, 8))))
    [row] = await summaries(storage, [EntityType.USER], first=first, last=d(8), day=d(10))
    assert (row.baseline_spend_cents, row.baseline_days) == (Decimal(days), days)


async def test_usage_summaries_sum_money_exactly_beyond_64_bit_micro_cents(
        storage: Storage) -> None:
    huge = Decimal("5000000000000")  # 5e18 micro-cents: two of them overflow a BIGINT
    await record(storage,
                 cost(created_at=at(7, 12), user_id="u1", cost_cents=huge),
                 cost(created_at=at(8, 12), user_id="u1", cost_cents=huge + Decimal("0.000001")),
                 cost(created_at=at(10, 1), user_id="u1", cost_cents=huge),
                 cost(created_at=at(10, 2), user_id="u1", cost_cents=huge))
    [row] = await summaries(storage, [EntityType.USER], first=d(7), last=d(8))
    assert (row.baseline_spend_cents, row.baseline_days) == (Decimal("10000000000000.000001"), 2)
    assert row.today_spend_cents == Decimal("10000000000000")


async def test_usage_summaries_agree_with_daily_usage(storage: Storage) -> None:
    await seed_usage(storage)
    await record(storage, *(cost(created_at=at(n, 8 + n % 5), user_id=f"u{n % 3}",
                                 feature_tag="chat.reply" if n % 2 else None,
                                 cost_cents=Decimal(n * 1234567) / 1000000, input_tokens=n,
                                 is_retry=n % 4 == 0)
                            for n in range(1, 11)))
    # Entities with records from d(2): the summaries' range when the baseline starts there.
    rows = await read(storage, lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, ALL_TYPES, d(2), T0))
    expected: dict[tuple[str, str], ExpectedSummary] = {}
    for r in rows:
        entry = expected.setdefault((r.entity_type.value, r.entity_id), ExpectedSummary())
        day = (r.spend_cents, r.requests, r.retries, r.input_tokens)
        if d(2) <= r.day <= d(7):
            entry.baseline_spend_cents += r.spend_cents
            entry.baseline_days += 1
        elif r.day == d(9):
            entry.yesterday = day
        elif r.day == DAY0:
            entry.today = day
    got = await summaries(storage, first=d(2), last=d(7), day=DAY0)
    assert summary_rows(got) == [
        (kind, entity_id, (e.baseline_spend_cents, e.baseline_days), e.today, e.yesterday)
        for (kind, entity_id), e in sorted(expected.items(), key=lambda item: item[0])]


async def test_budget_spend_for_every_active_budget_in_one_call(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"))
    await upsert_budgets(
        storage,
        budget(BudgetType.TENANT, daily_limit_cents=Decimal(100),
               monthly_limit_cents=Decimal(1000)),
        budget(BudgetType.FEATURE, "chat.reply", daily_limit_cents=Decimal(2)),
        budget(BudgetType.USER, "u1", monthly_limit_cents=Decimal(10)),
        budget(BudgetType.USER, "u2", daily_limit_cents=Decimal(1), is_active=False),
        budget(BudgetType.USER, "u3", daily_limit_cents=Decimal(1)),
        budget(BudgetType.TENANT, tenant_id=OTHER_TENANT, daily_limit_cents=Decimal(1)),
    )
    await record(
        storage,
        cost(created_at=at(28, 12, month=2), user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal(1000)),  # previous month
        cost(created_at=at(1, 0), user_id="u1", feature_tag="chat.reply",
             cost_cents=Decimal(10)),
        cost(created_at=at(9, 12), user_id="u2", cost_cents=Decimal(20)),
        cost(created_at=at(10, 0), user_id="u1", cost_cents=Decimal(1)),
        cost(created_at=at(10, 11), user_id="u2", feature_tag="chat.reply",
             cost_cents=Decimal("2.5")),
        cost(created_at=T0, feature_tag="chat.reply", cost_cents=Decimal("0.25")),
        cost(created_at=T0 + US, user_id="u1", cost_cents=Decimal(500)),
        cost(tenant_id=OTHER_TENANT, created_at=at(10, 1), cost_cents=Decimal(50)),
    )
    got = await read(storage, lambda uow: uow.cost_anomalies.budget_spend(TENANT, DAY0, T0))
    assert [(s.budget.budget_type.value, s.budget.entity_id, s.daily_spend_cents,
             s.monthly_spend_cents) for s in got] == [
        ("feature", "chat.reply", Decimal("2.75"), Decimal("12.75")),
        ("tenant", "", Decimal("3.75"), Decimal("33.75")),
        ("user", "u1", Decimal(1), Decimal(11)),
        ("user", "u3", Decimal(0), Decimal(0)),
    ]
    assert got[0].budget.daily_limit_cents == Decimal(2)
    assert got[1].budget.monthly_limit_cents == Decimal(1000)


# --- breach streaks -------------------------------------------------------------------------


async def test_breach_streaks(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches([
        *(breach("u1", d(day)) for day in (8, 9, 10)),
        *(breach("u2", d(day)) for day in (7, 9, 10)),          # gap on the 8th
        *(breach("u3", d(day)) for day in range(1, 11)),        # ten days
        breach("u4", d(9)),                                     # nothing on the day
        breach("u5", d(10), breach_type=AnomalyType.SUSTAINED_DRIFT.value),
        breach("chat.reply", d(10), entity_type="feature"),
        breach("", d(9), entity_type="tenant"),
        breach("", d(10), entity_type="tenant"),
        breach("u2", d(8), tenant_id=OTHER_TENANT),             # must not bridge u2's gap
    ]))
    got = await read(storage, lambda uow: uow.cost_anomalies.breach_streaks(
        TENANT, AnomalyType.ABSOLUTE_SPIKE.value, DAY0))
    assert got == {("user", "u1"): 3, ("user", "u2"): 2, ("user", "u3"): 8,
                   ("feature", "chat.reply"): 1, ("tenant", ""): 2}


async def test_breach_streak_lookback_bounds_the_run(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach("u1", d(day)) for day in range(3, 11)]))
    got = await read(storage, lambda uow: uow.cost_anomalies.breach_streaks(
        TENANT, AnomalyType.ABSOLUTE_SPIKE.value, DAY0, lookback_days=2))
    assert got == {("user", "u1"): 3}
    earlier = await read(storage, lambda uow: uow.cost_anomalies.breach_streaks(
        TENANT, AnomalyType.ABSOLUTE_SPIKE.value, d(5)))
    assert earlier == {("user", "u1"): 3}


async def test_breach_streak_runs_across_a_month_boundary(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach("u1", d(27, month=2)), breach("u1", d(28, month=2)), breach("u1", d(1)),
         breach("u2", d(26, month=2)), breach("u2", d(28, month=2)), breach("u2", d(1))]))
    got = await read(storage, lambda uow: uow.cost_anomalies.breach_streaks(
        TENANT, AnomalyType.ABSOLUTE_SPIKE.value, d(1)))
    assert got == {("user", "u1"): 3, ("user", "u2"): 2}


async def test_breach_repeat_of_a_day_overwrites_instead_of_adding(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach("u1", d(9)), breach("u1", d(10))]))
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach("u1", d(10), deviation_pct=80.0, current_value_cents=Decimal(180))]))
    got = await read(storage, lambda uow: uow.cost_anomalies.breach_streaks(
        TENANT, AnomalyType.ABSOLUTE_SPIKE.value, DAY0))
    assert got == {("user", "u1"): 2}


# --- drift trackers -------------------------------------------------------------------------


async def test_drift_trackers_save_and_list(storage: Storage) -> None:
    tenant_tracker = drift_tracker()
    user_tracker = drift_tracker(entity_type="user", entity_id="u1", drift_days_count=2,
                                 first_drift_date=d(9))
    await in_uow(storage, lambda uow: uow.cost_anomalies.save_drift_trackers(
        [tenant_tracker, user_tracker, drift_tracker(tenant_id=OTHER_TENANT)]))
    got = await read(storage, lambda uow: uow.cost_anomalies.drift_trackers(TENANT))
    assert sorted(got, key=lambda t: t.entity_type) == [tenant_tracker, user_tracker]


async def test_drift_tracker_reset_then_restart_is_one_row(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.cost_anomalies.save_drift_trackers([
        drift_tracker(drift_days_count=3, first_drift_date=d(8))]))
    reset = drift_tracker(drift_days_count=3, first_drift_date=d(8), last_check_date=d(11),
                          drift_pct=5.0, is_active=False)
    await in_uow(storage, lambda uow: uow.cost_anomalies.save_drift_trackers([reset]))
    assert await read(storage, lambda uow: uow.cost_anomalies.drift_trackers(TENANT)) == [reset]
    restarted = drift_tracker(rolling_avg_cents=Decimal("140.5"), drift_pct=40.5,
                              drift_days_count=1, first_drift_date=d(14),
                              last_check_date=d(14))
    await in_uow(storage, lambda uow: uow.cost_anomalies.save_drift_trackers([restarted]))
    assert await read(storage, lambda uow: uow.cost_anomalies.drift_trackers(TENANT)) == [restarted]
