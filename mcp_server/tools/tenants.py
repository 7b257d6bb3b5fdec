"""list_tenants: which tenants the caller may ask about, and how active they are."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.read_models import ReadModel
from costsight.core.services.tenants import TenantSummary
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page
from costsight.mcp_server.params import CursorParam, LimitParam
from costsight.mcp_server.state import ToolContext, caller_scope, server_state
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()


class TenantList(ReadModel):
    scope: str = Field(description="the caller's scope: 'every tenant' or the tenant ids")
    items: list[TenantSummary] = Field(description="ascending by tenant_id")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


@group.tool(names.LIST_TENANTS, title="List tenants", narrow="a smaller limit")
async def list_tenants(ctx: ToolContext, limit: LimitParam = DEFAULT_LIMIT,
                       cursor: CursorParam = "") -> TenantList:
    """The tenants this caller may ask about, with first and last activity and 30-day spend.

    Gives the tenant_id the other tools take.
    """
    state = server_state(ctx)
    scope = caller_scope(state)
    now = state.app.clock.now()

    def build(items: Sequence[TenantSummary], nxt: str | None) -> TenantList:
        return TenantList(scope=scope.describe(), items=list(items), next_cursor=nxt)

    key: dict[str, object] = {"scope": sorted(scope.tenants) if scope.tenants is not None
                              else "*"}
    return await fit_page(
        names.LIST_TENANTS, key, cursor, limit, state.max_result_chars,
        lambda n, c: state.tenants.list_tenants(scope.tenants, now, limit=n, cursor=c), build)
