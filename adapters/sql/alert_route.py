"""AlertRoutePort on SQL: one row per (tenant_id, name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import alert_routes
from costsight.core.domain.alerts import AlertRoute, NewAlertRoute

r = alert_routes.c


def route_from_row(row: Row[Any]) -> AlertRoute:
    return AlertRoute.model_validate(dict(row._mapping))


class SqlAlertRoute:
    """Routes in ``alert_routes``; the secret column is read only by ``get``/``list``."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def upsert_route(self, route: NewAlertRoute, *, now: datetime) -> tuple[AlertRoute, bool]:
        values: dict[str, Any] = route.model_dump(
            mode="json", include=set(NewAlertRoute.model_fields) - {"secret"})
        values["secret"] = route.secret_value()
        values.update(created_at=now, updated_at=now)
        stmt = self._dialect.insert(alert_routes).values(values)
        changed = {k: stmt.excluded[k] for k in values if k not in ("tenant_id", "name",
                                                                    "created_at")}
        stmt = stmt.on_conflict_do_update(index_elements=[r.tenant_id, r.name], set_=changed)
        existed = await self.get_route(route.tenant_id, route.name)
        await self._conn.execute(stmt)
        stored = await self.get_route(route.tenant_id, route.name)
        assert stored is not None
        return stored, existed is None

    async def get_route(self, tenant_id: str, name: str) -> AlertRoute | None:
        row = (await self._conn.execute(select(alert_routes).where(
            r.tenant_id == tenant_id, r.name == name))).first()
        return None if row is None else route_from_row(row)

    async def list_routes(self, tenant_id: str, *, enabled_only: bool = False
                          ) -> list[AlertRoute]:
        stmt = select(alert_routes).where(r.tenant_id == tenant_id)
        if enabled_only:
            stmt = stmt.where(r.enabled.is_(True))
        stmt = stmt.order_by(self._dialect.text_key(r.name))
        return [route_from_row(row) for row in await self._conn.execute(stmt)]

    async def remove_route(self, tenant_id: str, name: str) -> bool:
        result = await self._conn.execute(delete(alert_routes).where(
            r.tenant_id == tenant_id, r.name == name))
        return bool(result.rowcount)
