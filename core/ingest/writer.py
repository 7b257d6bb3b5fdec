"""Batched writes of validated ingest records through the ports of one unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from costsight.core.domain.alerts import NewAlertRoute
from costsight.core.domain.audit import AuditRecord
from costsight.core.domain.costs import (
    Budget,
    BudgetUpsert,
    FeatureTagUpdate,
    NewCostRecord,
    NewFeatureTag,
    WorkerRun,
)
from costsight.core.domain.prices import NewModelPrice
from costsight.core.domain.provenance import NewProvenance
from costsight.core.errors import Conflict
from costsight.core.ingest.parser import Parsed
from costsight.core.ingest.records import Invalid, RecordKind
from costsight.core.ports import UnitOfWork

DEFAULT_BATCH_SIZE = 5_000

M = TypeVar("M", bound=BaseModel)

#: Kinds whose rows must be stored before a cost batch is written: a cost record's feature tag
#: is classified against the stored tags, and its worker_run_id names a stored run.
COST_DEPENDENCIES = (RecordKind.FEATURE_TAG, RecordKind.WORKER_RUN, RecordKind.MODEL_PRICE)


@dataclass
class KindCounts:
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0

    def add(self, other: KindCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.duplicates += other.duplicates

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated,
                "duplicates": self.duplicates}


class BatchConflict(Exception):
    """A batch was refused by storage (e.g. a change to a terminal worker run)."""

    def __init__(self, kind: RecordKind, items: list[Parsed], error: Conflict) -> None:
        super().__init__(str(error))
        self.kind = kind
        self.items = items
        self.error = error


@dataclass
class BatchBuffers:
    """Per-kind buffers in file order; ``append`` says which kinds must be flushed now.

    A worker run seen again while still buffered (queued -> running -> completed) replaces its
    earlier state, so a file holding a run's whole progression stores the final state and a
    re-ingest of that file replays it identically. A run that was already terminal in this
    batch cannot change: ``append`` raises ``Invalid`` for such a line.
    """

    batch_size: int = DEFAULT_BATCH_SIZE
    buffers: dict[RecordKind, list[Parsed]] = field(
        default_factory=lambda: {kind: [] for kind in RecordKind})
    #: run id -> index of its state in the worker_run buffer
    _runs: dict[str, int] = field(default_factory=dict)
    superseded: int = 0

    def append(self, item: Parsed) -> list[RecordKind]:
        """Buffer ``item``; returns the kinds to flush now (its batch is full)."""
        if item.kind is RecordKind.WORKER_RUN:
            run = record_as(WorkerRun, item)
            index = self._runs.get(run.id)
            if index is not None:
                earlier = self.buffers[RecordKind.WORKER_RUN][index]
                earlier_run = record_as(WorkerRun, earlier)
                if earlier_run.status.is_terminal and earlier_run != run:
                    raise Invalid("status", f"worker run {run.id!r} is already "
                                            f"{earlier_run.status.value} (line {earlier.line}); "
                                            "a terminal run cannot change")
                self.buffers[RecordKind.WORKER_RUN][index] = item
                self.superseded += 1
                return []
            self._runs[run.id] = len(self.buffers[RecordKind.WORKER_RUN])
        self.buffers[item.kind].append(item)
        if len(self.buffers[item.kind]) >= self.batch_size:
            return self.flush_order(item.kind)
        return []

    def flush_order(self, kind: RecordKind) -> list[RecordKind]:
        """The kinds to flush (dependencies first) so that ``kind`` can be flushed."""
        if kind is RecordKind.COST_RECORD:
            return [k for k in COST_DEPENDENCIES if self.buffers[k]] + [kind]
        return [kind]

    def pending(self) -> list[RecordKind]:
        return [kind for kind in RecordKind if self.buffers[kind]]

    def take(self, kind: RecordKind) -> list[Parsed]:
        items, self.buffers[kind] = self.buffers[kind], []
        if kind is RecordKind.WORKER_RUN:
            self._runs.clear()
        return items


def record_as(model: type[M], item: Parsed) -> M:
    """The item's record, which the parser validated as ``model`` (the model of its kind)."""
    if not isinstance(item.record, model):
        raise TypeError(f"{item.source}:{item.line}: a {item.kind.value} line holds a "
                        f"{type(item.record).__name__}, not a {model.__name__}")
    return item.record


def records_as(model: type[M], items: list[Parsed]) -> list[M]:
    return [record_as(model, item) for item in items]


async def write_batch(uow: UnitOfWork, kind: RecordKind, items: list[Parsed], *,
                      now: datetime, bulk: bool = False) -> KindCounts:
    """Write one batch of one kind; ``BatchConflict`` when storage refuses it. ``now`` (the
    ingest service's clock) stamps alert routes' created_at / updated_at. ``bulk``: more
    batches follow in this unit of work and nothing reads their answers before it commits
    (``CostWritePort.record_costs``)."""
    if not items:
        return KindCounts()
    try:
        if kind is RecordKind.ALERT_ROUTE:
            return await _alert_routes(uow, records_as(NewAlertRoute, items), now)
        if kind is RecordKind.COST_RECORD:
            return await _costs(uow, items, bulk=bulk)
        return await _WRITERS[kind](uow, items)
    except Conflict as exc:
        raise BatchConflict(kind, items, exc) from exc


