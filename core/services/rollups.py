"""Rollup maintenance for operators: rebuild and verify every tenant's rollups (or one's).

Each tenant is rebuilt or verified in its own unit of work, holding only that tenant's writer
lock, so other tenants keep writing meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from costsight.core.domain.rollups import RollupDifference
from costsight.core.ports import Storage


@dataclass
class RollupReport:
    """Per tenant: rollup rows written (rebuild) or differences found (verify)."""

    written: dict[str, int] = field(default_factory=dict)
    differences: list[RollupDifference] = field(default_factory=list)
    tenants: list[str] = field(default_factory=list)


class RollupService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def _tenants(self, tenant_id: str | None) -> list[str]:
        if tenant_id is not None:
            return [tenant_id]
        async with self._storage.unit_of_work() as uow:
            return await uow.rollups.tenants_with_records()

    async def rebuild(self, tenant_id: str | None = None,
                      since: datetime | None = None) -> RollupReport:
        report = RollupReport(tenants=await self._tenants(tenant_id))
        for tenant in report.tenants:
            async with self._storage.unit_of_work() as uow:
                report.written[tenant] = await uow.rollups.rebuild(tenant, since)
                await uow.commit()
        return report

    async def verify(self, tenant_id: str | None = None,
                     since: datetime | None = None) -> RollupReport:
        report = RollupReport(tenants=await self._tenants(tenant_id))
        for tenant in report.tenants:
            async with self._storage.unit_of_work() as uow:
                report.differences += await uow.rollups.verify(tenant, since)
        return report
