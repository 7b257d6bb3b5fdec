"""What every tool call sees: the application, its read services and the tenant scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context

from costsight.core.application import Application
from costsight.core.errors import ValidationError
from costsight.core.services.budget_status import BudgetStatusService
from costsight.core.services.comparison import ComparisonService
from costsight.core.services.queries import ReadQueries
from costsight.core.services.statistics import StatisticsService
from costsight.core.services.tenants import TenantsService
from costsight.mcp_server.answers import budget_from_env
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.tool_names import LIST_TENANTS


@dataclass
class ServerState:
    """The lifespan context: built once per server, shared by every session."""

    app: Application
    scope: TenantScope
    #: the answer budget in characters (COSTSIGHT_MCP_MAX_RESULT_CHARS)
    max_result_chars: int = field(default_factory=budget_from_env)

    @property
    def budgets(self) -> BudgetStatusService:
        return self.app.budgets

    @property
    def queries(self) -> ReadQueries:
        return self.app.queries

    @property
    def statistics(self) -> StatisticsService:
        return self.app.statistics

    @property
    def comparison(self) -> ComparisonService:
        return ComparisonService(self.app.storage)

    @property
    def tenants(self) -> TenantsService:
        return TenantsService(self.app.storage)


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


async def tenant_for(ctx: ToolContext, tenant_id: str) -> tuple[ServerState, str]:
    """The state and the tenant this call is about.

    ``OutOfScope`` outside the scope. In an every-tenant scope a tenant the storage has never
    seen is an error pointing to list_tenants, rather than an answer of zeros.
    """
    state = server_state(ctx)
    scope = caller_scope(state)
    tenant = scope.resolve(tenant_id)
    if scope.is_all and tenant not in await state.tenants.known():
        raise ValidationError("tenant_id", f"{tenant!r} has no data in this deployment",
                              allowed=f"a tenant listed by {LIST_TENANTS}")
    return state, tenant
