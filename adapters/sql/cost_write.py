"""Cost write port: cost records, worker runs, feature tags and budgets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.cost_records import CostRecordWriter
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_pending import PendingRollups
from costsight.adapters.sql.rollup_writes import apply_stored, drop_empty_rollups
from costsight.adapters.sql.rows import (
    budget_from_row,
    cost_record_from_row,
    feature_tag_from_row,
    micros,
    worker_run_from_row,
    worker_run_values,
)
from costsight.adapters.sql.tables import cost_budgets, cost_records, feature_tags, worker_runs
from costsight.adapters.sql.types import utc_now
from costsight.core.domain.costs import (
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
from costsight.core.ids import BUDGET, FEATURE_TAG, new_id
from costsight.core.money import cents_to_micros
from costsight.core.pricing.costing import PriceResolver

_ID_CHUNK = 500
_RUN_FIELDS = tuple(c.name for c in worker_runs.c if c.name != "id")


class SqlCostWrite:
    """Writes metering data inside the unit's transaction; never commits."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect,
                 price_book: PriceResolver | None = None,
                 pending: PendingRollups | None = None) -> None:
        self._conn = conn
        self._dialect = dialect
        self.records = CostRecordWriter(conn, dialect, price_book=price_book, pending=pending)

    async def record_costs(self, records: Sequence[NewCostRecord], *,
                           bulk: bool = False) -> RecordResult:
        return await self.records.record_costs(records, bulk=bulk)

    async def records_to_reprice(self, tenant_id: str, since: datetime, until: datetime | None,
                                 *, after_id: str | None, limit: int) -> list[CostRecord]:
        c = cost_records.c
        stmt = select(cost_records).where(
            c.tenant_id == tenant_id, c.cost_source != CostSource.REPORTED.value,
            c.created_at >= since)
        if until is not None:
            stmt = stmt.where(c.created_at < until)
        if after_id is not None:
            stmt = stmt.where(self._dialect.text_key(c.id) > after_id)
        stmt = stmt.order_by(self._dialect.text_key(c.id)).limit(limit)
        return [cost_record_from_row(row) for row in await self._conn.execute(stmt)]

    async def update_costs(self, tenant_id: str, changes: Sequence[CostChange]) -> int:
        """THE one UPDATE of cost_micros / cost_source / price_id (repricing). ``before`` holds
        each changed row's old values: derived data (rollups) is maintained here."""
        if not changes:
            return 0
        c = cost_records.c
        await self._dialect.lock_tenants(self._conn, [tenant_id])
        wanted = {ch.id: ch for ch in changes}
        before: dict[str, tuple[int, str, str | None]] = {}
        created: dict[str, datetime] = {}
        ids = sorted(wanted)
        for k in range(0, len(ids), _ID_CHUNK):
            rows = await self._conn.execute(
                select(c.id, c.cost_micros, c.cost_source, c.price_id, c.created_at).where(
                    self._dialect.unindexed(c.tenant_id) == tenant_id,
                    c.id.in_(ids[k:k + _ID_CHUNK]),
                    c.cost_source != CostSource.REPORTED.value))
            for row in rows:
                before[row.id] = (row.cost_micros, row.cost_source, row.price_id)
                created[row.id] = row.created_at
        updates = []
        for record_id, (old_micros, old_source, old_price) in before.items():
            ch = wanted[record_id]
            new = (cents_to_micros(ch.cost_cents), ch.cost_source.value, ch.price_id)
            if new != (old_micros, old_source, old_price):
                updates.append({"b_id": record_id, "b_created": created[record_id],
                                "b_micros": new[0], "b_source": new[1], "b_price": new[2]})
        if updates:
            changed = [(str(u["b_id"]), created[str(u["b_id"])]) for u in updates]
            times = [at for _, at in changed]
            # The rollups lose the rows' old sums and gain the new ones (same transaction).
            await apply_stored(self._conn, self._dialect, tenant_id, changed, -1)
            await self._conn.execute(
                sql_update(cost_records)
                # created_at (the partition key) names the one partition holding the row.
                .where(c.id == bindparam("b_id"), c.created_at == bindparam("b_created"),
                       self._dialect.unindexed(c.tenant_id) == tenant_id,
                       c.cost_source != CostSource.REPORTED.value)
                .values(cost_micros=bindparam("b_micros"), cost_source=bindparam("b_source"),
                        price_id=bindparam("b_price")),
                updates)
            await apply_stored(self._conn, self._dialect, tenant_id, changed, 1)
            await drop_empty_rollups(self._conn, tenant_id, min(times), max(times))
        return len(updates)

    # -- worker runs -------------------------------------------------------------------------

    async def upsert_worker_runs(self, runs: Sequence[WorkerRun]) -> UpsertResult:
        if not runs:
            return UpsertResult()
        await self._dialect.lock_tenants(self._conn, {r.tenant_id for r in runs})
        plan = plan_worker_runs(runs, await self._stored_runs(sorted({r.id for r in runs})))
        await self._write_runs(plan.inserts, plan.updates)
        return plan.result

    async def _stored_runs(self, ids: list[str]) -> dict[str, WorkerRun]:
        found: dict[str, WorkerRun] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            result = await self._conn.execute(
                select(worker_runs).where(worker_runs.c.id.in_(ids[start:start + _ID_CHUNK])))
            found.update((row.id, worker_run_from_row(row)) for row in result)
        return found

    async def _write_runs(self, inserts: list[WorkerRun], updates: list[WorkerRun]) -> None:
        try:
            if inserts:
                await self._conn.execute(insert(worker_runs),
                                         [worker_run_values(r) for r in inserts])
        except IntegrityError as exc:
            raise Conflict("a worker run with one of these ids was stored concurrently; "
                           "retry the batch") from exc
        if updates:
            stmt = (sql_update(worker_runs).where(worker_runs.c.id == bindparam("run_id"))
                    .values({f: bindparam(f"v_{f}") for f in _RUN_FIELDS}))
            params = []
            for run in updates:
                values = worker_run_values(run)
                params.append({"run_id": run.id, **{f"v_{f}": values[f] for f in _RUN_FIELDS}})
            await self._conn.execute(stmt, params)

    # -- feature tags ------------------------------------------------------------------------

    async def create_feature_tag(self, tag: NewFeatureTag) -> FeatureTag:
        stmt = insert(feature_tags).values(
            id=new_id(FEATURE_TAG), tenant_id=tag.tenant_id, tag=tag.tag,
            display_name=tag.display_name, description=tag.description,
            budget_micros=micros(tag.budget_cents), is_active=tag.is_active,
        ).returning(*feature_tags.c)
        try:
            async with self._conn.begin_nested():
                row = (await self._conn.execute(stmt)).one()
        except IntegrityError:
            raise Conflict(f"feature tag {tag.tag!r} already exists for tenant "
                           f"{tag.tenant_id!r}; update it instead") from None
        return feature_tag_from_row(row)

    async def update_feature_tag(self, tenant_id: str, tag: str,
                                 update: FeatureTagUpdate) -> FeatureTag:
        change = update
        values: dict[str, Any] = {"updated_at": utc_now()}
        for name in change.model_fields_set:
            value = getattr(change, name)
            if name == "budget_cents":
                values["budget_micros"] = micros(value)
            else:
                values[name] = value
        stmt = (sql_update(feature_tags)
                .where(feature_tags.c.tenant_id == tenant_id, feature_tags.c.tag == tag)
                .values(values).returning(*feature_tags.c))
        row = (await self._conn.execute(stmt)).one_or_none()
        if row is None:
            raise NotFound("feature tag", tag, tenant_id)
        return feature_tag_from_row(row)

    async def get_feature_tag(self, tenant_id: str, tag: str) -> FeatureTag | None:
        row = (await self._conn.execute(select(feature_tags).where(
            feature_tags.c.tenant_id == tenant_id, feature_tags.c.tag == tag))).one_or_none()
        return None if row is None else feature_tag_from_row(row)

    async def list_feature_tags(self, tenant_id: str, *,
                                include_inactive: bool = True) -> list[FeatureTag]:
        stmt = select(feature_tags).where(feature_tags.c.tenant_id == tenant_id)
        if not include_inactive:
            stmt = stmt.where(feature_tags.c.is_active)
        stmt = stmt.order_by(self._dialect.text_key(feature_tags.c.tag))
        return [feature_tag_from_row(r) for r in await self._conn.execute(stmt)]

    # -- budgets -----------------------------------------------------------------------------

    async def upsert_budget(self, budget: BudgetUpsert) -> Budget:
        b = cost_budgets.c
        key = (b.tenant_id == budget.tenant_id, b.budget_type == budget.budget_type.value,
               b.entity_id == budget.entity_id)
        await self._dialect.lock_tenants(self._conn, [budget.tenant_id])
        existing = (await self._conn.execute(select(b.id).where(*key))).one_or_none()
        if existing is None:
            stmt = insert(cost_budgets).values(
                id=new_id(BUDGET), tenant_id=budget.tenant_id,
                budget_type=budget.budget_type.value, entity_id=budget.entity_id,
                daily_limit_micros=micros(budget.daily_limit_cents),
                monthly_limit_micros=micros(budget.monthly_limit_cents),
                warn_threshold_pct=budget.warn_threshold_pct,
                hard_limit_enabled=budget.hard_limit_enabled, is_active=budget.is_active,
            ).returning(*cost_budgets.c)
            try:
                async with self._conn.begin_nested():
                    row = (await self._conn.execute(stmt)).one()
            except IntegrityError:
                raise Conflict(f"a {budget.budget_type.value} budget for "
                               f"{budget.entity_id!r} was created concurrently; retry") from None
            return budget_from_row(row)
        values: dict[str, Any] = {"updated_at": utc_now(), "is_active": budget.is_active}
        for name in budget.model_fields_set & {"daily_limit_cents", "monthly_limit_cents",
                                               "warn_threshold_pct", "hard_limit_enabled"}:
            value = getattr(budget, name)
            if name.endswith("_cents"):
                values[name.replace("_cents", "_micros")] = micros(value)
            else:
                values[name] = value
        update = (sql_update(cost_budgets).where(b.id == existing.id).values(values)
                  .returning(*cost_budgets.c))
        return budget_from_row((await self._conn.execute(update)).one())

    async def list_budgets(self, tenant_id: str, *, active_only: bool = False) -> list[Budget]:
        b = cost_budgets.c
        stmt = select(cost_budgets).where(b.tenant_id == tenant_id)
        if active_only:
            stmt = stmt.where(b.is_active)
        stmt = stmt.order_by(self._dialect.text_key(b.budget_type),
                             self._dialect.text_key(b.entity_id))
        return [budget_from_row(r) for r in await self._conn.execute(stmt)]
