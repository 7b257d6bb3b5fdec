"""Fuzzed MCP tool arguments: a wrong type, an over-long string, an out-of-range number, an
unknown enum value, a bad timestamp or a forged cursor in any parameter of any tool gives an
isError result naming that parameter (never a crash, never a traceback); the read-only
server's database is unchanged and it keeps answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import Tool

from costsight.mcp_server import tool_names as names
from costsight.mcp_server.runtime import build_server_from_settings
from costsight.mcp_server.scope import TenantScope
from costsight.settings import Settings
from tests.mcp.helpers import call, err
from tests.mcp.seed import seed_database
from tests.reliability.tables import row_counts

CALLS_PER_EXAMPLE = 12
VALID = {
    names.GET_COST_BREAKDOWN: {"dimension": "model"},
    names.LIST_DIMENSION_VALUES: {"dimension": "model"},
    names.GET_ANOMALY: {"anomaly_id": "ca_0000000000000000"},
}
TIME_PARAMS = {"start", "end", "as_of"}
BAD_TIMES = ("yesterday", "2026-03-01T00:00:00", "2026-13-01T00:00:00Z",
             "2026-03-01T25:00:00+00:00", "'; DROP TABLE cost_records; --", "1767225600")
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


@dataclass(frozen=True)
class Attempt:
    """Abstract choices, resolved against the live tool schemas inside the test."""

    tool: int
    param: int
    kind: int
    number: int
    text: str


attempts = st.lists(st.builds(
    Attempt, tool=st.integers(0, len(names.ALL_TOOLS) - 1), param=st.integers(0, 15),
    kind=st.integers(0, 15), number=st.integers(0, 10**6),
    text=st.text(alphabet="abcxyz-!%' ", min_size=1, max_size=12)),
    min_size=CALLS_PER_EXAMPLE, max_size=CALLS_PER_EXAMPLE)


def _bad_values(param: str, schema: dict[str, Any], a: Attempt) -> list[Any]:
    """Values that ``schema`` (one property of a tool's input schema) must refuse."""
    kind = schema.get("type")
    if kind == "integer":
        values: list[Any] = [f"n{a.text}", [a.number], None, a.number + 0.5]
        if "minimum" in schema:
            values.append(schema["minimum"] - 1 - a.number)
        if "maximum" in schema:
            values.append(schema["maximum"] + 1 + a.number)
        return values
    if kind == "boolean":
        return [f"maybe{a.text}", [a.number], {"k": a.number}, a.number + 2, None]
    values = [a.number, [a.text], {"k": a.text}, None]
    if "maxLength" in schema:
        values.append("x" * (schema["maxLength"] + 1 + a.number % 50))
    if "enum" in schema:
        values.append(f"zz-{a.text}")
    if param in TIME_PARAMS:
        values.extend(BAD_TIMES)
    if param == "cursor":
        values.append(f"!{a.text}")
    return values


def _names_the_parameter(text: str, param: str) -> bool:
    # Domain errors: "invalid parameter 'limit': ..."; the SDK's argument validation lists
    # each bad argument on a line of its own.
    return f"'{param}'" in text or param in (line.strip() for line in text.splitlines())


@pytest.fixture
async def seeded_url(sql_url: str) -> str:
    return await seed_database(sql_url)


async def _refused(client: Client, tool: Tool, param: str, value: Any) -> None:
    arguments = {**VALID.get(tool.name, {}), param: value}
    text = err(await client.call_tool(tool.name, arguments))
    assert _names_the_parameter(text, param), (tool.name, param, value, text)


async def test_every_parameter_of_every_tool_refuses_every_kind_of_bad_value(
        seeded_url: str) -> None:
    before = await row_counts(seeded_url)
    server = build_server_from_settings(Settings(database_url=seeded_url),
                                        scope=TenantScope.of(["tenant-a"]))
    calls = 0
    async with Client(server, raise_exceptions=True) as client:
        for tool in (await client.list_tools()).tools:
            props = tool.input_schema.get("properties", {})
            for param, schema in props.items():
                for value in _bad_values(param, schema, Attempt(0, 0, 0, 7, "abc")):
                    await _refused(client, tool, param, value)
                    calls += 1
        stats = await call(client, names.GET_COST_STATISTICS, **WEEK)
        assert stats["totals"]["spend_cents"] == 11.75
    assert calls > 400
    assert await row_counts(seeded_url) == before


@given(tries=attempts)
@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
async def test_fuzzed_arguments_are_refused_naming_the_parameter(seeded_url: str,
                                                                 tries: list[Attempt]) -> None:
    before = await row_counts(seeded_url)
    server = build_server_from_settings(Settings(database_url=seeded_url),
                                        scope=TenantScope.of(["tenant-a"]))
    async with Client(server, raise_exceptions=True) as client:
        tools: list[Tool] = sorted((await client.list_tools()).tools, key=lambda t: t.name)
        for a in tries:
            tool = tools[a.tool % len(tools)]
            props = tool.input_schema.get("properties", {})
            if not props:  # get_leader_status takes no arguments
                continue
            param = sorted(props)[a.param % len(props)]
            values = _bad_values(param, props[param], a)
            await _refused(client, tool, param, values[a.kind % len(values)])
        # Still answering, with the right data.
        stats = await call(client, names.GET_COST_STATISTICS, **WEEK)
        assert stats["totals"]["spend_cents"] == 11.75
    assert await row_counts(seeded_url) == before
