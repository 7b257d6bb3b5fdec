"""In-memory RollupPort: the fake answers every read by scanning its records, so it keeps no
rollups; rebuilding writes nothing and verifying finds nothing."""

from __future__ import annotations

from datetime import datetime

from costsight.adapters.memory._tables import Tx
from costsight.core.domain.rollups import RollupDifference


class MemoryRollup:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def tenants_with_records(self) -> list[str]:
        return sorted({r.tenant_id for r in self._tx.cost_records.rows()})

    async def rebuild(self, tenant_id: str, since: datetime | None = None) -> int:
        return 0

    async def verify(self, tenant_id: str, since: datetime | None = None) -> list[RollupDifference]:
        return []
