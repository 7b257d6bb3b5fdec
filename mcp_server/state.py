"""What every tool call sees: the application, its read services and the tenant scope."""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context

from costsight.core.application import Application
from costsight.core.services.budget_status import BudgetStatusService
from costsight.core.services.queries import ReadQueries
from costsight.core.services.statistics import StatisticsService
from costsight.mcp_server.scope import TenantScope


@dataclass
class ServerState:
    """The lifespan context: built once per server, shared by every session."""

    app: Application
    scope: TenantScope
    @property
    def budgets(self) -> BudgetStatusService:
        return self.app.budgets

    @property
    def queries(self) -> ReadQueries:
        return self.app.queries

    @property
    def statistics(self) -> StatisticsService:
        return self.app.statistics


#: The context every tool receives: its lifespan context is the server's ServerState
#: (``new_server`` builds the server with a lifespan that yields one).
ToolContext = Context[ServerState]


def server_state(ctx: ToolContext) -> ServerState:
    return ctx.request_context.lifespan_context


def caller_scope(state: ServerState) -> TenantScope:
    """The server's scope, narrowed by the bearer token's scope on HTTP (none on stdio)."""
    token = get_access_token()
    if token is None:
        return state.scope
    return state.scope.intersect(TenantScope.parse(list(token.scopes)))


def tenant_for(ctx: ToolContext, tenant_id: str) -> tuple[ServerState, str]:
    """The state and the tenant this call is about (``OutOfScope`` outside the scope)."""
    state = server_state(ctx)
    return state, caller_scope(state).resolve(tenant_id)
