"""Every tool follows the conventions: names, title, description, annotations, schemas."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from mcp.types import Tool

from costsight.core.application import Application
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import DimensionParam, ResolutionParam
from tests.mcp.helpers import connect

pytestmark = pytest.mark.memory

LIST_TOOLS = {names.LIST_DIMENSION_VALUES, names.LIST_FEATURE_TAGS, names.LIST_ANOMALIES,
              names.LIST_PATTERN_FEEDBACK, names.LIST_PREDICTIONS, names.QUERY_PROVENANCE,
              names.LIST_AUDIT_RECORDS, names.LIST_TENANTS}
NO_TENANT_ARGUMENT = {names.GET_LEADER_STATUS, names.LIST_TENANTS}


async def _tools(app: Application) -> list[Tool]:
    async with connect(app) as client:
        return (await client.list_tools()).tools


def _walk(schema: Any) -> list[dict]:
    """Every sub-schema (dicts) of a JSON schema."""
    found: list[dict] = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found.extend(_walk(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_walk(value))
    return found


async def test_exactly_the_specified_tools(app: Application) -> None:
    tools = await _tools(app)
    assert sorted(t.name for t in tools) == sorted(names.ALL_TOOLS)
    assert len(names.ALL_TOOLS) == 23


async def test_every_tool_has_title_description_and_read_only_annotations(
        app: Application) -> None:
    for tool in await _tools(app):
        assert tool.title, tool.name
        # short enough to scan, long enough to choose a tool by
        assert tool.description and 80 < len(tool.description) < 400, tool.name
        assert tool.annotations is not None, tool.name
        assert tool.annotations.read_only_hint is True, tool.name
        assert tool.annotations.open_world_hint is False, tool.name
        # destructive/idempotent hints only mean something when read_only_hint is false
        assert tool.annotations.destructive_hint is None, tool.name


async def test_every_tool_has_an_object_output_schema(app: Application) -> None:
    for tool in await _tools(app):
        assert tool.output_schema is not None, tool.name
        assert tool.output_schema["type"] == "object", tool.name
        assert tool.output_schema["properties"], tool.name


async def test_input_schemas_are_flat_without_unions(app: Application) -> None:
    for tool in await _tools(app):
        schema = tool.input_schema
        assert schema["type"] == "object"
        for sub in _walk(schema):
            assert "anyOf" not in sub and "oneOf" not in sub and "allOf" not in sub, tool.name
            assert "$ref" not in sub, tool.name
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("type") in {"string", "integer", "boolean"}, (tool.name, name)
            assert prop.get("description"), (tool.name, name)


async def test_tenant_id_is_optional_everywhere_but_leader_status(app: Application) -> None:
    for tool in await _tools(app):
        props = tool.input_schema.get("properties", {})
        if tool.name in NO_TENANT_ARGUMENT:
            assert "tenant_id" not in props
            continue
        assert props["tenant_id"]["type"] == "string"  # its "" default is not published
        assert "tenant_id" not in tool.input_schema.get("required", [])


async def test_list_tools_take_a_bounded_limit_and_a_cursor(app: Application) -> None:
    tools = {t.name: t for t in await _tools(app)}
    for name in LIST_TOOLS:
        props = tools[name].input_schema["properties"]
        limit = props["limit"]
        assert (limit["type"], limit["default"], limit["minimum"], limit["maximum"]) == (
            "integer", DEFAULT_LIMIT, 1, MAX_LIMIT)
        assert props["cursor"]["type"] == "string"
        assert "cursor" not in tools[name].input_schema.get("required", [])
        out = tools[name].output_schema["properties"]
        assert {"items", "next_cursor"} <= set(out), name


async def test_enums_match_the_domain() -> None:
    def literal_values(annotated: Any) -> set[str]:
        return set(get_args(get_args(annotated)[0]))

    assert literal_values(DimensionParam) == {d.value for d in Dimension}
    assert literal_values(ResolutionParam) == {r.value for r in Resolution}


async def test_instructions_name_every_tool(app: Application) -> None:
    async with connect(app) as client:
        instructions = client.instructions
    assert instructions
    for name in names.ALL_TOOLS:
        assert name in instructions, name


async def test_prompts(app: Application) -> None:
    async with connect(app) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        spike = await client.get_prompt(names.INVESTIGATE_COST_SPIKE,
                                        {"anomaly_id": "ca_0123456789abcdef"})
        review = await client.get_prompt(names.WEEKLY_COST_REVIEW,
                                         {"tenant_id": "tenant-a",
                                          "week_end": "2026-03-09T00:00:00Z"})
    assert set(prompts) == {names.INVESTIGATE_COST_SPIKE, names.WEEKLY_COST_REVIEW,
                            names.EXPLAIN_SPEND_DRIVER}
    assert all(p.title and p.description for p in prompts.values())
    spike_text = spike.messages[0].content.text
    assert "ca_0123456789abcdef" in spike_text and names.GET_ANOMALY in spike_text
    review_text = review.messages[0].content.text
    assert "2026-03-09T00:00:00Z" in review_text and names.GET_BUDGET_STATUS in review_text
