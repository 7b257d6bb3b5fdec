"""Contract: AuditPort (validated, append-only, savepoint-guarded, replayable, listable)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic
import pytest

from costsight.core.domain.audit import (
    AuditDecision,
    AuditFilter,
    AuditRecord,
    EnvelopeClass,
    StoredAuditRecord,
)
from costsight.core.domain.statistics import Resolution
from costsight.core.pagination import Page
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    audit,
    collect_pages,
    cost,
    in_uow,
    read,
    window,
)


def stored_fields(record: StoredAuditRecord) -> dict[str, Any]:
    return record.model_dump(include=set(AuditRecord.model_fields))


async def append(storage: Storage, *records: AuditRecord, emit: bool = True) -> list[bool]:
    async def action(uow: UnitOfWork) -> list[bool]:
        return [await uow.audit.append(r, emit=emit) for r in records]

    return await in_uow(storage, action)


async def list_all(storage: Storage, filters: AuditFilter | None = None,
                   tenant: str = TENANT) -> list[StoredAuditRecord]:
    page = await read(storage, lambda uow: uow.audit.list_records(
        tenant, filters or AuditFilter(), limit=500))
    return page.items


async def spend(storage: Storage) -> tuple[Decimal, int]:
    [bucket] = await read(storage, lambda uow: uow.analytics.cost_spend(
        TENANT, window(at(10, 0), at(11, 0)), Resolution.DAY))
    return bucket.spend_cents, bucket.requests


def test_lowercase_class_and_decision_are_normalised() -> None:
    record = audit("a-1", envelope_class="reliability", decision="preempted")
    assert (record.envelope_class, record.decision) == (EnvelopeClass.RELIABILITY,
                                                        AuditDecision.PREEMPTED)
    lowercase = AuditFilter.model_validate({"decision": "rejected", "envelope_class": "safety"})
    assert lowercase.decision is AuditDecision.REJECTED


@pytest.mark.parametrize(("field", "value"), [("envelope_class", "BUDGET"),
                                              ("decision", "maybe")])
def test_unknown_class_or_decision_is_rejected_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        audit("a-1", **{field: value})
    assert [e["loc"] for e in info.value.errors()] == [(field,)]


async def test_append_stores_the_normalised_record(storage: Storage) -> None:
    record = audit("a-1", envelope_class="cost", decision="preempted",
                   conflicting_envelope_id="env-0", preempting_envelope_id="env-9",
                   active_envelopes_count=3)
    assert await append(storage, record) == [True]
    [stored] = await list_all(storage)
    assert stored_fields(stored) == record.model_dump()
    assert (stored.envelope_class.value, stored.decision.value) == ("COST", "PREEMPTED")
    assert stored.created_at.utcoffset() is not None
    filtered = await list_all(storage, AuditFilter.model_validate({"decision": "preempted"}))
    assert [r.audit_id for r in filtered] == ["a-1"]


async def test_duplicate_audit_id_returns_false_and_business_writes_survive(
        storage: Storage) -> None:
    await append(storage, audit("a-0"))
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost(cost_cents=Decimal("2.5"))])
        assert await uow.audit.append(audit("a-1")) is True
        assert await uow.audit.append(audit("a-1", reason="again")) is False
        assert await uow.audit.append(audit("a-0", reason="stored before")) is False
        await uow.costs.record_costs([cost(cost_cents=Decimal("0.5"))])
        await uow.commit()
    assert await spend(storage) == (Decimal(3), 2)
    stored = await list_all(storage)
    assert sorted((r.audit_id, r.reason) for r in stored) == [
        ("a-0", "Applied successfully, preempted 0 envelope(s)"),
        ("a-1", "Applied successfully, preempted 0 envelope(s)")]


async def test_replay_mode_writes_nothing(storage: Storage) -> None:
    assert await append(storage, audit("a-1"), audit("a-2"), emit=False) == [True, True]
    assert await list_all(storage) == []
    assert await append(storage, audit("a-1")) == [True]  # the id was never taken


async def test_list_records_pages_newest_decision_first(storage: Storage) -> None:
    records = [audit(f"a-{n}", decision_timestamp=at(10, hour))
               for n, hour in [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5)]]
    await append(storage, *records)
    await append(storage, audit("b-1", tenant_id=OTHER_TENANT, decision_timestamp=at(10, 9)))

    async def fetch(cursor: str | None) -> Page[StoredAuditRecord]:
        return await read(storage, lambda uow: uow.audit.list_records(
            TENANT, AuditFilter(), limit=3, cursor=cursor))

    pages = await collect_pages(fetch)
    assert [[r.audit_id for r in page] for page in pages] == [
        ["a-7", "a-6", "a-5"], ["a-4", "a-3", "a-2"], ["a-1"]]


async def test_list_records_filters(storage: Storage) -> None:
    await append(
        storage,
        audit("a-1", envelope_id="env-1", envelope_class="SAFETY", decision="APPLIED",
              decision_timestamp=at(10, 1)),
        audit("a-2", envelope_id="env-2", envelope_class="COST", decision="REJECTED",
              decision_timestamp=at(10, 2)),
        audit("a-3", envelope_id="env-1", envelope_class="COST", decision="PREEMPTED",
              decision_timestamp=at(10, 3)),
        audit("a-4", envelope_id="env-3", envelope_class="PERFORMANCE", decision="APPLIED",
              decision_timestamp=at(10, 4)),
        audit("b-1", envelope_id="env-1", tenant_id=OTHER_TENANT, decision_timestamp=at(10, 2)),
    )

    async def audit_ids(**filters: Any) -> list[str]:
        return [r.audit_id for r in await list_all(storage, AuditFilter(**filters))]

    assert await audit_ids(envelope_id="env-1") == ["a-3", "a-1"]
    assert await audit_ids(decision=AuditDecision.APPLIED) == ["a-4", "a-1"]
    assert await audit_ids(envelope_class="cost") == ["a-3", "a-2"]
    assert await audit_ids(start=at(10, 2), end=at(10, 4)) == ["a-3", "a-2"]
    assert await audit_ids(envelope_class="COST", decision="REJECTED") == ["a-2"]
    assert await audit_ids(envelope_id="env-9") == []
