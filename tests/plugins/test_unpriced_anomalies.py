"""The anomaly engine never reads unpriced calls as a drop in spend: days with unpriced calls
(stored at cost 0) leave the baselines, so a normal day afterwards is not a spike. On every
backend, with a control tenant whose same low days are priced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.costs import NewCostRecord
from tests.plugins.seeding import cost, cycles, record

NOON = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(days: int, hour: int = 12) -> datetime:
    return (NOON + timedelta(days=days)).replace(hour=hour)


def unpriced(tenant: str, when: datetime, user: str) -> NewCostRecord:
    return NewCostRecord(tenant_id=tenant, model="no-such-model-xyz", input_tokens=5000,
                         output_tokens=500, created_at=when, user_id=user)


async def seed(storage: object, tenant: str, *, with_unpriced: bool) -> None:
    records = [cost(tenant, at(d), "100", user="u") for d in range(-16, -8)]
    for d in range(-8, -1):  # a week of mostly unpriced traffic: little priced spend
        records.append(cost(tenant, at(d), "10", user="u"))
        if with_unpriced:
            records += [unpriced(tenant, at(d, h), "u") for h in (9, 10, 11, 13)]
    records += [cost(tenant, at(d), "100", user="u") for d in (-1, 0)]
    await record(storage, records)


async def spikes(storage: object, tenant: str) -> set[tuple[str, str]]:
    anomaly_cycle, _, _ = cycles(storage, at(-1, 18))
    await anomaly_cycle.run(tenant)
    anomaly_cycle, _, _ = cycles(storage, at(0, 18))
    result = await anomaly_cycle.run(tenant)
    return {(a.entity_type, a.entity_id) for a in result.anomalies
            if a.anomaly_type.value == "ABSOLUTE_SPIKE"}


async def test_days_with_unpriced_calls_do_not_lower_the_baseline(storage: object) -> None:
    await seed(storage, "unpriced", with_unpriced=True)
    await seed(storage, "control", with_unpriced=False)
    # control: the cheap week really was cheap, so back to 100 is a spike (the test can fail)
    assert ("user", "u") in await spikes(storage, "control")
    assert await spikes(storage, "unpriced") == set()


async def test_the_cost_anomaly_reads_leave_unpriced_days_out(storage: object) -> None:
    await seed(storage, "unpriced", with_unpriced=True)
    async with storage.unit_of_work() as uow:
        daily = await uow.cost_anomalies.daily_usage(
            "unpriced", [EntityType.TENANT, EntityType.USER], at(-16, 0).date(), at(0, 18))
        summaries = await uow.cost_anomalies.entity_usage_summaries(
            "unpriced", [EntityType.TENANT, EntityType.USER], baseline_first=at(-14).date(),
            baseline_last=at(-2).date(), day=at(0).date(), until=at(0, 18))
    days = {(r.entity_type.value, (r.day - at(0).date()).days) for r in daily}
    assert days == {(kind, d) for kind in ("tenant", "user")
                    for d in (*range(-16, -8), -1, 0)}
    assert {(s.entity_type.value, s.baseline_days, s.baseline_spend_cents, s.today_spend_cents)
            for s in summaries} == {("tenant", 6, 600, 100), ("user", 6, 600, 100)}
