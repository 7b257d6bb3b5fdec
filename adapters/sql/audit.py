"""Audit port: append-only coordination records, savepoint-guarded."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.tables import coordination_audit_records
from costsight.core.domain.audit import AuditFilter, AuditRecord, StoredAuditRecord
from costsight.core.pagination import Page

log = logging.getLogger(__name__)
ar = coordination_audit_records.c


def audit_from_row(row: Row[Any]) -> StoredAuditRecord:
    m = row._mapping
    return StoredAuditRecord(**{c.name: m[c.name] for c in coordination_audit_records.c})


class SqlAudit:
    """Appends inside a SAVEPOINT so a failed audit write never undoes business writes."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def append(self, record: AuditRecord, *, emit: bool = True) -> bool:
        if not emit:
            return True
        values = record.model_dump()
        values["envelope_class"] = record.envelope_class.value
        values["decision"] = record.decision.value
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(coordination_audit_records).values(values))
        except (DBAPIError, StatementError) as exc:
            log.warning("audit_persistence_failed audit_id=%s envelope_id=%s: %s",
                        record.audit_id, record.envelope_id, exc.orig if hasattr(exc, "orig")
                        else exc)
            return False
        return True

    async def list_records(self, tenant_id: str, filters: AuditFilter, *, limit: int,
                           cursor: str | None = None) -> Page[StoredAuditRecord]:
        check_limit(limit)
        id_key = self._dialect.text_key(ar.audit_id)
        stmt = select(coordination_audit_records).where(ar.tenant_id == tenant_id)
        if filters.envelope_id is not None:
            stmt = stmt.where(ar.envelope_id == filters.envelope_id)
        if filters.decision is not None:
            stmt = stmt.where(ar.decision == filters.decision.value)
        if filters.envelope_class is not None:
            stmt = stmt.where(ar.envelope_class == filters.envelope_class.value)
        if filters.start is not None:
            stmt = stmt.where(ar.decision_timestamp >= filters.start)
        if filters.end is not None:
            stmt = stmt.where(ar.decision_timestamp < filters.end)
        stmt = newest_first(stmt, cursor, ar.decision_timestamp, id_key, limit)
        items = [audit_from_row(r) for r in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda x: (x.decision_timestamp, x.audit_id))
