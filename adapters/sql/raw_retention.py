"""RawRetentionPort on SQL: a tenant's oldest ``cost_records`` rows, counted and deleted.

Each delete takes one batch by the (tenant_id, created_at) index, oldest first, and removes
exactly those rows; the DELETE and each of its subqueries are pinned to the tenant. Each form
keeps a batch's work proportional to the batch, not to the tenant's rows; with ``id IN
(subquery)`` alone both planners walked all of the tenant's rows for every batch:

- Postgres: ``id = ANY(ARRAY(batch ids))``, the array evaluated once, then one primary-key
  probe per id (EXPLAIN with 100k rows per tenant: otherwise a hash semi-join over a bitmap
  scan of all of the tenant's rows);
- SQLite (no planner statistics): ``created_at <= (the batch's newest created_at) AND id IN
  (batch ids)``, a range on the (tenant_id, created_at) index that covers just the batch (one
  batch of 5,000 out of a tenant's 900k rows: about 80 ms, against 1.2 to 1.5 s with
  ``id IN`` alone).

Rollup tables are not touched: they keep the history the raw rows summed into.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import any_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import cost_records
from costsight.core.errors import ValidationError

c = cost_records.c


class SqlRawRetention:
    """RawRetentionPort over ``cost_records`` (SQLite and Postgres alike)."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def count_raw_before(self, tenant_id: str, before: datetime) -> int:
        query = (select(func.count()).select_from(cost_records)
                 .where(c.tenant_id == tenant_id, c.created_at < before))
        return int((await self._conn.execute(query)).scalar_one())

    async def delete_raw_before(self, tenant_id: str, before: datetime, *, batch: int) -> int:
        if batch < 1:
            raise ValidationError("batch", f"got {batch}", allowed="an integer >= 1")
        batch_rows = (select(c.id, c.created_at)
                      .where(c.tenant_id == tenant_id, c.created_at < before)
                      .order_by(c.created_at, c.id).limit(batch).subquery("batch"))
        ids = select(batch_rows.c.id)
        if self._dialect.name == "postgresql":
            in_batch = [c.id == any_(func.array(ids.scalar_subquery()))]
        else:
            newest = select(func.max(batch_rows.c.created_at)).scalar_subquery()
            in_batch = [c.created_at <= newest, c.id.in_(ids)]
        # ``created_at < before`` again outside: lets a table partitioned by created_at skip
        # the partitions after the cutoff.
        statement = delete(cost_records).where(c.tenant_id == tenant_id,
                                               c.created_at < before, *in_batch)
        result = await self._conn.execute(statement)
        return int(result.rowcount)
