"""Contract: CostAnomalyPort, the anomaly records (upsert with dedupe, list, get, status)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    AnomalyType,
    DetectedAnomaly,
    EntityType,
    Severity,
)
from costsight.core.domain.drivers import AnomalyDrivers, Driver
from costsight.core.errors import Conflict, NotFound
from costsight.core.ids import ANOMALY, is_id
from costsight.core.pagination import Page
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    MIDNIGHT,
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    collect_pages,
    detected,
    in_uow,
    read,
)

ALL_TYPES = [EntityType.TENANT, EntityType.USER, EntityType.FEATURE]

def measured(anomaly: Anomaly) -> dict[str, Any]:
    """The fields a detector sets, as stored."""
    return anomaly.model_dump(include=set(DetectedAnomaly.model_fields))


async def upsert(storage: Storage, *items: DetectedAnomaly, since: datetime = MIDNIGHT,
                 now: datetime = T0) -> list[Anomaly]:
    return await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        list(items), since=since, now=now))


async def get(storage: Storage, anomaly_id: str, tenant: str = TENANT) -> Anomaly:
    return await read(storage, lambda uow: uow.anomaly_records.get_anomaly(tenant, anomaly_id))


async def set_status(storage: Storage, anomaly_id: str, status: AnomalyStatus, when: datetime,
                     tenant: str = TENANT) -> Anomaly:
    return await in_uow(storage, lambda uow: uow.anomaly_records.set_anomaly_status(
        tenant, anomaly_id, status, when))


async def list_all(storage: Storage, filters: AnomalyFilter | None = None,
                   tenant: str = TENANT) -> list[Anomaly]:
    page = await read(storage, lambda uow: uow.anomaly_records.list_anomalies(
        tenant, filters or AnomalyFilter(), limit=500))
    return page.items


# --- anomaly upsert -------------------------------------------------------------------------


async def test_upsert_inserts_new_open_anomalies_in_input_order(storage: Storage) -> None:
    spike = detected(metadata={"cause_inputs": {"retry_ratio": 1.7}},
                     derived_cause="RETRY_LOOP")
    drift = detected(anomaly_type=AnomalyType.SUSTAINED_DRIFT, severity=Severity.MEDIUM,
                     entity_type="tenant", entity_id=TENANT, threshold_ratio=1.25,
                     deviation_pct=30.0)
    stored = await upsert(storage, spike, drift)
    assert [measured(a) for a in stored] == [spike.model_dump(), drift.model_dump()]
    for a in stored:
        assert is_id(a.id, ANOMALY)
        assert (a.status, a.detected_at, a.updated_at) == (AnomalyStatus.OPEN, T0, T0)
        assert (a.acknowledged_at, a.resolved_at, a.dismissed_at) == (None, None, None)
    assert await get(storage, stored[0].id) == stored[0]


async def test_upsert_same_key_updates_every_measured_field(storage: Storage) -> None:
    [first] = await upsert(storage, detected())
    later = T0 + timedelta(hours=3)
    changed = detected(severity=Severity.MEDIUM, current_value_cents=Decimal("512.75"),
                       expected_value_cents=Decimal("120"), deviation_pct=327.3,
                       threshold_ratio=1.5, message="updated", breach_count=3,
                       derived_cause="TRAFFIC_GROWTH", metadata={"v": 2})
    [second] = await upsert(storage, changed, now=later)
    assert second.id == first.id
    assert measured(second) == changed.model_dump()
    assert (second.status, second.detected_at, second.updated_at) == (
        AnomalyStatus.OPEN, T0, later)
    assert await get(storage, first.id) == second
    assert len(await list_all(storage)) == 1


async def test_budget_periods_are_separate_dedupe_keys(storage: Storage) -> None:
    def budget_anomaly(period: str, usage: float) -> DetectedAnomaly:
        return detected(anomaly_type=AnomalyType.BUDGET_EXCEEDED, entity_type="tenant",
                        entity_id="", period=period, usage_pct=usage, threshold_ratio=1.0,
                        deviation_pct=usage - 100)

    daily, monthly = await upsert(storage, budget_anomaly("daily", 120.0),
                                  budget_anomaly("monthly", 101.0))
    assert daily.id != monthly.id
    again = await upsert(storage, budget_anomaly("monthly", 130.0),
                         budget_anomaly("daily", 150.0), now=T0 + timedelta(hours=1))
    assert [a.id for a in again] == [monthly.id, daily.id]
    assert [a.usage_pct for a in again] == [130.0, 150.0]
    stored = await list_all(storage)
    assert sorted((a.period, a.usage_pct) for a in stored) == [("daily", 150.0),
                                                               ("monthly", 130.0)]


async def test_closed_anomalies_are_not_reused(storage: Storage) -> None:
    [resolved] = await upsert(storage, detected(entity_id="u1"))
    [dismissed] = await upsert(storage, detected(entity_id="u2"))
    [acked] = await upsert(storage, detected(entity_id="u3"))
    await set_status(storage, resolved.id, AnomalyStatus.RESOLVED, T0)
    await set_status(storage, dismissed.id, AnomalyStatus.DISMISSED, T0)
    await set_status(storage, acked.id, AnomalyStatus.ACKNOWLEDGED, T0)
    later = T0 + timedelta(hours=1)
    new1, new2, same3 = await upsert(storage, detected(entity_id="u1"),
                                     detected(entity_id="u2"), detected(entity_id="u3"),
                                     now=later)
    assert new1.id not in (resolved.id, dismissed.id) and new2.id not in (resolved.id,
                                                                          dismissed.id)
    assert (new1.status, new1.detected_at, new2.status) == (AnomalyStatus.OPEN, later,
                                                            AnomalyStatus.OPEN)
    assert (same3.id, same3.status, same3.detected_at) == (acked.id,
                                                           AnomalyStatus.ACKNOWLEDGED, T0)
    assert len(await list_all(storage)) == 5


async def test_upsert_only_reuses_anomalies_detected_since(storage: Storage) -> None:
    yesterday = T0 - timedelta(days=1)
    [old] = await upsert(storage, detected(), since=yesterday - timedelta(hours=12),
                         now=yesterday)
    [new] = await upsert(storage, detected(message="today"), since=MIDNIGHT, now=T0)
    assert new.id != old.id
    assert (new.detected_at, new.message) == (T0, "today")
    assert (await get(storage, old.id)).message == "spend of u1 is 3.0x its baseline"
    [same] = await upsert(storage, detected(message="again"), since=T0,
                          now=T0 + timedelta(minutes=5))
    assert same.id == new.id  # detected exactly at since counts


# --- list, get, status ----------------------------------------------------------------------


async def seed_anomalies(storage: Storage) -> list[Anomaly]:
    stored: list[Anomaly] = []
    for hour, entity, severity, kind in [
        (1, "u1", Severity.HIGH, AnomalyType.ABSOLUTE_SPIKE),
        (2, "u2", Severity.LOW, AnomalyType.ABSOLUTE_SPIKE),
        (2, "u3", Severity.MEDIUM, AnomalyType.SUSTAINED_DRIFT),
        (2, "u4", Severity.HIGH, AnomalyType.SUSTAINED_DRIFT),
        (3, "u5", Severity.HIGH, AnomalyType.ABSOLUTE_SPIKE),
        (4, "chat.reply", Severity.MEDIUM, AnomalyType.ABSOLUTE_SPIKE),
        (5, "u7", Severity.LOW, AnomalyType.ABSOLUTE_SPIKE),
    ]:
        entity_type = "feature" if "." in entity else "user"
        stored += await upsert(storage, detected(entity_id=entity, entity_type=entity_type,
                                                 severity=severity, anomaly_type=kind),
                               now=at(10, hour))
    return stored


async def test_list_anomalies_pages_newest_first_without_loss_or_repeats(storage: Storage) -> None:
    stored = await seed_anomalies(storage)
    await upsert(storage, detected(tenant_id=OTHER_TENANT), now=at(10, 6))
    expected = [a.id for a in sorted(stored, key=lambda a: (a.detected_at, a.id), reverse=True)]

    async def fetch(cursor: str | None) -> Page[Anomaly]:
        return await read(storage, lambda uow: uow.anomaly_records.list_anomalies(
            TENANT, AnomalyFilter(), limit=3, cursor=cursor))

    pages = await collect_pages(fetch)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [a.id for page in pages for a in page] == expected


async def test_list_anomalies_filters(storage: Storage) -> None:
    stored = await seed_anomalies(storage)
    by_entity = {a.entity_id: a.id for a in stored}
    await set_status(storage, by_entity["u4"], AnomalyStatus.ACKNOWLEDGED, at(10, 6))

    async def entities(**filters: Any) -> list[str]:
        return [a.entity_id for a in await list_all(storage, AnomalyFilter(**filters))]

    assert await entities(severity=Severity.HIGH) == ["u5", "u4", "u1"]
    assert await entities(anomaly_type=AnomalyType.SUSTAINED_DRIFT) == sorted(
        ["u3", "u4"], key=lambda e: by_entity[e], reverse=True)
    assert await entities(status=AnomalyStatus.ACKNOWLEDGED) == ["u4"]
    assert await entities(entity_type="feature") == ["chat.reply"]
    assert await entities(entity_id="u2") == ["u2"]
    assert await entities(detected_since=at(10, 3), detected_before=at(10, 5)) == [
        "chat.reply", "u5"]
    assert await entities(severity=Severity.LOW, detected_since=at(10, 3)) == ["u7"]


async def test_get_anomaly_unknown_id_is_not_found(storage: Storage) -> None:
    await upsert(storage, detected())
    with pytest.raises(NotFound):
        await get(storage, "ca_0000000000000000")


async def test_status_moves_forward_and_stamps_timestamps(storage: Storage) -> None:
    [a] = await upsert(storage, detected())
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    acked = await set_status(storage, a.id, AnomalyStatus.ACKNOWLEDGED, t1)
    assert (acked.status, acked.acknowledged_at, acked.resolved_at) == (
        AnomalyStatus.ACKNOWLEDGED, t1, None)
    resolved = await set_status(storage, a.id, AnomalyStatus.RESOLVED, t2)
    assert (resolved.status, resolved.acknowledged_at, resolved.resolved_at,
            resolved.dismissed_at) == (AnomalyStatus.RESOLVED, t1, t2, None)
    assert await get(storage, a.id) == resolved


async def test_open_may_be_dismissed_directly(storage: Storage) -> None:
    [a] = await upsert(storage, detected())
    dismissed = await set_status(storage, a.id, AnomalyStatus.DISMISSED, at(11, 0))
    assert (dismissed.status, dismissed.dismissed_at, dismissed.acknowledged_at) == (
        AnomalyStatus.DISMISSED, at(11, 0), None)


@pytest.mark.parametrize("target", [AnomalyStatus.OPEN, AnomalyStatus.ACKNOWLEDGED,
                                    AnomalyStatus.DISMISSED])
async def test_resolved_cannot_move_anywhere_else(storage: Storage,
                                                  target: AnomalyStatus) -> None:
    [a] = await upsert(storage, detected())
    resolved = await set_status(storage, a.id, AnomalyStatus.RESOLVED, T0)
    with pytest.raises(Conflict):
        await set_status(storage, a.id, target, T0 + timedelta(hours=1))
    assert await get(storage, a.id) == resolved


async def test_acknowledged_cannot_reopen_and_same_status_is_a_no_op(storage: Storage) -> None:
    [a] = await upsert(storage, detected())
    acked = await set_status(storage, a.id, AnomalyStatus.ACKNOWLEDGED, T0)
    again = await set_status(storage, a.id, AnomalyStatus.ACKNOWLEDGED,
                             T0 + timedelta(hours=5))
    assert again == acked  # the first acknowledgement time is kept
    with pytest.raises(Conflict):
        await set_status(storage, a.id, AnomalyStatus.OPEN, T0 + timedelta(hours=6))
    assert (await get(storage, a.id)).status == AnomalyStatus.ACKNOWLEDGED


async def test_set_status_of_unknown_anomaly_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        await set_status(storage, "ca_ffffffffffffffff", AnomalyStatus.RESOLVED, T0)


# --- drivers and labels -----------------------------------------------------------------------


def _drivers() -> AnomalyDrivers:
    def row(value: str, cur: str, base: str, *, other: bool = False) -> Driver:
        delta = Decimal(cur) - Decimal(base)
        return Driver(value=value, delta_cents=delta, share=float(delta / 200),
                      current_cents=Decimal(cur), baseline_cents=Decimal(base), other=other)
    return AnomalyDrivers(delta_cents=Decimal(200), dimensions={
        "model": [row("o3", "250.000001", "50"), row("other", "49.999999", "50", other=True)],
        "retry": [row("retry", "300", "100")]})


async def test_drivers_are_stored_and_refreshed_with_the_anomaly(storage: Storage) -> None:
    drivers = _drivers()
    [a] = await upsert(storage, detected(drivers=drivers, metadata={"k": 1}))
    got = await get(storage, a.id)
    assert got.drivers == drivers and got.metadata == {"k": 1}
    [again] = await upsert(storage, detected(drivers=None), now=T0 + timedelta(hours=1))
    assert again.id == a.id and (await get(storage, a.id)).drivers is None


async def test_status_counts_are_the_labels_per_type(storage: Storage) -> None:
    rows = await upsert(
        storage, detected(entity_id="u1"), detected(entity_id="u2"), detected(entity_id="u3"),
        detected(anomaly_type=AnomalyType.SUSTAINED_DRIFT, entity_type="tenant",
                 entity_id=TENANT),
        detected(tenant_id=OTHER_TENANT))
    await set_status(storage, rows[0].id, AnomalyStatus.RESOLVED, T0)
    await set_status(storage, rows[1].id, AnomalyStatus.DISMISSED, T0)
    await set_status(storage, rows[3].id, AnomalyStatus.DISMISSED, T0)
    got = await read(storage, lambda uow: uow.anomaly_records.status_counts(TENANT))
    assert [(c.anomaly_type, c.status, c.count) for c in got] == [
        (AnomalyType.ABSOLUTE_SPIKE, AnomalyStatus.DISMISSED, 1),
        (AnomalyType.ABSOLUTE_SPIKE, AnomalyStatus.OPEN, 1),
        (AnomalyType.ABSOLUTE_SPIKE, AnomalyStatus.RESOLVED, 1),
        (AnomalyType.SUSTAINED_DRIFT, AnomalyStatus.DISMISSED, 1)]
    later = await read(storage, lambda uow: uow.anomaly_records.status_counts(
        TENANT, detected_since=T0 + timedelta(seconds=1)))
    assert later == []
