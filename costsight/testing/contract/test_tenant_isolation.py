"""Contract: every read of every port for one tenant shows that tenant's data only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import AnomalyFilter, AnomalyStatus
from costsight.core.domain.costs import FeatureTagUpdate
from costsight.core.domain.patterns import FeedbackFilter
from costsight.core.domain.predictions import PredictionFilter
from costsight.core.domain.statistics import BreakdownRow, Dimension
from costsight.core.errors import NotFound
from costsight.core.pagination import Page
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    completed_run,
    cost,
    create_tags,
    feature_tag,
    in_uow,
    read,
    record,
    run_id,
    upsert_runs,
    window,
)
from costsight.testing.contract.seed import PORTS, snapshot, write_everything


def tenant_ids(data: object) -> set[str]:
    """Every tenant_id value found anywhere in a snapshot."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "tenant_id" and isinstance(value, str):
                found.add(value)
            found |= tenant_ids(value)
    elif isinstance(data, list | tuple):
        for value in data:
            found |= tenant_ids(value)
    return found


async def seed_both(storage: Storage) -> None:
    await in_uow(storage, lambda uow: write_everything(uow, TENANT, run_base=100))
    await in_uow(storage, lambda uow: write_everything(uow, OTHER_TENANT, run_base=200,
                                                       scale=3))


@pytest.mark.parametrize("port", PORTS)
async def test_another_tenants_similar_data_changes_no_read(storage: Storage, port: str) -> None:
    await in_uow(storage, lambda uow: write_everything(uow, TENANT, run_base=100))
    alone = await read(storage, lambda uow: snapshot(uow, TENANT))
    await in_uow(storage, lambda uow: write_everything(uow, OTHER_TENANT, run_base=200,
                                                       scale=3))
    beside = await read(storage, lambda uow: snapshot(uow, TENANT))
    theirs = await read(storage, lambda uow: snapshot(uow, OTHER_TENANT))
    assert beside[port] == alone[port]
    assert theirs[port] != alone[port]  # the other tenant's data is there, and differs
    assert tenant_ids(beside[port]) <= {TENANT}
    assert tenant_ids(theirs[port]) <= {OTHER_TENANT}


async def test_known_tenants_lists_both(storage: Storage) -> None:
    await seed_both(storage)
    assert await read(storage, lambda uow: uow.analytics.known_tenants()) == sorted(
        [TENANT, OTHER_TENANT])


async def test_anomaly_of_another_tenant_is_not_found(storage: Storage) -> None:
    await seed_both(storage)
    page = await read(storage, lambda uow: uow.anomaly_records.list_anomalies(
        OTHER_TENANT, AnomalyFilter(), limit=10))
    theirs = page.items[0]
    with pytest.raises(NotFound):
        await read(storage, lambda uow: uow.anomaly_records.get_anomaly(TENANT, theirs.id))
    with pytest.raises(NotFound):
        await in_uow(storage, lambda uow: uow.anomaly_records.set_anomaly_status(
            TENANT, theirs.id, AnomalyStatus.RESOLVED, T0))
    after = await read(storage, lambda uow: uow.anomaly_records.get_anomaly(OTHER_TENANT, theirs.id))
    assert after == theirs


async def test_feedback_of_another_tenant_is_not_found(storage: Storage) -> None:
    await seed_both(storage)
    page = await read(storage, lambda uow: uow.pattern_feedback.list_feedback(
        OTHER_TENANT, FeedbackFilter(), limit=10))
    theirs = page.items[0]
    with pytest.raises(NotFound):
        await read(storage, lambda uow: uow.pattern_feedback.get_feedback(TENANT, theirs.id))
    with pytest.raises(NotFound):
        await in_uow(storage, lambda uow: uow.pattern_feedback.acknowledge_feedback(
            TENANT, theirs.id, by="intruder", at=T0))
    after = await read(storage, lambda uow: uow.pattern_feedback.get_feedback(OTHER_TENANT, theirs.id))
    assert (after, after.acknowledged) == (theirs, False)


async def test_prediction_of_another_tenant_is_not_found(storage: Storage) -> None:
    await seed_both(storage)
    page = await read(storage, lambda uow: uow.prediction_records.list_predictions(
        OTHER_TENANT, PredictionFilter(include_expired=True), now=T0, limit=10))
    with pytest.raises(NotFound):
        await read(storage, lambda uow: uow.prediction_records.get_prediction(
            TENANT, page.items[0].id))


async def test_feature_tag_of_another_tenant_cannot_be_updated(storage: Storage) -> None:
    await create_tags(storage, feature_tag("billing.invoice", tenant_id=OTHER_TENANT))
    with pytest.raises(NotFound):
        await in_uow(storage, lambda uow: uow.costs.update_feature_tag(
            TENANT, "billing.invoice", FeatureTagUpdate(display_name="stolen")))
    theirs = await read(storage, lambda uow: uow.costs.get_feature_tag(
        OTHER_TENANT, "billing.invoice"))
    assert theirs is not None and theirs.display_name == "Tag billing.invoice"


async def test_a_run_id_of_another_tenant_does_not_reveal_its_worker(storage: Storage) -> None:
    await upsert_runs(storage, completed_run(1, tenant_id=OTHER_TENANT, worker_id="secret"),
                      completed_run(2, worker_id="mine"))
    await record(storage, cost(worker_run_id=run_id(1), cost_cents=Decimal(3)),
                 cost(worker_run_id=run_id(2), cost_cents=Decimal(1)))

    async def reads(uow: UnitOfWork) -> tuple[list[BreakdownRow], Page[str]]:
        return (await uow.analytics.cost_breakdown(
                    TENANT, window(at(10, 0), at(11, 0)), Dimension.WORKER),
                await uow.analytics.dimension_values(TENANT, Dimension.WORKER, None, 10, None))

    breakdown, values = await read(storage, reads)
    assert [(r.key, r.spend_cents) for r in breakdown] == [("unknown", Decimal(3)),
                                                           ("mine", Decimal(1))]
    assert values.items == ["mine", "unknown"]
