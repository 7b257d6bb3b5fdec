"""Seeding routes and notifications for the alert tests, and a dispatcher on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from costsight.adapters.http.alert_sender import HttpxAlertSender
from costsight.core.domain.alerts import AlertRoute, NewAlertRoute, Notification
from costsight.core.services.alert_dispatch import AlertDispatcher, DispatchSettings
from costsight.core.services.alert_outbox import plan_notifications
from costsight.core.timeutil import FixedClock
from costsight.testing.contract.alert_builders import finding

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
TENANT = "tenant-a"
SECRET = "whsec-0123456789abcdef"


async def add_route(storage: Any, url: str, name: str = "ops", **fields: Any) -> AlertRoute:
    route = NewAlertRoute.model_validate({"tenant_id": TENANT, "name": name, "url": url,
                                          **fields})
    async with storage.unit_of_work() as uow:
        stored, _ = await uow.alert_routes.upsert_route(route, now=T0)
        await uow.commit()
    return stored


async def notify(storage: Any, routes: list[AlertRoute], count: int = 1,
                 severity: str = "high") -> list[Notification]:
    findings = [finding(f"ca_{i}", severity=severity) for i in range(count)]
    async with storage.unit_of_work() as uow:
        stored = await uow.notifications.enqueue(plan_notifications(routes, findings, T0))
        await uow.commit()
    return stored


async def notifications(storage: Any, tenant: str = TENANT) -> list[Notification]:
    items: list[Notification] = []
    cursor = None
    async with storage.unit_of_work() as uow:
        while True:
            page = await uow.notifications.list_notifications(tenant, limit=500, cursor=cursor)
            items.extend(page.items)
            if page.next_cursor is None:
                return items
            cursor = page.next_cursor


def dispatcher(storage: Any, clock: FixedClock | None = None, **settings: Any
               ) -> tuple[AlertDispatcher, HttpxAlertSender]:
    sender = HttpxAlertSender()
    defaults: dict[str, Any] = {"allow_private": True, "timeout_seconds": 5.0,
                                "backoff_base_seconds": 10.0}
    defaults.update(settings)
    return (AlertDispatcher(storage, clock or FixedClock(T0), sender,
                            DispatchSettings(**defaults)), sender)
