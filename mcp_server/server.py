"""The costsight MCP server: read-only tools over one Application, limited to a tenant scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from costsight.core.application import Application
from costsight.mcp_server.instructions import INSTRUCTIONS
from costsight.mcp_server.prompts import register_prompts
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.state import ServerState
from costsight.mcp_server.tooling import ToolServer
from costsight.mcp_server.tools import TOOL_GROUPS

SERVER_NAME = "costsight"

Lifespan = Callable[[MCPServer[ServerState]], AbstractAsyncContextManager[ServerState]]


def new_server(lifespan: Lifespan, *, token_verifier: TokenVerifier | None = None,
               auth: AuthSettings | None = None) -> MCPServer[ServerState]:
    """A server with every tool and prompt, whose lifespan yields the ServerState."""
    server: MCPServer[ServerState] = ToolServer(
        SERVER_NAME,
        title="costsight analytics",
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        token_verifier=token_verifier,
        auth=auth,
        log_level="WARNING",
    )
    for group in TOOL_GROUPS:
        group.register(server)
    register_prompts(server)
    return server


def build_server(app: Application, *, scope: TenantScope, **options: Any
                 ) -> MCPServer[ServerState]:
    """A server over an application the caller built (and closes): tests, embedding code."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        yield ServerState(app=app, scope=scope)

    return new_server(lifespan, **options)
