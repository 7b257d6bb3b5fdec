"""Append-only audit trail of coordination decisions."""

from __future__ import annotations

from typing import Protocol

from costsight.core.domain.audit import AuditFilter, AuditRecord, StoredAuditRecord
from costsight.core.pagination import Page


class AuditPort(Protocol):
    """Appends and lists coordination audit records. Records are never updated."""

    async def append(self, record: AuditRecord, *, emit: bool = True) -> bool:
        """Append one validated record inside a savepoint of the current unit of work.

        ``emit=False`` (replay mode) writes nothing and returns True. A storage failure (for
        example a duplicate audit_id) rolls back the savepoint only, is logged, and returns
        False: an audit failure never undoes the caller's business writes.
        """
        ...

    async def list_records(self, tenant_id: str, filters: AuditFilter, *, limit: int,
                           cursor: str | None = None) -> Page[StoredAuditRecord]:
        """The tenant's records, newest decision first (ties by audit_id desc), keyset-paged;
        start/end filter decision_timestamp over [start, end)."""
        ...
