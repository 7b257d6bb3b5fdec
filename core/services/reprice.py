"""Repricing: recompute the priced and unpriced records of a tenant after a price change.

``plan`` reads the records in keyset pages (by id) and totals old and new cost per model;
``apply`` walks the same pages, one unit of work per page, and writes the changed costs
through ``CostWritePort.update_costs`` (the one update path of stored costs). Reported costs
are never read nor changed. A re-run computes the same costs, so it changes nothing that is
already right: a run that crashed half-way is resumed by running it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from costsight.core.domain.costs import CostChange, CostRecord, CostSource
from costsight.core.errors import ValidationError
from costsight.core.money import micros_to_cents
from costsight.core.ports import Storage
from costsight.core.pricing.costing import price_costs

DEFAULT_BATCH = 1_000
MAX_BATCH = 50_000


@dataclass
class ModelTotals:
    model: str
    records: int = 0
    old_cents: Decimal = Decimal(0)
    new_cents: Decimal = Decimal(0)
    old_unpriced: int = 0
    new_unpriced: int = 0
    changed: int = 0


@dataclass
class RepriceReport:
    tenant_id: str
    since: datetime
    until: datetime | None
    models: dict[str, ModelTotals] = field(default_factory=dict)
    updated: int = 0
    batches: int = 0

    @property
    def records(self) -> int:
        return sum(m.records for m in self.models.values())

    @property
    def changed(self) -> int:
        return sum(m.changed for m in self.models.values())

    def totals(self) -> list[ModelTotals]:
        return [self.models[k] for k in sorted(self.models)]


class RepriceService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def plan(self, tenant_id: str, since: datetime, until: datetime | None, *,
                   batch: int = DEFAULT_BATCH) -> RepriceReport:
        """Old and new totals per model; writes nothing."""
        return await self._walk(tenant_id, since, until, batch, apply=False)

    async def apply(self, tenant_id: str, since: datetime, until: datetime | None, *,
                    batch: int = DEFAULT_BATCH) -> RepriceReport:
        """Write the new costs, one committed unit of work per page of ``batch`` records."""
        return await self._walk(tenant_id, since, until, batch, apply=True)

    async def _walk(self, tenant_id: str, since: datetime, until: datetime | None,
                    batch: int, *, apply: bool) -> RepriceReport:
        if not 1 <= batch <= MAX_BATCH:
            raise ValidationError("batch", f"got {batch}", allowed=f"1 .. {MAX_BATCH}")
        if until is not None and until <= since:
            raise ValidationError("until", "must be after since", allowed="an instant > since")
        report = RepriceReport(tenant_id, since, until)
        after: str | None = None
        while True:
            async with self._storage.unit_of_work() as uow:
                page = await uow.costs.records_to_reprice(tenant_id, since, until,
                                                          after_id=after, limit=batch)
                if not page:
                    break
                costs = await price_costs(page, uow.price_book, reprice=True)
                changes = []
                for record, cost in zip(page, costs, strict=True):
                    change = CostChange(id=record.id, cost_cents=micros_to_cents(cost.micros),
                                        cost_source=cost.source, price_id=cost.price_id)
                    if _count(report, record, change):
                        changes.append(change)
                if apply and changes:
                    report.updated += await uow.costs.update_costs(tenant_id, changes)
                    await uow.commit()
                report.batches += 1
                after = page[-1].id
            if len(page) < batch:
                break
        return report


def _count(report: RepriceReport, record: CostRecord, change: CostChange) -> bool:
    """Add the record to its model's totals; True when its stored cost changes."""
    totals = report.models.setdefault(record.model, ModelTotals(record.model))
    totals.records += 1
    totals.old_cents += record.cost_cents
    totals.new_cents += change.cost_cents
    totals.old_unpriced += record.cost_source is CostSource.UNPRICED
    totals.new_unpriced += change.cost_source is CostSource.UNPRICED
    differs = (record.cost_cents, record.cost_source, record.price_id) != (
        change.cost_cents, change.cost_source, change.price_id)
    totals.changed += differs
    return differs
