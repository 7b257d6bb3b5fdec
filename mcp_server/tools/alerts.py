"""Alerts: the notifications the outbox holds for a tenant and how their delivery went."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.alerts import DeliveryStatus, NotificationView
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.alert_routes import AlertRouteService
from costsight.core.services.read_models import ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page, page_key
from costsight.mcp_server.params import (
    CursorParam,
    LimitParam,
    LowerChoice,
    TenantIdParam,
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
    next_cursor: str | None  # absent on the last page (the instructions say so)


@group.tool(names.LIST_NOTIFICATIONS, title="List alert notifications and their delivery")
async def list_notifications(ctx: ToolContext, status: StatusParam = "any",
                             limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                             tenant_id: TenantIdParam = "") -> NotificationList:
    """Alert notifications to the tenant's routes and their delivery (pending, sent, dead),
    newest first: "was the team told?", "which alerts failed?". Secrets and URLs never shown.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    service = AlertRouteService(state.app.storage, state.app.clock)
    wanted = optional_enum(DeliveryStatus, status)
    return await fit_page(
        names.LIST_NOTIFICATIONS, page_key(tenant, {"status": status}), cursor, limit,
        state.max_result_chars,
        lambda n, c: service.deliveries(tenant, status=wanted, limit=n, cursor=c),
        lambda items, nxt: NotificationList(items=list(items), next_cursor=nxt))