async def _costs(uow: UnitOfWork, items: list[Parsed], *, bulk: bool = False) -> KindCounts:
    result = await uow.costs.record_costs(records_as(NewCostRecord, items), bulk=bulk)
    return KindCounts(inserted=result.inserted, duplicates=result.duplicates)


async def _runs(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    result = await uow.costs.upsert_worker_runs(records_as(WorkerRun, items))
    return KindCounts(inserted=result.inserted, updated=result.updated,
                      duplicates=result.unchanged)


async def _tags(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    counts = KindCounts()
    for tag in records_as(NewFeatureTag, items):
        stored = await uow.costs.get_feature_tag(tag.tenant_id, tag.tag)
        if stored is None:
            await uow.costs.create_feature_tag(tag)
            counts.inserted += 1
            continue
        changes = {name: getattr(tag, name) for name in tag.model_fields_set
                   if name in FeatureTagUpdate.model_fields
                   and getattr(stored, name) != getattr(tag, name)}
        if not changes:
            counts.duplicates += 1
            continue
        await uow.costs.update_feature_tag(tag.tenant_id, tag.tag,
                                           FeatureTagUpdate.model_validate(changes))
        counts.updated += 1
    return counts


_BUDGET_KEYS = frozenset({"tenant_id", "budget_type", "entity_id"})


async def _budgets(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    counts = KindCounts()
    stored_by_tenant: dict[str, dict[tuple[str, str], Budget]] = {}
    for budget in records_as(BudgetUpsert, items):
        if budget.tenant_id not in stored_by_tenant:
            stored_by_tenant[budget.tenant_id] = {
                (b.budget_type.value, b.entity_id): b
                for b in await uow.costs.list_budgets(budget.tenant_id)}
        stored_map = stored_by_tenant[budget.tenant_id]
        key = (budget.budget_type.value, budget.entity_id)
        stored = stored_map.get(key)
        explicit = budget.model_fields_set - _BUDGET_KEYS
        if stored is not None and stored.is_active and all(
                getattr(stored, name) == getattr(budget, name) for name in explicit):
            counts.duplicates += 1
            continue
        stored_map[key] = await uow.costs.upsert_budget(budget)
        if stored is None:
            counts.inserted += 1
        else:
            counts.updated += 1
    return counts


async def _prices(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    """Overrides by (scope, provider, model, effective_from): identical rates are duplicates."""
    counts = KindCounts()
    for price in records_as(NewModelPrice, items):
        same = [p for p in await uow.price_book.list_prices(price.tenant_id, model=price.model)
                if (p.tenant_id, p.provider, p.effective_from)
                == (price.tenant_id, price.provider, price.effective_from)]
        if same and same[0].rates == price.rates:
            counts.duplicates += 1
            continue
        await uow.price_book.set_price(price)
        if same:
            counts.updated += 1
        else:
            counts.inserted += 1
    return counts


async def _provenance(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    ids = await uow.provenance.write_missing(records_as(NewProvenance, items))
    inserted = sum(1 for row_id in ids if row_id is not None)
    return KindCounts(inserted=inserted, duplicates=len(ids) - inserted)


async def _audit(uow: UnitOfWork, items: list[Parsed]) -> KindCounts:
    counts = KindCounts()
    for record in records_as(AuditRecord, items):
        # append() is savepoint-guarded: False means storage refused it (a repeated audit_id).
        if await uow.audit.append(record):
            counts.inserted += 1
        else:
            counts.duplicates += 1
    return counts


async def _alert_routes(uow: UnitOfWork, routes: list[NewAlertRoute],
                        now: datetime) -> KindCounts:
    counts = KindCounts()
    for route in routes:
        stored = await uow.alert_routes.get_route(route.tenant_id, route.name)
        if stored is not None and all(getattr(stored, name) == getattr(route, name)
                                      for name in NewAlertRoute.model_fields):
            counts.duplicates += 1
            continue
        _, inserted = await uow.alert_routes.upsert_route(route, now=now)
        if inserted:
            counts.inserted += 1
        else:
            counts.updated += 1
    return counts


_WRITERS: dict[RecordKind, Callable[[UnitOfWork, list[Parsed]], Awaitable[KindCounts]]] = {
    RecordKind.WORKER_RUN: _runs,
    RecordKind.FEATURE_TAG: _tags,
    RecordKind.BUDGET: _budgets,
    RecordKind.PROVENANCE: _provenance,
    RecordKind.AUDIT_RECORD: _audit,
    RecordKind.MODEL_PRICE: _prices,
}
