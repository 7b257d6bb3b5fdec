"""In-memory AuditPort: append-only records with savepoint semantics."""

from __future__ import annotations

import logging
from datetime import datetime

from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.audit import AuditFilter, AuditRecord, StoredAuditRecord
from costsight.core.pagination import Page

log = logging.getLogger(__name__)


class MemoryAudit:
    """AuditPort over the unit of work's tables. Rows are inserted, never updated."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def append(self, record: AuditRecord, *, emit: bool = True) -> bool:
        """A duplicate audit_id is refused (False) without touching the unit's other writes,
        which is what the SQL adapter's savepoint gives."""
        if not emit:
            return True
        if record.audit_id in self._tx.audit:
            log.warning("audit_persistence_failed: duplicate audit_id %r", record.audit_id)
            return False
        stored = StoredAuditRecord(**dict(record), created_at=self._tx.now())
        self._tx.audit.put(stored.audit_id, stored)
        return True

    async def list_records(self, tenant_id: str, filters: AuditFilter, *, limit: int,
                           cursor: str | None = None) -> Page[StoredAuditRecord]:
        f = filters
        rows = self._tx.audit.rows(
            lambda r: r.tenant_id == tenant_id
            and (f.envelope_id is None or r.envelope_id == f.envelope_id)
            and (f.decision is None or r.decision == f.decision)
            and (f.envelope_class is None or r.envelope_class == f.envelope_class)
            and (f.start is None or r.decision_timestamp >= f.start)
            and (f.end is None or r.decision_timestamp < f.end))
        return keyset_page(rows, key=lambda r: (r.decision_timestamp, r.audit_id),
                           kinds=(datetime, str), limit=limit, cursor=cursor, descending=True)
