"""Alerts: the notifications the outbox holds for a tenant and how their delivery went."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.alerts import DeliveryStatus, NotificationView
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.alert_routes import AlertRouteService
from costsight.core.services.read_models import ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import (
    CursorParam,
    LimitParam,
    LowerChoice,
    TenantIdParam,
    cursor_or_none,
    optional_enum,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

StatusParam = Annotated[
    Literal["any", "pending", "sent", "dead"], LowerChoice,
    Field(description="Only notifications in this delivery state; 'any' for all.")]


class NotificationList(ReadModel):
    items: list[NotificationView] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


@group.tool(names.LIST_NOTIFICATIONS, title="List alert notifications and their delivery")
async def list_notifications(ctx: ToolContext, status: StatusParam = "any",
                             limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                             tenant_id: TenantIdParam = "") -> NotificationList:
    """Notifications sent (or to be sent) to the tenant's alert routes, newest first.

    Answers "was the team told about this anomaly?" and "which alerts failed to deliver?".
    Each item: the delivery id (the Costsight-Delivery-Id header receivers see), the route,
    the finding (kind anomaly / prediction / pattern, its id, type, severity, title), the
    delivery status (pending, sent, dead), attempts, when it was sent or is next due, and the
    last error. Route secrets and URLs are never returned. Paged: pass next_cursor as cursor.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    service = AlertRouteService(state.app.storage, state.app.clock)
    page = await service.deliveries(tenant, status=optional_enum(DeliveryStatus, status),
                                    limit=limit, cursor=cursor_or_none(cursor))
    return NotificationList(items=page.items, next_cursor=page.next_cursor)
