"""Managing alert routes and reading delivery state: what ``costsight alerts`` and the MCP
tool sit on. Views never carry a route's secret."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from costsight.core.domain.alerts import (
    AlertRouteView,
    DeliveryStatus,
    Finding,
    FindingKind,
    NewAlertRoute,
    NewNotification,
    NotificationView,
    UnsafeDestination,
    check_url_text,
)
from costsight.core.errors import NotFound, ValidationError
from costsight.core.pagination import Page
from costsight.core.ports import Storage
from costsight.core.services.alert_dispatch import AlertDispatcher, SendResult
from costsight.core.services.alert_outbox import plan_notifications
from costsight.core.services.alert_safety import DestinationUnresolved, check_destination
from costsight.core.timeutil import Clock

ALLOWED_URLS = ("an https:// URL whose host resolves to public addresses "
                "(COSTSIGHT_ALERTS_ALLOW_PRIVATE=1 allows others, for development)")


class AlertRouteService:
    def __init__(self, storage: Storage, clock: Clock, *, allow_private: bool = False) -> None:
        self.storage, self.clock, self.allow_private = storage, clock, allow_private

    async def check_url(self, url: str, *, resolve: bool = True) -> None:
        """ValidationError naming ``url`` unless the dispatcher would call it."""
        try:
            if resolve:
                try:
                    await check_destination(url, allow_private=self.allow_private)
                except DestinationUnresolved:
                    pass  # checked again, with the address it then has, at every delivery
            else:
                check_url_text(url, allow_private=self.allow_private)
        except UnsafeDestination as exc:
            raise ValidationError("url", str(exc), allowed=ALLOWED_URLS) from None

    async def add(self, route: NewAlertRoute) -> tuple[AlertRouteView, bool]:
        """Store (or replace) a route after checking its URL; returns its view and whether
        it is new."""
        await self.check_url(route.url)
        async with self.storage.unit_of_work() as uow:
            stored, inserted = await uow.alert_routes.upsert_route(route, now=self.clock.now())
            await uow.commit()
        return AlertRouteView.of(stored), inserted

    async def list_routes(self, tenant_id: str) -> list[AlertRouteView]:
        async with self.storage.unit_of_work() as uow:
            return [AlertRouteView.of(r) for r in await uow.alert_routes.list_routes(tenant_id)]

    async def remove(self, tenant_id: str, name: str) -> None:
        async with self.storage.unit_of_work() as uow:
            if not await uow.alert_routes.remove_route(tenant_id, name):
                raise NotFound("alert route", name, tenant_id)
            await uow.commit()

    async def send_test(self, tenant_id: str, name: str,
                        dispatcher: AlertDispatcher) -> SendResult:
        """POST a sample finding to the route now (signed like a real delivery); nothing is
        stored. The route's URL is checked as a delivery would be."""
        async with self.storage.unit_of_work() as uow:
            route = await uow.alert_routes.get_route(tenant_id, name)
        if route is None:
            raise NotFound("alert route", name, tenant_id)
        await self.check_url(route.url)
        now = self.clock.now()
        sample = Finding(tenant_id=tenant_id, kind=FindingKind.ANOMALY, finding_id="test",
                         finding_type="TEST", severity=route.min_severity,
                         title="costsight test alert",
                         summary=f"A test of the alert route {name!r}; no action needed.",
                         subject="route " + name, detected_at=now)
        [note] = plan_notifications([route.model_copy(update={"anomaly_types": None})],
                                    [sample], now)
        return await dispatcher.send_now(route, note)

    async def deliveries(self, tenant_id: str, *, status: DeliveryStatus | None = None,
                         limit: int = 50, cursor: str | None = None) -> Page[NotificationView]:
        async with self.storage.unit_of_work() as uow:
            page = await uow.notifications.list_notifications(tenant_id, status=status,
                                                              limit=limit, cursor=cursor)
        return Page(items=[NotificationView.of(n) for n in page.items],
                    next_cursor=page.next_cursor)

    async def would_receive(self, tenant_id: str, findings: Sequence[Finding],
                            now: datetime) -> list[NewNotification]:
        """The notifications the tenant's enabled routes would get for ``findings`` (nothing
        stored): the demo's view of a route."""
        async with self.storage.unit_of_work() as uow:
            routes = await uow.alert_routes.list_routes(tenant_id, enabled_only=True)
        return plan_notifications(routes, [f for f in findings if f.tenant_id == tenant_id], now)


def parse_status(value: str | None) -> DeliveryStatus | None:
    if value is None:
        return None
    try:
        return DeliveryStatus(value)
    except ValueError:
        raise ValidationError("status", f"unknown delivery status {value!r}",
                              allowed=", ".join(s.value for s in DeliveryStatus)) from None
