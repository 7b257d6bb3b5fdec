"""Raw retention: remove each tenant's raw cost records older than N whole days.

The cutoff is 00:00 UTC of the day ``raw_days`` days before today (the clock's day): a run
at any hour of a day removes the same rows. ``purge`` deletes through
``RawRetentionPort.delete_raw_before`` in batches, each in its own committed unit of work, so
a large purge never holds one long transaction and a crash keeps what it already removed
(run it again to finish). ``count`` is the dry run: what ``purge`` would remove now.
Rollups are not raw rows and keep the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from costsight.core.errors import ValidationError
from costsight.core.ports import Storage
from costsight.core.timeutil import Clock

DEFAULT_BATCH = 5_000
MAX_BATCH = 50_000
#: A hundred years: any longer horizon reaches before 1970, where no instant is stored.
MAX_RAW_DAYS = 36_500


@dataclass(frozen=True)
class TenantRetention:
    """Rows of one tenant removed (or, in a dry run, that would be) and the batches it took."""

    tenant_id: str
    rows: int
    batches: int = 0


def check_raw_days(raw_days: int, *, field: str = "raw_days") -> int:
    if not 1 <= raw_days <= MAX_RAW_DAYS:
        raise ValidationError(field, f"got {raw_days}; raw rows younger than one whole day "
                              "are always kept", allowed=f"an integer from 1 to {MAX_RAW_DAYS}")
    return raw_days


def check_batch(batch: int, *, field: str = "batch") -> int:
    if not 1 <= batch <= MAX_BATCH:
        raise ValidationError(field, f"got {batch}", allowed=f"an integer from 1 to {MAX_BATCH}")
    return batch


def raw_cutoff(now: datetime, raw_days: int) -> datetime:
    """00:00 UTC of the day ``raw_days`` (1 .. MAX_RAW_DAYS) days before ``now``'s UTC day."""
    check_raw_days(raw_days)
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=raw_days)


class RetentionService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def cutoff(self, raw_days: int) -> datetime:
        return raw_cutoff(self._clock.now(), raw_days)

    async def tenants(self, tenant_id: str | None = None) -> list[str]:
        """``[tenant_id]`` when given, else every known tenant (the operator read)."""
        if tenant_id is not None:
            return [tenant_id]
        async with self._storage.unit_of_work() as uow:
            return list(await uow.analytics.known_tenants())

    async def count(self, tenant_id: str, before: datetime) -> TenantRetention:
        """What ``purge`` would remove now; writes nothing."""
        async with self._storage.unit_of_work() as uow:
            rows = await uow.raw_retention.count_raw_before(tenant_id, before)
        return TenantRetention(tenant_id, rows)

    async def purge(self, tenant_id: str, before: datetime, *,
                    batch: int = DEFAULT_BATCH) -> TenantRetention:
        """Remove the tenant's raw rows created before ``before``, ``batch`` rows per committed
        unit of work, oldest first, until a batch comes back short."""
        check_batch(batch)
        rows = batches = 0
        while True:
            async with self._storage.unit_of_work() as uow:
                removed = await uow.raw_retention.delete_raw_before(tenant_id, before,
                                                                    batch=batch)
                await uow.commit()
            rows += removed
            batches += removed > 0
            if removed < batch:
                return TenantRetention(tenant_id, rows, batches)
