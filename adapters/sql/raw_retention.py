"""RawRetentionPort on SQL: a tenant's oldest ``cost_records`` rows, counted and deleted.

Each delete takes one batch by the (tenant_id, created_at) index, oldest first, and removes
those rows by primary key; both the outer DELETE and its subquery are pinned to the tenant.
Rollup tables are not touched: they keep the history the raw rows summed into.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
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
        oldest = (select(c.id).where(c.tenant_id == tenant_id, c.created_at < before)
                  .order_by(c.created_at, c.id).limit(batch))
        statement = delete(cost_records).where(c.tenant_id == tenant_id, c.id.in_(oldest))
        result = await self._conn.execute(statement)
        return int(result.rowcount)
