"""A tenant's alert routes: where its findings are sent."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from costsight.core.domain.alerts import AlertRoute, NewAlertRoute


class AlertRoutePort(Protocol):
    """Routes keyed by (tenant_id, name). Secrets are stored as given and only ever read back
    by the dispatcher (views never carry them)."""

    async def upsert_route(self, route: NewAlertRoute, *, now: datetime) -> tuple[AlertRoute, bool]:
        """Insert the route, or replace every field of the stored route of that name (keeping
        its created_at). Returns the stored route and whether it was inserted."""
        ...

    async def get_route(self, tenant_id: str, name: str) -> AlertRoute | None:
        """The tenant's route of that name, or None."""
        ...

    async def list_routes(self, tenant_id: str, *, enabled_only: bool = False
                          ) -> list[AlertRoute]:
        """The tenant's routes by name."""
        ...

    async def remove_route(self, tenant_id: str, name: str) -> bool:
        """Delete the route; False when it did not exist. Its pending notifications stay and
        are dead-lettered by the dispatcher."""
        ...
