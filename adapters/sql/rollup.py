"""SQL RollupPort: rebuild a tenant's rollups from raw rows, and compare the two.

Without ``since`` both start at the day of the tenant's oldest raw record: what retention
removed lives on in the rollups only, and is left alone. A grain with a ``finer`` one (the
user-month grain) is rebuilt and compared from that grain, from the start of the bucket that
holds the first day: a month whose first days only the user-day grain still remembers stays
exact.

Both hold the tenant's writer lock (``SqlDialect.lock_tenants``), so no write of the tenant
lands half-way through; every statement is pinned to the tenant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import joined
from costsight.adapters.sql.rollup_writes import (
    GRAINS,
    Grain,
    aggregate,
    source_columns,
    summed_up,
    upsert,
)
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.rollups import RollupDifference, RollupSums
from costsight.core.timeutil import day_start, utc_day

cr = cost_records.c


class SqlRollup:
    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def _raw(self, tenant_id: str, day: datetime | None) -> Any:
        stmt = select(*source_columns(cost_records)).where(cr.tenant_id == tenant_id)
        if day is not None:
            stmt = stmt.where(cr.created_at >= day)
        return stmt.subquery("src")

    async def _first_day(self, tenant_id: str, since: datetime | None) -> datetime | None:
        """00:00 UTC of ``since``'s day; without ``since``, of the tenant's oldest raw record:
        rollups older than every raw record (kept after ``costsight retention``) are history
        no raw row can reproduce, so they are neither rebuilt nor compared."""
        if since is None:
            since = (await self._conn.execute(
                select(func.min(cr.created_at)).where(cr.tenant_id == tenant_id))).scalar()
        return None if since is None else day_start(utc_day(since))

    async def tenants_with_records(self) -> list[str]:
        stmt = select(cr.tenant_id).distinct()
        return sorted(r[0] for r in await self._conn.execute(stmt))

    async def rebuild(self, tenant_id: str, since: datetime | None = None) -> int:
        await self._dialect.lock_tenants(self._conn, [tenant_id])
        day = await self._first_day(tenant_id, since)
        if day is None:
            return 0  # no raw record: nothing to rebuild from
        written = 0
        for grain in GRAINS:
            t = grain.table.c
            start = grain.width.floor(day)
            await self._conn.execute(
                delete(grain.table).where(t.tenant_id == tenant_id, t.bucket >= start))
            result = await self._conn.execute(
                upsert(self._dialect, grain, self._expected(grain, tenant_id, day)))
            written += max(result.rowcount, 0)
        return written

    def _expected(self, grain: Grain, tenant_id: str, day: datetime | None) -> Any:
        """What ``grain`` should hold from the bucket of ``day`` on."""
        if grain.finer is not None:
            start = None if day is None else grain.width.floor(day)
            return summed_up(self._dialect, grain, tenant_id, start)
        return aggregate(self._dialect, grain, self._raw(tenant_id, day))

    async def verify(self, tenant_id: str, since: datetime | None = None) -> list[RollupDifference]:
        await self._dialect.lock_tenants(self._conn, [tenant_id])
        day = await self._first_day(tenant_id, since)
        found: list[RollupDifference] = []
        for grain in GRAINS:
            expected = await self._sums(grain, self._expected(grain, tenant_id, day))
            t = grain.table.c
            stored_q = select(*(t[k] for k in (*grain.key_columns, *grain.sums))
                              ).where(t.tenant_id == tenant_id)
            if day is not None:
                stored_q = stored_q.where(t.bucket >= grain.width.floor(day))
            stored = await self._sums(grain, stored_q)
            for key in sorted(expected.keys() | stored.keys(), key=repr):
                if expected.get(key) != stored.get(key):
                    found.append(RollupDifference(
                        grain=grain.name, tenant_id=tenant_id, bucket=key[1],
                        key=dict(zip(grain.key_columns[2:], key[2:], strict=True)),
                        stored=stored.get(key), expected=expected.get(key)))
        return found

    async def _sums(self, grain: Grain, stmt: Any) -> dict[tuple[Any, ...], RollupSums]:
        n = len(grain.key_columns)
        out = {}
        for row in await self._conn.execute(stmt):
            sums = {name: int(value or 0) for name, value in zip(grain.sums, row[n:], strict=True)}
            hi, lo = sums.pop("cost_hi"), sums.pop("cost_lo")
            out[tuple(row[:n])] = RollupSums(cost_micros=joined(hi, lo), **sums)
        return out
