"""In-memory CostWritePort: cost records, worker runs, feature tags, budgets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from costsight.adapters.memory._tables import Tx
from costsight.core import ids
from costsight.core.domain.costs import (
    UNCLASSIFIED,
    Budget,
    BudgetUpsert,
    CostChange,
    CostRecord,
    CostSource,
    FeatureTag,
    FeatureTagUpdate,
    NewCostRecord,
    NewFeatureTag,
    RecordResult,
    UpsertResult,
    WorkerRun,
)
from costsight.core.domain.upserts import plan_worker_runs
from costsight.core.errors import Conflict, NotFound
from costsight.core.money import micros_to_cents
from costsight.core.pricing.costing import PriceResolver, price_costs

#: Budget fields an upsert may change; the key fields never change.
_BUDGET_FIELDS = ("daily_limit_cents", "monthly_limit_cents", "warn_threshold_pct",
                  "hard_limit_enabled")


class MemoryCostWrite:
    """CostWritePort over the unit of work's tables."""

    def __init__(self, tx: Tx, price_book: PriceResolver | None = None) -> None:
        self._tx = tx
        self._price_book = price_book

    # --- cost records -----------------------------------------------------------------------

    def _stored_tag(self, record: NewCostRecord) -> str | None:
        tag = record.feature_tag
        if tag is None or tag == UNCLASSIFIED:
            return tag
        known = self._tx.feature_tags.get((record.tenant_id, tag))
        return tag if known is not None and known.is_active else UNCLASSIFIED

    async def record_costs(self, records: Sequence[NewCostRecord], *,
                           bulk: bool = False) -> RecordResult:
        """Idempotent by (tenant, request_id), including repeats inside the batch. ``bulk``
        changes nothing here (every answer is computed from the records)."""
        inserted: list[str] = []
        duplicates: list[str] = []
        costs = await price_costs(records, self._price_book)
        for record, cost in zip(records, costs, strict=True):
            request_id = record.request_id
            key = (record.tenant_id, request_id) if request_id else None
            if request_id and key in self._tx.request_ids:
                duplicates.append(request_id)
                continue
            stored = CostRecord.model_construct(
                **{**dict(record), "feature_tag": self._stored_tag(record),
                   "id": ids.new_id(ids.COST_RECORD), "cost_cents": micros_to_cents(cost.micros),
                   "cost_source": cost.source, "price_id": cost.price_id})
            self._tx.cost_records.put(stored.id, stored)
            if key is not None:
                self._tx.request_ids.put(key, stored.id)
            inserted.append(stored.id)
        return RecordResult(inserted_ids=inserted, duplicate_request_ids=duplicates)

    async def records_to_reprice(self, tenant_id: str, since: datetime, until: datetime | None,
                                 *, after_id: str | None, limit: int) -> list[CostRecord]:
        rows = self._tx.cost_records.rows(
            lambda r: r.tenant_id == tenant_id and r.cost_source is not CostSource.REPORTED
            and r.created_at >= since and (until is None or r.created_at < until)
            and (after_id is None or r.id > after_id))
        return sorted(rows, key=lambda r: r.id)[:limit]

    async def update_costs(self, tenant_id: str, changes: Sequence[CostChange]) -> int:
        changed = 0
        for change in changes:
            row = self._tx.cost_records.get(change.id)
            if row is None or row.tenant_id != tenant_id or row.cost_source is CostSource.REPORTED:
                continue
            new = {"cost_cents": change.cost_cents, "cost_source": change.cost_source,
                   "price_id": change.price_id}
            if any(getattr(row, k) != v for k, v in new.items()):
                self._tx.cost_records.put(row.id, row.model_copy(update=new))
                changed += 1
        return changed

    # --- worker runs ------------------------------------------------------------------------

    async def upsert_worker_runs(self, runs: Sequence[WorkerRun]) -> UpsertResult:
        """All or nothing: a Conflict anywhere in the batch writes none of it."""
        stored = {r.id: row for r in runs if (row := self._tx.worker_runs.get(r.id)) is not None}
        plan = plan_worker_runs(runs, stored)
        for run in (*plan.inserts, *plan.updates):
            self._tx.worker_runs.put(run.id, run)
        return plan.result

    # --- feature tags -----------------------------------------------------------------------

    async def create_feature_tag(self, tag: NewFeatureTag) -> FeatureTag:
        key = (tag.tenant_id, tag.tag)
        if key in self._tx.feature_tags:
            raise Conflict(f"feature_tag: {tag.tag!r} already exists for tenant "
                           f"{tag.tenant_id!r}; update it instead")
        now = self._tx.now()
        stored = FeatureTag(**dict(tag), id=ids.new_id(ids.FEATURE_TAG), created_at=now,
                            updated_at=now)
        self._tx.feature_tags.put(key, stored)
        return stored

    async def update_feature_tag(self, tenant_id: str, tag: str,
                                 update: FeatureTagUpdate) -> FeatureTag:
        stored = self._tx.feature_tags.get((tenant_id, tag))
        if stored is None:
            raise NotFound("feature tag", tag, tenant_id)
        changes = {name: getattr(update, name) for name in update.model_fields_set}
        new = stored.model_copy(update={**changes, "updated_at": self._tx.now()})
        self._tx.feature_tags.put((tenant_id, tag), new)
        return new

    async def get_feature_tag(self, tenant_id: str, tag: str) -> FeatureTag | None:
        return self._tx.feature_tags.get((tenant_id, tag))

    async def list_feature_tags(self, tenant_id: str, *,
                                include_inactive: bool = True) -> list[FeatureTag]:
        rows = self._tx.feature_tags.rows(
            lambda t: t.tenant_id == tenant_id and (include_inactive or t.is_active))
        return sorted(rows, key=lambda t: t.tag)

    # --- budgets ----------------------------------------------------------------------------

    async def upsert_budget(self, budget: BudgetUpsert) -> Budget:
        """Unset fields keep stored values; is_active is always applied (default True)."""
        key = (budget.tenant_id, budget.budget_type.value, budget.entity_id)
        stored = self._tx.budgets.get(key)
        now = self._tx.now()
        if stored is None:
            new = Budget(id=ids.new_id(ids.BUDGET), tenant_id=budget.tenant_id,
                         budget_type=budget.budget_type, entity_id=budget.entity_id,
                         **{name: getattr(budget, name) for name in _BUDGET_FIELDS},
                         is_active=budget.is_active, created_at=now, updated_at=now)
        else:
            changes = {name: getattr(budget, name) for name in _BUDGET_FIELDS
                       if name in budget.model_fields_set}
            new = stored.model_copy(update={**changes, "is_active": budget.is_active,
                                            "updated_at": now})
        self._tx.budgets.put(key, new)
        return new

    async def list_budgets(self, tenant_id: str, *, active_only: bool = False) -> list[Budget]:
        rows = self._tx.budgets.rows(
            lambda b: b.tenant_id == tenant_id and (b.is_active or not active_only))
        return sorted(rows, key=lambda b: (b.budget_type.value, b.entity_id))
