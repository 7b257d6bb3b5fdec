"""Drivers through the anomaly cycle on every backend: stored with the anomaly, read back,
exact per dimension; MODEL_SWITCH and RETRY_LOOP from them; weekly seasonality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.anomalies import AnomalyFilter
from costsight.core.domain.costs import NewCostRecord
from costsight.core.settings import EngineSettings
from tests.plugins.seeding import cost, cycles, record

NOON = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday


def at(days: int, hour: int = 12) -> datetime:
    return (NOON + timedelta(days=days)).replace(hour=hour)


def call(day: int, cents: str, *, model: str = "gpt-4o", user: str | None = None,
         retry: bool = False, hour: int = 12) -> NewCostRecord:
    return cost("t1", at(day, hour), cents, user=user, retry=retry).model_copy(
        update={"model": model})


async def run(storage: object, day: int = 0, settings: EngineSettings | None = None):
    anomaly_cycle, _, _ = cycles(storage, at(day, 18), settings)
    return await anomaly_cycle.run("t1")


def tenant_spike(result: object):
    [anomaly] = [a for a in result.anomalies
                 if a.entity_type == "tenant" and a.anomaly_type.value == "ABSOLUTE_SPIKE"]
    return anomaly


async def test_drivers_are_stored_exact_and_read_back(storage: object) -> None:
    base = [call(d, "100", model="gpt-4o", user="u1") for d in range(-16, -1)]
    today = [call(0, "70", model="gpt-4o", user="u1"),
             call(0, "90.000001", model="o3", user="u2"),
             call(0, "40", model="o3", user="u2", retry=True)]
    await record(storage, base + today)
    anomaly = tenant_spike(await run(storage))
    drivers = anomaly.drivers
    assert drivers is not None
    assert drivers.delta_cents == anomaly.current_value_cents - anomaly.expected_value_cents
    assert drivers.delta_cents == Decimal("100.000001")
    for dimension in ("model", "feature", "user", "worker", "retry"):
        rows = drivers.dimensions[dimension]
        assert sum(d.delta_cents for d in rows) == drivers.delta_cents
        assert sum(d.current_cents for d in rows) == anomaly.current_value_cents
        assert sum(d.baseline_cents for d in rows) == anomaly.expected_value_cents
    o3 = drivers.value("model", "o3")
    assert (o3.current_cents, o3.baseline_cents, o3.delta_cents) == (
        Decimal("130.000001"), 0, Decimal("130.000001"))
    assert drivers.value("user", "u1").delta_cents == -30
    # a new model carrying most of the delta while the old one fell: MODEL_SWITCH
    assert anomaly.derived_cause == "MODEL_SWITCH"
    async with storage.unit_of_work() as uow:
        [stored] = [a for a in (await uow.anomaly_records.list_anomalies(
            "t1", AnomalyFilter(entity_type="tenant"), limit=50)).items]
        again = await uow.anomaly_records.get_anomaly("t1", stored.id)
    assert again.drivers == drivers and stored.drivers == drivers
    assert "drivers" not in again.metadata


async def test_retries_carrying_the_delta_are_a_retry_loop(storage: object) -> None:
    base = [call(d, "100") for d in range(-16, -1)]
    today = [call(0, "60"), *(call(0, "30", retry=True, hour=h) for h in range(1, 6))]
    await record(storage, base + today)
    anomaly = tenant_spike(await run(storage))
    assert anomaly.derived_cause == "RETRY_LOOP"
    retry = anomaly.drivers.value("retry", "retry")
    assert retry.delta_cents == 150 and retry.share == round(150 / 110, 4)


async def test_a_one_day_doubling_fires_on_its_day(storage: object) -> None:
    await record(storage, [call(d, "100") for d in range(-16, 0)] + [call(0, "200")])
    anomaly = tenant_spike(await run(storage))
    assert anomaly.breach_count == 1 and anomaly.severity.value == "HIGH"


def weekly(day: int) -> str:
    """Busy weekdays, quiet weekends (NOON is a Friday: day -1 Thursday, day 1 Saturday)."""
    return "1" if (NOON + timedelta(days=day)).weekday() >= 5 else "100"


async def test_weekly_seasonal_spend_raises_nothing_on_a_monday(storage: object) -> None:
    monday, tuesday, wednesday = 3, 4, 5
    await record(storage, [call(d, weekly(d), user="u1") for d in range(-40, wednesday + 1)])
    for day in range(-2, wednesday + 1):
        result = await run(storage, day)
        assert [(a.anomaly_type.value, a.entity_type) for a in result.anomalies] == []
    # the flat baselines (the option off) average the quiet weekends in: Tuesday and
    # Wednesday breach, and the second breach day is a spike of the tenant and of the user
    # (the noise gate off too: the quiet weekends make the tenant's flat baseline days vary
    # enough to hide the breach, core/engines/noise.py)
    flat = EngineSettings(seasonal_baselines=False, spike_min_z=0)
    for day in (monday, tuesday):
        assert (await run(storage, day, flat)).anomalies == []
    found = await run(storage, wednesday, flat)
    assert {(a.anomaly_type.value, a.entity_type) for a in found.anomalies} == {
        ("ABSOLUTE_SPIKE", "tenant"), ("ABSOLUTE_SPIKE", "user")}


async def test_a_real_spike_on_a_seasonal_tenant_uses_the_weekday_baseline(
        storage: object) -> None:
    monday = 3
    days = [call(d, weekly(d)) for d in range(-40, monday)] + [call(monday, "300")]
    await record(storage, days)
    anomaly = tenant_spike(await run(storage, monday))
    assert anomaly.metadata["baseline"] == "weekday"
    assert anomaly.expected_value_cents == 100
    assert anomaly.drivers.delta_cents == 200
