"""Contract: PatternFeedbackPort (natural-key upsert, listing, acknowledgement, stats)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from costsight.core.domain.patterns import (
    FeedbackFilter,
    FeedbackSeverity,
    NewPatternFeedback,
    PatternFeedback,
)
from costsight.core.errors import NotFound
from costsight.core.pagination import Page
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    collect_pages,
    feedback,
    in_uow,
    read,
    run_id,
)

OPEN_SINCE = T0 - timedelta(hours=24)


def nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def as_stored(item: PatternFeedback) -> dict[str, Any]:
    return item.model_dump(include=set(NewPatternFeedback.model_fields))


async def upsert(storage: Storage, *items: NewPatternFeedback, open_since: datetime = OPEN_SINCE,
                 now: datetime = T0) -> list[PatternFeedback]:
    return await in_uow(storage, lambda uow: uow.pattern_feedback.upsert_feedback(
        list(items), open_since=open_since, now=now))


async def acknowledge(storage: Storage, feedback_id: str, by: str | None, when: datetime,
                      tenant: str = TENANT) -> PatternFeedback:
    return await in_uow(storage, lambda uow: uow.pattern_feedback.acknowledge_feedback(
        tenant, feedback_id, by=by, at=when))


async def get(storage: Storage, feedback_id: str, tenant: str = TENANT) -> PatternFeedback:
    return await read(storage, lambda uow: uow.pattern_feedback.get_feedback(tenant, feedback_id))


# --- feedback -------------------------------------------------------------------------------


async def test_upsert_feedback_inserts_rows_in_input_order(storage: Storage) -> None:
    items = [feedback("sig-b"), feedback("cost_spike_worker-a", pattern_type="cost_spike",
                                         threshold_used="spike_threshold=50.0%")]
    stored = await upsert(storage, *items)
    assert [as_stored(s) for s in stored] == [i.model_dump() for i in items]
    for s in stored:
        assert str(uuid.UUID(s.id)) == s.id
        assert (s.detected_at, s.last_seen_at, s.acknowledged) == (T0, T0, False)
    assert await get(storage, stored[0].id) == stored[0]


async def test_upsert_feedback_same_key_updates_the_open_row(storage: Storage) -> None:
    [first] = await upsert(storage, feedback("sig-1"))
    later = T0 + timedelta(hours=2)
    changed = feedback("sig-1", description="seen again", severity=FeedbackSeverity.CRITICAL,
                       provenance=[run_id(n) for n in range(1, 6)], occurrence_count=5,
                       time_window_minutes=60, threshold_used="threshold=4",
                       metadata={"sample": "other"})
    [second] = await upsert(storage, changed, open_since=later - timedelta(hours=24),
                            now=later)
    assert second.id == first.id
    assert as_stored(second) == changed.model_dump()
    assert (second.detected_at, second.last_seen_at) == (T0, later)
    assert await get(storage, first.id) == second


async def test_upsert_feedback_does_not_reuse_an_acknowledged_row(storage: Storage) -> None:
    [acked] = await upsert(storage, feedback("sig-acked"))
    await acknowledge(storage, acked.id, "ops", T0)
    later = T0 + timedelta(hours=3)
    [again] = await upsert(storage, feedback("sig-acked", occurrence_count=9), now=later)
    assert again.id != acked.id
    assert (again.detected_at, again.acknowledged, again.occurrence_count) == (later, False, 9)
    old = await get(storage, acked.id)
    assert (old.acknowledged, old.last_seen_at, old.occurrence_count) == (True, T0, 3)


async def test_upsert_feedback_opens_a_new_row_outside_the_open_window(storage: Storage) -> None:
    [stale] = await upsert(storage, feedback("sig-stale"))
    later = T0 + timedelta(hours=3)
    again = await upsert(storage, feedback("sig-stale"),
                         feedback("sig-stale", pattern_type="cost_spike"),
                         open_since=T0 + timedelta(seconds=1), now=later)
    assert len({stale.id, *(a.id for a in again)}) == 3
    assert [(a.pattern_type, a.detected_at) for a in again] == [
        ("failure_pattern", later), ("cost_spike", later)]
    assert (await get(storage, stale.id)).last_seen_at == T0


async def test_feedback_last_seen_exactly_at_open_since_is_reused(storage: Storage) -> None:
    [first] = await upsert(storage, feedback("sig-1"))
    [second] = await upsert(storage, feedback("sig-1", occurrence_count=4), open_since=T0,
                            now=T0 + timedelta(hours=1))
    assert (second.id, second.occurrence_count) == (first.id, 4)


async def test_list_feedback_filters_and_pages(storage: Storage) -> None:
    stored: list[PatternFeedback] = []
    for hour, sig, kind, severity in [
        (1, "s1", "failure_pattern", FeedbackSeverity.WARNING),
        (2, "s2", "cost_spike", FeedbackSeverity.WARNING),
        (2, "s3", "failure_pattern", FeedbackSeverity.CRITICAL),
        (3, "s4", "failure_pattern", FeedbackSeverity.INFO),
        (4, "s5", "cost_spike", FeedbackSeverity.CRITICAL),
    ]:
        stored += await upsert(storage, feedback(sig, pattern_type=kind, severity=severity),
                               now=at(10, hour))
    await acknowledge(storage, stored[0].id, "ops", at(10, 5))
    await upsert(storage, feedback("theirs", tenant_id=OTHER_TENANT), now=at(10, 6))
    expected = [f.id for f in sorted(stored, key=lambda f: (f.detected_at, f.id), reverse=True)]

    async def fetch(cursor: str | None) -> Page[PatternFeedback]:
        return await read(storage, lambda uow: uow.pattern_feedback.list_feedback(
            TENANT, FeedbackFilter(), limit=2, cursor=cursor))

    pages = await collect_pages(fetch)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [f.id for page in pages for f in page] == expected

    async def signatures(**filters: Any) -> list[str]:
        page = await read(storage, lambda uow: uow.pattern_feedback.list_feedback(
            TENANT, FeedbackFilter(**filters), limit=50))
        return [f.signature for f in page.items]

    assert await signatures(pattern_type="cost_spike") == ["s5", "s2"]
    assert await signatures(severity=FeedbackSeverity.CRITICAL) == ["s5", "s3"]
    assert await signatures(acknowledged=True) == ["s1"]
    assert await signatures(acknowledged=False, pattern_type="failure_pattern") == ["s4", "s3"]


async def test_get_feedback_unknown_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        await get(storage, str(uuid.UUID(int=42)))


async def test_acknowledge_is_idempotent(storage: Storage) -> None:
    [item] = await upsert(storage, feedback("sig-1"))
    first = await acknowledge(storage, item.id, "alice", T0 + timedelta(hours=1))
    assert (first.acknowledged, first.acknowledged_by, first.acknowledged_at) == (
        True, "alice", T0 + timedelta(hours=1))
    second = await acknowledge(storage, item.id, "bob", T0 + timedelta(hours=2))
    assert second == first
    assert await get(storage, item.id) == first


async def test_acknowledge_unknown_feedback_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        await acknowledge(storage, str(uuid.UUID(int=7)), "alice", T0)


async def test_feedback_stats_count_every_row_of_the_tenant(storage: Storage) -> None:
    stored = await upsert(
        storage,
        feedback("s1"), feedback("s2", severity=FeedbackSeverity.CRITICAL),
        feedback("s3", pattern_type="cost_spike"), feedback("s4", pattern_type="cost_spike",
                                                            severity=FeedbackSeverity.INFO),
        feedback("s5", tenant_id=OTHER_TENANT))
    await acknowledge(storage, stored[1].id, None, T0)
    stats = await read(storage, lambda uow: uow.pattern_feedback.feedback_stats(TENANT))
    assert (stats.total, stats.acknowledged, stats.unacknowledged) == (4, 1, 3)
    assert nonzero(stats.by_type) == {"failure_pattern": 2, "cost_spike": 2}
    assert nonzero(stats.by_severity) == {"warning": 2, "critical": 1, "info": 1}


async def test_feedback_stats_of_an_empty_tenant_are_zero(storage: Storage) -> None:
    await upsert(storage, feedback("s1", tenant_id=OTHER_TENANT))
    stats = await read(storage, lambda uow: uow.pattern_feedback.feedback_stats(TENANT))
    assert (stats.total, stats.acknowledged, stats.unacknowledged) == (0, 0, 0)
    assert nonzero(stats.by_type) == nonzero(stats.by_severity) == {}
