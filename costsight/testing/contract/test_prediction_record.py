"""Contract: PredictionRecordPort (advisory predictions: upsert with expiry, list, get, stats)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from costsight.core.domain.predictions import NewPrediction, Prediction, PredictionFilter
from costsight.core.errors import NotFound
from costsight.core.pagination import Page
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    collect_pages,
    in_uow,
    prediction,
    read,
)

H24 = timedelta(hours=24)


def nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def as_stored(item: Prediction) -> dict[str, Any]:
    return item.model_dump(include=set(NewPrediction.model_fields))


async def upsert(storage: Storage, *items: NewPrediction,
                 now: datetime = T0) -> list[Prediction]:
    return await in_uow(storage, lambda uow: uow.prediction_records.upsert_predictions(
        list(items), now=now))


async def list_ids(storage: Storage, filters: PredictionFilter | None = None, *,
                   now: datetime = T0, tenant: str = TENANT) -> list[str]:
    page = await read(storage, lambda uow: uow.prediction_records.list_predictions(
        tenant, filters or PredictionFilter(), now=now, limit=500))
    return [p.id for p in page.items]


# --- predictions ----------------------------------------------------------------------------


async def test_upsert_predictions_inserts_advisory_rows_in_order(storage: Storage) -> None:
    items = [prediction("worker-b"),
             prediction("worker-a", prediction_type="cost_overrun", confidence_score=0.95,
                        prediction_value={"projected_cost_cents": 123.5, "overrun_pct": 95.0},
                        notes="ADVISORY: This is a projection based on trends.")]
    stored = await upsert(storage, *items)
    assert [as_stored(p) for p in stored] == [i.model_dump() for i in items]
    for p in stored:
        assert str(uuid.UUID(p.id)) == p.id
        assert (p.created_at, p.updated_at, p.is_advisory) == (T0, T0, True)
    got = await read(storage, lambda uow: uow.prediction_records.get_prediction(TENANT, stored[1].id))
    assert got == stored[1]


async def test_upsert_updates_the_unexpired_prediction(storage: Storage) -> None:
    [first] = await upsert(storage, prediction())
    later = T0 + timedelta(hours=6)
    changed = prediction(confidence_score=0.8, prediction_value={"failure_rate": 0.533},
                         contributing_factors=[{"type": "recent_failures", "value": 8}],
                         notes="changed", expires_at=later + H24)
    [second] = await upsert(storage, changed, now=later)
    assert second.id == first.id
    assert as_stored(second) == changed.model_dump()
    assert (second.created_at, second.updated_at) == (T0, later)
    assert await list_ids(storage, now=later) == [first.id]


async def test_upsert_after_expiry_creates_a_new_row(storage: Storage) -> None:
    [first] = await upsert(storage, prediction(expires_at=T0 + H24))
    expiry = T0 + H24
    [second] = await upsert(storage, prediction(expires_at=expiry + H24), now=expiry)
    assert second.id != first.id
    assert (second.created_at, second.updated_at) == (expiry, expiry)
    assert await list_ids(storage, PredictionFilter(include_expired=True), now=expiry) == [
        second.id, first.id]


async def test_natural_key_includes_type_and_subject(storage: Storage) -> None:
    stored = await upsert(storage, prediction("worker-a"),
                          prediction("worker-a", prediction_type="cost_overrun"),
                          prediction("worker-a", subject_type="tenant"),
                          prediction("worker-b"))
    assert len({p.id for p in stored}) == 4


async def test_list_predictions_hides_expired_unless_asked(storage: Storage) -> None:
    [expired] = await upsert(storage, prediction("old", expires_at=T0 - timedelta(hours=1)),
                             now=T0 - timedelta(hours=2))
    [edge] = await upsert(storage, prediction("edge", expires_at=T0),
                          now=T0 - timedelta(hours=1))
    [live] = await upsert(storage, prediction("live", expires_at=T0 + timedelta(seconds=1)))
    assert await list_ids(storage) == [live.id]
    assert await list_ids(storage, PredictionFilter(include_expired=True)) == [
        live.id, edge.id, expired.id]
    got = await read(storage, lambda uow: uow.prediction_records.get_prediction(TENANT, expired.id))
    assert got == expired


async def test_list_predictions_filters_and_pages(storage: Storage) -> None:
    stored = []
    for hour, subject, kind, subject_type in [
        (1, "w1", "failure_likelihood", "worker"),
        (2, "w2", "cost_overrun", "worker"),
        (2, "w3", "failure_likelihood", "worker"),
        (3, "r1", "failure_likelihood", "run"),
        (4, "w1", "cost_overrun", "worker"),
    ]:
        stored += await upsert(storage, prediction(subject, prediction_type=kind,
                                                   subject_type=subject_type,
                                                   expires_at=at(11, 0)),
                               now=at(10, hour))
    await upsert(storage, prediction("w1", tenant_id=OTHER_TENANT), now=at(10, 5))
    now = at(10, 6)
    expected = [p.id for p in sorted(stored, key=lambda p: (p.created_at, p.id), reverse=True)]

    async def fetch(cursor: str | None) -> Page[Prediction]:
        return await read(storage, lambda uow: uow.prediction_records.list_predictions(
            TENANT, PredictionFilter(), now=now, limit=2, cursor=cursor))

    pages = await collect_pages(fetch)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [p.id for page in pages for p in page] == expected

    async def keys(**filters: Any) -> list[tuple[str, str]]:
        page = await read(storage, lambda uow: uow.prediction_records.list_predictions(
            TENANT, PredictionFilter(**filters), now=now, limit=50))
        return [(p.subject_id, p.prediction_type) for p in page.items]

    assert await keys(prediction_type="cost_overrun") == [("w1", "cost_overrun"),
                                                          ("w2", "cost_overrun")]
    assert await keys(subject_type="run") == [("r1", "failure_likelihood")]
    assert await keys(subject_id="w1") == [("w1", "cost_overrun"),
                                           ("w1", "failure_likelihood")]


async def test_get_prediction_of_another_tenant_is_not_found(storage: Storage) -> None:
    [theirs] = await upsert(storage, prediction(tenant_id=OTHER_TENANT))
    with pytest.raises(NotFound):
        await read(storage, lambda uow: uow.prediction_records.get_prediction(TENANT, theirs.id))


async def test_prediction_stats(storage: Storage) -> None:
    await upsert(storage, prediction("expired", confidence_score=0.95,
                                     expires_at=T0 - timedelta(minutes=1)),
                 now=T0 - timedelta(hours=1))
    await upsert(storage,
                 prediction("w1", confidence_score=0.5),
                 prediction("w2", confidence_score=0.7),            # not > 0.7
                 prediction("w3", confidence_score=0.71, prediction_type="cost_overrun"),
                 prediction("w4", confidence_score=0.9, subject_type="tenant"),
                 prediction("w5", confidence_score=0.123),
                 prediction("w6", confidence_score=0.99, tenant_id=OTHER_TENANT))
    live = await read(storage, lambda uow: uow.prediction_records.prediction_stats(
        TENANT, include_expired=False, now=T0))
    assert (live.total, live.avg_confidence, live.high_confidence_count,
            live.all_advisory) == (5, 0.587, 2, True)
    assert nonzero(live.by_type) == {"failure_likelihood": 4, "cost_overrun": 1}
    assert nonzero(live.by_subject_type) == {"worker": 4, "tenant": 1}
    every = await read(storage, lambda uow: uow.prediction_records.prediction_stats(
        TENANT, include_expired=True, now=T0))
    assert (every.total, every.avg_confidence, every.high_confidence_count) == (6, 0.647, 3)


async def test_prediction_stats_of_an_empty_tenant(storage: Storage) -> None:
    await upsert(storage, prediction(tenant_id=OTHER_TENANT))
    stats = await read(storage, lambda uow: uow.prediction_records.prediction_stats(
        TENANT, include_expired=True, now=T0))
    assert (stats.total, stats.avg_confidence, stats.high_confidence_count) == (0, 0.0, 0)
    assert nonzero(stats.by_type) == {}
