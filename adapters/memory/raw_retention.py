"""In-memory RawRetentionPort: the unit of work's cost records, oldest first."""

from __future__ import annotations

from datetime import datetime

from costsight.adapters.memory._tables import Tx
from costsight.core.domain.costs import CostRecord
from costsight.core.errors import ValidationError


class MemoryRawRetention:
    """RawRetentionPort over the ``cost_records`` table (request ids stay claimed)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _older(self, tenant_id: str, before: datetime) -> list[CostRecord]:
        return self._tx.cost_records.rows(
            lambda r: r.tenant_id == tenant_id and r.created_at < before)

    async def count_raw_before(self, tenant_id: str, before: datetime) -> int:
        return len(self._older(tenant_id, before))

    async def delete_raw_before(self, tenant_id: str, before: datetime, *, batch: int) -> int:
        if batch < 1:
            raise ValidationError("batch", f"got {batch}", allowed="an integer >= 1")
        oldest = sorted(self._older(tenant_id, before), key=lambda r: (r.created_at, r.id))
        for record in oldest[:batch]:
            # its request id stays claimed (request_ids), like the SQL claim table
            self._tx.cost_records.delete(record.id)
        return len(oldest[:batch])
