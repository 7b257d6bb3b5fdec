"""In-memory AlertRoutePort."""

from __future__ import annotations

from datetime import datetime

from costsight.adapters.memory._tables import Tx
from costsight.core.domain.alerts import AlertRoute, NewAlertRoute


class MemoryAlertRoute:
    """AlertRoutePort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def upsert_route(self, route: NewAlertRoute, *, now: datetime) -> tuple[AlertRoute, bool]:
        key = (route.tenant_id, route.name)
        stored = self._tx.alert_routes.get(key)
        created = stored.created_at if stored is not None else now
        fields = {name: getattr(route, name) for name in NewAlertRoute.model_fields}
        row = AlertRoute(**fields, created_at=created, updated_at=now)
        self._tx.alert_routes.put(key, row)
        return row, stored is None

    async def get_route(self, tenant_id: str, name: str) -> AlertRoute | None:
        row = self._tx.alert_routes.get((tenant_id, name))
        return row if isinstance(row, AlertRoute) else None

    async def list_routes(self, tenant_id: str, *, enabled_only: bool = False
                          ) -> list[AlertRoute]:
        rows = self._tx.alert_routes.rows(
            lambda r: r is not None and r.tenant_id == tenant_id
            and (r.enabled or not enabled_only))
        return sorted(rows, key=lambda r: r.name)

    async def remove_route(self, tenant_id: str, name: str) -> bool:
        key = (tenant_id, name)
        if self._tx.alert_routes.get(key) is None:
            return False
        # A tombstone in the overlay: the committed row is replaced by None at commit.
        # TxTable has no delete and the table is typed for rows only; every reader here
        # (get_route, list_routes, upsert_route) treats a None row as absent.
        self._tx.alert_routes.put(key, None)  # type: ignore[arg-type]  # tombstone, see above
        return True
