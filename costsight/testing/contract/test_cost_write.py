"""Contract: CostWritePort (idempotent records, tag normalisation, tags, budgets, worker runs)."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pydantic
import pytest

from costsight.core.domain.costs import (
    BudgetType,
    FeatureTagUpdate,
    RunStatus,
    UpsertResult,
    WorkerRun,
)
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.errors import Conflict, NotFound
from costsight.core.ids import BUDGET, COST_RECORD, FEATURE_TAG, is_id
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    budget,
    completed_run,
    cost,
    create_tags,
    feature_tag,
    in_uow,
    read,
    record,
    upsert_budgets,
    upsert_runs,
    window,
    worker_run,
)

DAY = window(at(10, 0), at(11, 0))


async def spend_of(storage: Storage, tenant: str = TENANT) -> tuple[Decimal, int]:
    """Total (spend, requests) of the tenant on the reference day."""
    buckets = await read(storage, lambda uow: uow.analytics.cost_spend(
        tenant, DAY, Resolution.DAY))
    assert len(buckets) == 1
    return buckets[0].spend_cents, buckets[0].requests


async def features_of(storage: Storage) -> dict[str, int]:
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, DAY, Dimension.FEATURE))
    return {r.key: r.requests for r in got}


async def runs_of(storage: Storage, tenant: str = TENANT) -> list[WorkerRun]:
    """Every completed run with cost of the tenant on the reference day (via the patterns port)."""
    return await read(storage, lambda uow: uow.patterns.recent_cost_runs(
        tenant, at(1, 0), at(31, 0), 100))


# --- cost records ---------------------------------------------------------------------------


async def test_record_costs_returns_new_cr_ids(storage: Storage) -> None:
    result = await record(storage, cost(cost_cents=Decimal("1.25")),
                          cost(cost_cents=Decimal("2.5")))
    assert result.inserted == 2
    assert len(set(result.inserted_ids)) == 2
    assert all(is_id(i, COST_RECORD) for i in result.inserted_ids)
    assert result.duplicate_request_ids == []
    assert await spend_of(storage) == (Decimal("3.75"), 2)


async def test_cost_record_ids_made_later_sort_after(storage: Storage) -> None:
    earlier = await record(storage, *[cost(request_id=f"a{i}") for i in range(50)])
    later = await record(storage, *[cost(request_id=f"b{i}") for i in range(50)])
    assert max(earlier.inserted_ids) < min(later.inserted_ids)


async def test_record_is_idempotent_by_request_id(storage: Storage) -> None:
    first = await record(storage, cost(request_id="req-1", cost_cents=Decimal("4.2")))
    second = await record(storage, cost(request_id="req-1", cost_cents=Decimal("4.2")),
                          cost(request_id="req-2", cost_cents=Decimal("1")))
    assert first.inserted == 1
    assert second.duplicate_request_ids == ["req-1"]
    assert second.inserted == 1
    assert await spend_of(storage) == (Decimal("5.2"), 2)


async def test_duplicate_inside_one_batch_is_stored_once(storage: Storage) -> None:
    result = await record(storage,
                          cost(request_id="req-x", cost_cents=Decimal("3")),
                          cost(request_id="req-y", cost_cents=Decimal("0.5")),
                          cost(request_id="req-x", cost_cents=Decimal("3")))
    assert result.inserted == 2
    assert result.duplicate_request_ids == ["req-x"]
    assert await spend_of(storage) == (Decimal("3.5"), 2)


async def test_records_without_request_id_are_always_stored(storage: Storage) -> None:
    same = cost(request_id=None, cost_cents=Decimal("1.1"))
    first = await record(storage, same, same)
    second = await record(storage, same)
    assert (first.inserted, second.inserted) == (2, 1)
    assert first.duplicate_request_ids == second.duplicate_request_ids == []
    assert await spend_of(storage) == (Decimal("3.3"), 3)


async def test_same_request_id_in_two_tenants_is_stored_for_both(storage: Storage) -> None:
    result = await record(storage,
                          cost(request_id="shared", cost_cents=Decimal("2")),
                          cost(request_id="shared", tenant_id=OTHER_TENANT,
                               cost_cents=Decimal("5")))
    assert result.inserted == 2
    assert result.duplicate_request_ids == []
    assert await spend_of(storage, TENANT) == (Decimal("2"), 1)
    assert await spend_of(storage, OTHER_TENANT) == (Decimal("5"), 1)


async def test_concurrent_retries_of_one_request_are_stored_once(storage: Storage) -> None:
    first_wrote = anyio.Event()

    async def ingest(first: bool) -> None:
        async with storage.unit_of_work() as uow:
            if not first:
                await first_wrote.wait()
            await uow.costs.record_costs([cost(request_id="req-r", cost_cents=Decimal("2"))])
            if first:
                first_wrote.set()
                await anyio.sleep(0.2)  # the retry arrives while this unit is still open
            await uow.commit()

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ingest, True)
            tg.start_soon(ingest, False)
    assert await spend_of(storage) == (Decimal(2), 1)


async def test_empty_batch_is_a_no_op(storage: Storage) -> None:
    result = await record(storage)
    assert (result.inserted_ids, result.duplicate_request_ids) == ([], [])
    assert await spend_of(storage) == (Decimal(0), 0)


async def test_unknown_inactive_and_foreign_tags_become_unclassified(storage: Storage) -> None:
    await create_tags(storage,
                      feature_tag("chat.reply"),
                      feature_tag("old.feature", is_active=False),
                      feature_tag("theirs.only", tenant_id=OTHER_TENANT))
    await record(storage,
                 cost(feature_tag="chat.reply"),
                 cost(feature_tag="never.seen"),
                 cost(feature_tag="old.feature"),
                 cost(feature_tag="theirs.only"),
                 cost(feature_tag="unclassified"),
                 cost(feature_tag=None))
    assert await features_of(storage) == {"chat.reply": 1, "unclassified": 4, "untagged": 1}


async def test_tag_deactivated_later_classifies_new_records_only(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"))
    await record(storage, cost(feature_tag="chat.reply"))
    await in_uow(storage, lambda uow: uow.costs.update_feature_tag(
        TENANT, "chat.reply", FeatureTagUpdate(is_active=False)))
    await record(storage, cost(feature_tag="chat.reply"))
    assert await features_of(storage) == {"chat.reply": 1, "unclassified": 1}


# --- feature tags ---------------------------------------------------------------------------


async def test_create_feature_tag_and_get_it_back(storage: Storage) -> None:
    [created] = await create_tags(storage, feature_tag(
        "chat.reply", display_name="Chat replies", description="support bot",
        budget_cents=Decimal("1500.5")))
    assert is_id(created.id, FEATURE_TAG)
    got = await read(storage, lambda uow: uow.costs.get_feature_tag(TENANT, "chat.reply"))
    assert got == created
    assert (got.display_name, got.description, got.budget_cents, got.is_active) == (
        "Chat replies", "support bot", Decimal("1500.5"), True)
    assert await read(storage, lambda uow: uow.costs.get_feature_tag(TENANT, "no.such")) is None
    assert await read(storage, lambda uow: uow.costs.get_feature_tag(
        OTHER_TENANT, "chat.reply")) is None


async def test_duplicate_feature_tag_conflicts_but_other_tenant_may_reuse(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"))
    with pytest.raises(Conflict):
        await create_tags(storage, feature_tag("chat.reply", display_name="again"))
    [theirs] = await create_tags(storage, feature_tag("chat.reply", tenant_id=OTHER_TENANT))
    assert theirs.tenant_id == OTHER_TENANT
    tags = await read(storage, lambda uow: uow.costs.list_feature_tags(TENANT))
    assert [(t.tag, t.display_name) for t in tags] == [("chat.reply", "Tag chat.reply")]


def test_feature_tag_without_dot_is_rejected_at_construction() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        feature_tag("nodot")
    assert info.value.errors()[0]["loc"] == ("tag",)


async def test_update_feature_tag_applies_only_set_fields(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply", description="old",
                                           budget_cents=Decimal(500)))
    updated = await in_uow(storage, lambda uow: uow.costs.update_feature_tag(
        TENANT, "chat.reply", FeatureTagUpdate(display_name="Renamed", description=None)))
    assert (updated.display_name, updated.description, updated.budget_cents,
            updated.is_active) == ("Renamed", None, Decimal(500), True)
    cleared = await in_uow(storage, lambda uow: uow.costs.update_feature_tag(
        TENANT, "chat.reply", FeatureTagUpdate(budget_cents=None)))
    assert (cleared.display_name, cleared.budget_cents) == ("Renamed", None)
    updated = cleared
    stored = await read(storage, lambda uow: uow.costs.get_feature_tag(TENANT, "chat.reply"))
    assert stored == updated


async def test_update_unknown_feature_tag_is_not_found(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply", tenant_id=OTHER_TENANT))
    with pytest.raises(NotFound):
        await in_uow(storage, lambda uow: uow.costs.update_feature_tag(
            TENANT, "chat.reply", FeatureTagUpdate(display_name="x")))


async def test_list_feature_tags_ordered_and_inactive_filter(storage: Storage) -> None:
    await create_tags(storage, feature_tag("zeta.z"), feature_tag("alpha.a", is_active=False),
                      feature_tag("mid.m"))
    every = await read(storage, lambda uow: uow.costs.list_feature_tags(TENANT))
    active = await read(storage, lambda uow: uow.costs.list_feature_tags(
        TENANT, include_inactive=False))
    assert [t.tag for t in every] == ["alpha.a", "mid.m", "zeta.z"]
    assert [t.tag for t in active] == ["mid.m", "zeta.z"]


# --- budgets --------------------------------------------------------------------------------


async def test_create_budget_with_defaults(storage: Storage) -> None:
    [created] = await upsert_budgets(storage, budget(BudgetType.USER, "u1",
                                                     daily_limit_cents=Decimal("250.5")))
    assert is_id(created.id, BUDGET)
    assert (created.budget_type, created.entity_id, created.daily_limit_cents,
            created.monthly_limit_cents, created.warn_threshold_pct,
            created.hard_limit_enabled, created.is_active) == (
        BudgetType.USER, "u1", Decimal("250.5"), None, 80, False, True)
    assert await read(storage, lambda uow: uow.costs.list_budgets(TENANT)) == [created]


async def test_budget_update_keeps_unset_fields(storage: Storage) -> None:
    [first] = await upsert_budgets(storage, budget(
        BudgetType.FEATURE, "chat.reply", daily_limit_cents=Decimal(100),
        monthly_limit_cents=Decimal(2000), warn_threshold_pct=70, hard_limit_enabled=True))
    [second] = await upsert_budgets(storage, budget(
        BudgetType.FEATURE, "chat.reply", monthly_limit_cents=Decimal(3000)))
    assert second.id == first.id
    assert (second.daily_limit_cents, second.monthly_limit_cents, second.warn_threshold_pct,
            second.hard_limit_enabled) == (Decimal(100), Decimal(3000), 70, True)
    assert await read(storage, lambda uow: uow.costs.list_budgets(TENANT)) == [second]


async def test_budget_explicit_none_clears_a_limit(storage: Storage) -> None:
    await upsert_budgets(storage, budget(daily_limit_cents=Decimal(100),
                                         monthly_limit_cents=Decimal(2000)))
    [cleared] = await upsert_budgets(storage, budget(daily_limit_cents=None))
    assert (cleared.daily_limit_cents, cleared.monthly_limit_cents) == (None, Decimal(2000))


async def test_budget_upsert_reactivates_an_inactive_budget(storage: Storage) -> None:
    [created] = await upsert_budgets(storage, budget(BudgetType.USER, "u1",
                                                     daily_limit_cents=Decimal(100)))
    [inactive] = await upsert_budgets(storage, budget(BudgetType.USER, "u1", is_active=False))
    assert inactive.is_active is False
    assert await read(storage, lambda uow: uow.costs.list_budgets(TENANT, active_only=True)) == []
    [again] = await upsert_budgets(storage, budget(BudgetType.USER, "u1", is_active=True))
    assert (again.id, again.is_active, again.daily_limit_cents) == (created.id, True,
                                                                    Decimal(100))
    active = await read(storage, lambda uow: uow.costs.list_budgets(TENANT, active_only=True))
    assert [b.id for b in active] == [created.id]


async def test_tenant_budget_is_unique_per_tenant(storage: Storage) -> None:
    await upsert_budgets(storage, budget(daily_limit_cents=Decimal(10)))
    await upsert_budgets(storage, budget(monthly_limit_cents=Decimal(300)))
    await upsert_budgets(storage, budget(tenant_id=OTHER_TENANT, daily_limit_cents=Decimal(1)))
    mine = await read(storage, lambda uow: uow.costs.list_budgets(TENANT))
    assert [(b.budget_type, b.entity_id, b.daily_limit_cents, b.monthly_limit_cents)
            for b in mine] == [(BudgetType.TENANT, "", Decimal(10), Decimal(300))]


async def test_list_budgets_ordered_by_type_then_entity(storage: Storage) -> None:
    await upsert_budgets(storage,
                         budget(BudgetType.USER, "u2"),
                         budget(BudgetType.TENANT),
                         budget(BudgetType.USER, "u1", is_active=False),
                         budget(BudgetType.FEATURE, "z.feature"),
                         budget(BudgetType.FEATURE, "a.feature"))
    every = await read(storage, lambda uow: uow.costs.list_budgets(TENANT))
    assert [(b.budget_type.value, b.entity_id) for b in every] == [
        ("feature", "a.feature"), ("feature", "z.feature"), ("tenant", ""),
        ("user", "u1"), ("user", "u2")]
    active = await read(storage, lambda uow: uow.costs.list_budgets(TENANT, active_only=True))
    assert [b.entity_id for b in active] == ["a.feature", "z.feature", "", "u2"]


# --- worker runs ----------------------------------------------------------------------------


async def test_worker_runs_insert_then_progress(storage: Storage) -> None:
    inserted = await upsert_runs(storage, worker_run(1), worker_run(2))
    assert inserted == UpsertResult(inserted=2, updated=0, unchanged=0)
    running = worker_run(1, status=RunStatus.RUNNING, started_at=at(10, 12, 1))
    progressed = await upsert_runs(storage, running, worker_run(2))
    assert progressed == UpsertResult(inserted=0, updated=1, unchanged=1)
    done = completed_run(1, cost_cents="12.5", created_at=at(10, 12))
    assert await upsert_runs(storage, done) == UpsertResult(updated=1)
    assert await runs_of(storage) == [done]


async def test_terminal_run_rejects_a_conflicting_update_and_writes_nothing(
        storage: Storage) -> None:
    done = completed_run(1, cost_cents="12.5")
    await upsert_runs(storage, done)

    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost(cost_cents=Decimal("7"))])
        with pytest.raises(Conflict):
            await uow.costs.upsert_worker_runs(
                [completed_run(2, cost_cents="3"), completed_run(1, cost_cents="99")])
        await uow.commit()
    assert await runs_of(storage) == [done]  # run 2 of the rejected batch is absent
    assert await spend_of(storage) == (Decimal("7"), 1)  # the unit's other write survived


async def test_identical_replay_of_a_terminal_run_is_unchanged(storage: Storage) -> None:
    done = completed_run(1, cost_cents="12.5", total_tokens=400)
    await upsert_runs(storage, done)
    assert await upsert_runs(storage, done) == UpsertResult(unchanged=1)
    assert await runs_of(storage) == [done]


async def test_run_id_of_another_tenant_conflicts(storage: Storage) -> None:
    await upsert_runs(storage, worker_run(1, tenant_id=OTHER_TENANT))
    with pytest.raises(Conflict):
        await upsert_runs(storage, worker_run(1, status=RunStatus.RUNNING,
                                              started_at=at(10, 12, 5)))
    assert await runs_of(storage, TENANT) == []
    totals = await read(storage, lambda uow: uow.predictions.worker_run_totals(
        OTHER_TENANT, at(1, 0), at(31, 0)))
    assert [(t.worker_id, t.total_runs) for t in totals] == [("worker-a", 1)]
