"""The write side of the outbox: a cycle's stored findings become notifications in the same
unit of work, one per matching enabled route.

Called before the cycle commits, so the finding and its notifications are durable together
or not at all. A route hears of a finding once per severity it reaches: re-running a cycle on
the same state stores nothing new, an escalation (a higher severity) is a new notification
(``NotificationPort.enqueue`` keeps that rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from costsight.core.domain.alerts import Finding, NewAlertRoute, NewNotification, Notification
from costsight.core.ids import new_ids
from costsight.core.ports import UnitOfWork

NOTIFICATION_PREFIX = "nt_"


def plan_notifications(routes: Sequence[NewAlertRoute], findings: Sequence[Finding],
                       now: datetime) -> list[NewNotification]:
    """One notification per (finding, route that wants it), in finding order."""
    pairs = [(f, r) for f in findings for r in routes if r.matches(f)]
    ids = new_ids(NOTIFICATION_PREFIX, len(pairs))
    return [NewNotification(id=i, tenant_id=f.tenant_id, route_name=r.name, finding=f,
                            created_at=now) for i, (f, r) in zip(ids, pairs, strict=True)]


async def enqueue_findings(uow: UnitOfWork, findings: Sequence[Finding],
                           now: datetime) -> list[Notification]:
    """Write the notifications of ``findings`` (of any tenants) through ``uow``; returns the
    ones stored (not those a route already had at that severity)."""
    if not findings:
        return []
    planned: list[NewNotification] = []
    for tenant in dict.fromkeys(f.tenant_id for f in findings):
        routes = await uow.alert_routes.list_routes(tenant, enabled_only=True)
        if routes:
            planned.extend(plan_notifications(
                routes, [f for f in findings if f.tenant_id == tenant], now))
    return await uow.notifications.enqueue(planned) if planned else []
