"""The protocol beyond tools: both lifecycles, serverInfo, resources, completions, progress."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import PromptReference, ResourceTemplateReference, TextResourceContents

from costsight.core.application import Application
from costsight.core.domain.anomalies import AnomalyType
from costsight.core.domain.predictions import PredictionType
from costsight.core.domain.statistics import Dimension
from costsight.mcp_server import tool_names as n
from costsight.mcp_server.resources import BUDGETS_TEMPLATE, GLOSSARY_URI, SUMMARY_TEMPLATE
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from tests.contract.builders import OTHER_TENANT, TENANT

pytestmark = [pytest.mark.memory, pytest.mark.anyio]

MODES = ("legacy", "2026-07-28")


@asynccontextmanager
async def client(app: Application, mode: str = "legacy",
                 scope: TenantScope | None = None) -> AsyncIterator[Client]:
    server = build_server(app, scope=scope or TenantScope.of([TENANT]))
    async with Client(server, raise_exceptions=True, mode=mode) as c:  # type: ignore[arg-type]
        yield c


async def read_json(c: Client, uri: str) -> Any:
    result = await c.read_resource(uri)
    (content,) = result.contents
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "application/json"
    return json.loads(content.text)


@pytest.mark.parametrize("mode", MODES)
async def test_both_lifecycles_serve_tools_resources_and_prompts(
        app: Application, seeded: dict[str, str], mode: str) -> None:
    async with client(app, mode) as c:
        assert c.protocol_version == ("2025-11-25" if mode == "legacy" else mode)
        listed = await c.list_tools()
        names = {t.name for t in listed.tools}
        # legacy: serverInfo in the initialize result; 2026-07-28: stamped on every result
        if mode == "legacy":
            assert c.server_info is not None
            info = c.server_info.model_dump()
        else:
            assert listed.meta is not None
            info = listed.meta["io.modelcontextprotocol/serverInfo"]
        assert info["name"] == "costsight"
        assert info["version"] == metadata.version("costsight")
        assert n.GET_COST_STATISTICS in names
        assert (await read_json(c, GLOSSARY_URI))["dimensions"].keys() == {str(d) for d in Dimension}
        prompts = {p.name for p in (await c.list_prompts()).prompts}
        assert {n.INVESTIGATE_COST_SPIKE, n.WEEKLY_COST_REVIEW, n.EXPLAIN_SPEND_DRIVER} <= prompts
        done = await c.complete(ResourceTemplateReference(uri=SUMMARY_TEMPLATE),
                                {"name": "tenant_id", "value": ""})
        assert done.completion.values == [TENANT]


async def test_server_discover_negotiates_the_stateless_lifecycle(app: Application) -> None:
    """mode='auto' probes server/discover first and adopts its answer."""
    async with client(app, "auto") as c:
        assert c.protocol_version == "2026-07-28"
        caps = c.server_capabilities
        info = c.server_info
    assert info is not None and info.version == metadata.version("costsight")
    assert caps.tools is not None and caps.resources is not None and caps.prompts is not None
    assert caps.completions is not None
    assert caps.logging is None  # deprecated by SEP-2577: not adopted
    assert caps.extensions is not None and "io.modelcontextprotocol/ui" in caps.extensions


async def test_the_handshake_advertises_completions_but_not_logging(app: Application) -> None:
    async with client(app) as c:
        caps = c.server_capabilities
    assert caps.completions is not None and caps.resources is not None
    assert caps.logging is None


async def test_resources_list_the_glossary_and_templates_the_tenant_views(
        app: Application) -> None:
    async with client(app) as c:
        uris = {str(r.uri) for r in (await c.list_resources()).resources}
        templates = {t.uri_template for t in
                     (await c.list_resource_templates()).resource_templates}
        glossary = await read_json(c, GLOSSARY_URI)
    assert GLOSSARY_URI in uris
    assert {BUDGETS_TEMPLATE, SUMMARY_TEMPLATE} <= templates
    assert set(glossary["anomaly_types"]) == {str(t) for t in AnomalyType}
    assert set(glossary["prediction_types"]) == {str(t) for t in PredictionType}
    assert {"spend_cents", "requests", "input_tokens"} <= set(glossary["metrics"])


async def test_summary_resource_reads_the_last_30_days(app: Application,
                                                      seeded: dict[str, str]) -> None:
    async with client(app) as c:
        summary = await read_json(c, f"costsight://tenant/{TENANT}/summary")
    assert summary["tenant_id"] == TENANT
    assert summary["totals"]["spend_cents"] == 11.75
    assert summary["totals"]["requests"] == 3
    assert summary["top_models"][0]["key"] == "claude-3-5-sonnet"
    assert [f["key"] for f in summary["top_features"]] == ["search.query", "chat.reply"]
    assert summary["budgets"]["active"] == 3
    # on T0's day u1 spent 10 cents of a 5-cent daily limit; chat.reply 1.75 of 2 this month
    assert {(b["budget_type"], b["entity_id"], b["status"])
            for b in summary["budgets"]["needing_attention"]} == {
        ("user", "u1", "exceeded"), ("feature", "chat.reply", "warning")}


async def test_budgets_resource_lists_the_active_budgets(app: Application,
                                                        seeded: dict[str, str]) -> None:
    async with client(app) as c:
        budgets = await read_json(c, f"costsight://tenant/{TENANT}/budgets")
    assert budgets["tenant_id"] == TENANT
    assert {(b["budget_type"], b["entity_id"]) for b in budgets["budgets"]} == {
        ("tenant", ""), ("feature", "chat.reply"), ("user", "u1")}
    assert budgets["inactive_budgets"] == 1


@pytest.mark.parametrize("template", [SUMMARY_TEMPLATE, BUDGETS_TEMPLATE])
async def test_a_tenant_outside_the_scope_is_refused(app: Application, seeded: dict[str, str],
                                                     template: str) -> None:
    async with client(app) as c:
        with pytest.raises(MCPError) as caught:
            await c.read_resource(template.replace("{tenant_id}", OTHER_TENANT))
    assert "outside this server's scope" in str(caught.value)
    assert "999" not in str(caught.value)


async def test_tenant_completion_lists_only_the_scope(app: Application,
                                                     seeded: dict[str, str]) -> None:
    both = TenantScope.of([TENANT, OTHER_TENANT])
    ref = PromptReference(name=n.WEEKLY_COST_REVIEW)
    async with client(app, scope=both) as c:
        everyone = await c.complete(ref, {"name": "tenant_id", "value": ""})
        narrowed = await c.complete(ref, {"name": "tenant_id", "value": OTHER_TENANT})
    assert everyone.completion.values == sorted([TENANT, OTHER_TENANT])
    assert narrowed.completion.values == [OTHER_TENANT]
    async with client(app, scope=TenantScope.all()) as c:
        known = await c.complete(ref, {"name": "tenant_id", "value": ""})
    assert known.completion.values == sorted([TENANT, OTHER_TENANT])


async def test_dimension_and_value_completions_read_the_tenant_data(
        app: Application, seeded: dict[str, str]) -> None:
    ref = PromptReference(name=n.EXPLAIN_SPEND_DRIVER)
    async with client(app) as c:
        dims = await c.complete(ref, {"name": "dimension", "value": "w"})
        models = await c.complete(ref, {"name": "value", "value": "gpt"},
                                  {"tenant_id": TENANT, "dimension": "model"})
        features = await c.complete(ref, {"name": "value", "value": ""},
                                    {"dimension": "feature"})
        users = await c.complete(ref, {"name": "value", "value": "u"}, {"dimension": "user"})
        unknown_dim = await c.complete(ref, {"name": "value", "value": ""},
                                       {"dimension": "colour"})
        foreign = await c.complete(ref, {"name": "value", "value": ""},
                                   {"tenant_id": OTHER_TENANT, "dimension": "model"})
    assert dims.completion.values == ["worker", "workflow"]
    assert models.completion.values == ["gpt-4o", "gpt-4o-mini"]
    assert models.completion.total == 2 and not models.completion.has_more
    assert features.completion.values == ["chat.reply", "search.query"]
    assert users.completion.values == ["u1", "u2"]
    assert unknown_dim.completion.values == []
    assert foreign.completion.values == []  # another tenant's models are never suggested


async def test_long_tools_report_progress_when_asked(app: Application,
                                                    seeded: dict[str, str]) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with client(app) as c:
        result = await c.call_tool(n.GET_COST_STATISTICS, {"resolution": "day"},
                                   progress_callback=on_progress)
        plain = await c.call_tool(n.GET_BUDGET_STATUS, {}, progress_callback=on_progress)
    assert not result.is_error and not plain.is_error
    assert len(seen) >= 2, seen  # get_budget_status is short: no notifications of its own
    assert seen[0][0] == 0 and "started" in (seen[0][2] or "")
    last_progress, last_total, last_message = seen[-1]
    assert last_total == last_progress and "done" in (last_message or "")
    values = [p for p, _, _ in seen]
    assert values == sorted(values) and len(set(values)) == len(values)


async def test_explain_spend_driver_prompt_names_the_value_and_the_tools(
        app: Application) -> None:
    async with client(app) as c:
        named = await c.get_prompt(n.EXPLAIN_SPEND_DRIVER,
                                   {"tenant_id": TENANT, "dimension": "model",
                                    "value": "gpt-4o"})
        top = await c.get_prompt(n.EXPLAIN_SPEND_DRIVER, {"dimension": "feature"})
    named_text = named.messages[0].content.text  # type: ignore[union-attr]
    top_text = top.messages[0].content.text  # type: ignore[union-attr]
    assert "model='gpt-4o'" in named_text and TENANT in named_text
    assert n.GET_COST_BREAKDOWN in named_text and n.LIST_ANOMALIES in named_text
    assert "the most expensive feature" in top_text
