"""The costsight MCP server: read-only tools over one Application, limited to a tenant scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import metadata
from typing import Any

from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from costsight.core.application import Application
from costsight.mcp_server.apps import apps_extension, link_chart
from costsight.mcp_server.completions import StateCell, register_completions
from costsight.mcp_server.instructions import INSTRUCTIONS
from costsight.mcp_server.progress import ProgressHeartbeat
from costsight.mcp_server.prompts import register_prompts
from costsight.mcp_server.resources import register_resources
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.state import ServerState
from costsight.mcp_server.tooling import ToolServer
from costsight.mcp_server.tools import TOOL_GROUPS

SERVER_NAME = "costsight"


def package_version() -> str:
    """The installed costsight version, reported in ``serverInfo``."""
    try:
        return metadata.version("costsight")
    except metadata.PackageNotFoundError:  # a checkout imported without installing
        return "0+unknown"

Lifespan = Callable[[MCPServer[ServerState]], AbstractAsyncContextManager[ServerState]]


def new_server(lifespan: Lifespan, *, token_verifier: TokenVerifier | None = None,
               auth: AuthSettings | None = None) -> MCPServer[ServerState]:
    """A server with every tool, prompt, resource and completion, whose lifespan yields the
    ServerState."""
    cell = StateCell()

    @asynccontextmanager
    async def shared(server: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        async with lifespan(server) as state:
            cell.state = state
            yield state

    server: MCPServer[ServerState] = ToolServer(
        SERVER_NAME,
        title="costsight analytics",
        version=package_version(),
        instructions=INSTRUCTIONS,
        lifespan=shared,
        token_verifier=token_verifier,
        auth=auth,
        log_level="WARNING",
        extensions=[apps_extension()],
        middleware=[ProgressHeartbeat()],
    )
    for group in TOOL_GROUPS:
        group.register(server)
    link_chart(server)
    register_prompts(server)
    register_resources(server)
    register_completions(server, cell)
    return server


def build_server(app: Application, *, scope: TenantScope, **options: Any
                 ) -> MCPServer[ServerState]:
    """A server over an application the caller built (and closes): tests, embedding code."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        yield ServerState(app=app, scope=scope)

    return new_server(lifespan, **options)
