"""In-memory RollupPort: the fake answers every read by scanning its records, so it keeps no
rollups; rebuilding writes nothing and verifying finds nothing."""

from __future__ import annotations

from datetime import datetime

from costsight.core.domain.rollups import RollupDifference


class MemoryRollup:
    async def rebuild(self, tenant_id: str, since: datetime | None = None) -> int:
        return 0

    async def verify(self, tenant_id: str, since: datetime | None = None) -> list[RollupDifference]:
        return []
