"""In-process MCP clients over an Application, and result checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

from costsight.core.application import Application
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from tests.contract.builders import TENANT


@asynccontextmanager
async def connect(app: Application, scope: TenantScope | None = None) -> AsyncIterator[Client]:
    """A client connected in-process to a server over ``app`` (default scope: TENANT only)."""
    server = build_server(app, scope=scope or TenantScope.of([TENANT]))
    async with Client(server, raise_exceptions=True) as client:
        yield client


def _text(result: CallToolResult) -> str:
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful call; its text block carries the same JSON."""
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    assert json.loads(_text(result)) == result.structured_content
    return result.structured_content


def err(result: CallToolResult) -> str:
    """The message of a failed call (isError, no structured content, no traceback)."""
    assert result.is_error, result.structured_content
    assert result.structured_content is None
    text = _text(result)
    assert "Traceback" not in text
    return text


async def call(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    return ok(await client.call_tool(name, arguments))


async def call_err(client: Client, name: str, **arguments: Any) -> str:
    return err(await client.call_tool(name, arguments))


#: A raw JSON-RPC initialize request and the headers streamable HTTP wants (transport probes).
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "probe", "version": "0"}}}
MCP_HEADERS = {"Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
