"""Rollup port: rebuild and verify the sums a storage keeps beside its raw cost records."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from costsight.core.domain.rollups import RollupDifference


class RollupPort(Protocol):
    """Derived sums of cost records (SQL: hourly and daily rollups, kept at write time).

    A storage that answers every read from its records (the in-memory fake) keeps none: there
    is nothing to rebuild and nothing can differ.
    """

    async def tenants_with_records(self) -> list[str]:
        """Operator-only: every tenant with raw cost records, sorted (what ``rebuild`` of
        every tenant covers, even when records were loaded around the writers, e.g. restored
        from a dump, and no rollup names the tenant yet)."""
        ...

    async def rebuild(self, tenant_id: str, since: datetime | None = None) -> int:
        """Recompute the tenant's rollups from its raw records, from 00:00 UTC of the day of
        ``since`` (None: of its oldest raw record, so rollups kept after raw records were
        removed by retention survive); returns the number of rollup rows written. Rollups
        older than that day are left as they are."""
        ...

    async def verify(self, tenant_id: str, since: datetime | None = None) -> list[RollupDifference]:
        """Every rollup row of the tenant (from the day of ``since``; None: of its oldest raw
        record) whose sums differ from its raw records, or that is missing or has no records;
        empty when consistent."""
        ...
