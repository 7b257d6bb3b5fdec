"""Fuzz harness for the MCP tools' argument parsing (bounded time, see ``fuzz_budget``): every
tool called in-process with arbitrary arguments - instants of every year, offset and precision,
forged cursors carrying such instants, enum values in any case, wrong types, huge numbers,
tenants in and out of scope.

Invariants: every call ends in a structured result, or an isError result naming one of the
parameters it was given (or saying what was not found); nothing raises.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest
from hypothesis import strategies as st
from mcp import Client
from mcp.types import Tool

from costsight.core.application import Application
from costsight.core.pagination import encode_cursor
from costsight.core.timeutil import FixedClock
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from tests.contract.builders import T0
from tests.mcp.seed import seed_findings, seed_metering
from tests.reliability.bad_lines import json_values
from tests.reliability.fuzz_budget import fuzz_for
from tests.reliability.test_fuzz_ingest import instants

CALLS_PER_EXAMPLE = 10

pytestmark = pytest.mark.memory
TIME_PARAMS = {"start", "end", "as_of"}
SCOPE = ["tenant-a", "tenant-b"]


async def _app() -> Application:
    from costsight.adapters.memory import MemoryStorage

    storage = MemoryStorage()
    await seed_metering(storage)
    await seed_findings(storage)
    return Application(storage, clock=FixedClock(T0), load_entrypoints=False)


async def _tools() -> list[Tool]:
    async with Client(build_server(await _app(), scope=TenantScope.of(SCOPE))) as client:
        return sorted((await client.list_tools()).tools, key=lambda t: t.name)


TOOLS = anyio.run(_tools)
PARAMS = {tool.name: sorted(tool.input_schema.get("properties", {})) for tool in TOOLS}

_cursor_parts = st.one_of(instants(), st.integers(-(2**70), 2**70), st.text(max_size=10),
                          st.none(), st.booleans())
_cursors = st.one_of(st.lists(_cursor_parts, min_size=0, max_size=3).map(
    lambda parts: encode_cursor(*parts)), st.text(max_size=40))


def _value(param: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Plausible and implausible values for one parameter."""
    wild = json_values()
    if param in TIME_PARAMS:
        return st.one_of(instants(), st.just(""), wild)
    if param == "cursor":
        return st.one_of(_cursors, st.just(""), wild)
    if param == "tenant_id":
        return st.one_of(st.sampled_from([*SCOPE, "tenant-c", "", "TENANT-A"]), wild)
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]).flatmap(
            lambda v: st.sampled_from([v, str(v).upper(), str(v).title(), f" {v}"])), wild)
    if schema.get("type") == "integer":
        return st.one_of(st.integers(-5, 600), st.integers(-(2**70), 2**70), wild)
    if schema.get("type") == "boolean":
        return st.one_of(st.booleans(), wild)
    return st.one_of(st.text(max_size=20), st.just("any"), wild)


@st.composite
def calls(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    made = []
    for _ in range(CALLS_PER_EXAMPLE):
        tool = draw(st.sampled_from(TOOLS))
        props = tool.input_schema.get("properties", {})
        chosen = draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
        made.append((tool.name, {p: draw(_value(p, props[p])) for p in chosen}))
    return made


def _acceptable_error(text: str, tool: str) -> bool:
    if "not found" in text:
        return True
    names = PARAMS[tool]  # a missing required parameter is named though it was not given
    return any(f"'{p}'" in text or p in (line.strip() for line in text.splitlines())
               for p in names)


async def _check_call(client: Client, name: str, arguments: dict[str, Any]) -> None:
    result = await client.call_tool(name, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        assert "Traceback" not in text, (name, arguments, text)
        assert _acceptable_error(text, name), (name, arguments, text)
    else:
        assert result.structured_content is not None, (name, arguments, text)


async def test_fuzz_the_mcp_tool_arguments() -> None:
    # One server and one client for the whole run; hypothesis drives it from a worker thread
    # (its runner is synchronous), each call awaited on this event loop.
    server = build_server(await _app(), scope=TenantScope.of(SCOPE))
    async with Client(server, raise_exceptions=True) as client:

        def check_calls(made: list[tuple[str, dict[str, Any]]]) -> None:
            for name, arguments in made:
                anyio.from_thread.run(_check_call, client, name, arguments)

        tried = await anyio.to_thread.run_sync(fuzz_for, check_calls, calls())
    assert tried > 0
    print(f"MCP fuzz: {tried * CALLS_PER_EXAMPLE} calls")
