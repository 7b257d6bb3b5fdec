"""Guided workflows: investigating a cost spike, reviewing a week of spend, and explaining what
one model, feature, user (or other dimension value) costs. Their arguments have completions
(``costsight.mcp_server.completions``): tenant ids in scope, dimensions, and the dimension's
values."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from costsight.mcp_server import tool_names as n

TenantArg = Annotated[str, Field(description="tenant id (empty: the server's only tenant)")]


def investigate_cost_spike(tenant_id: TenantArg = "",
                           anomaly_id: Annotated[str, Field(
                               description="a cost anomaly id (ca_...); empty: the newest open "
                                           "HIGH anomaly")] = "") -> str:
    """Find out why spend jumped: the anomaly, its cause, and which dimension drove it."""
    tenant = f" for tenant_id={tenant_id!r}" if tenant_id else ""
    target = (f"Start with {n.GET_ANOMALY} anomaly_id={anomaly_id!r}."
              if anomaly_id else
              f"Start with {n.LIST_ANOMALIES} status='open' severity='HIGH' and take the newest; "
              f"if there is none, use {n.PREVIEW_ANOMALIES} to see what the detectors find now.")
    return (
        f"Investigate a cost spike{tenant}. {target}\n"
        f"1. Note the anomaly's type, entity (tenant, user or feature), current vs expected "
        f"spend (US cents), deviation_pct and derived_cause.\n"
        f"2. Call {n.GET_COST_STATISTICS} with resolution='hour' over the two days around "
        f"detected_at to see when the spend started.\n"
        f"3. Call {n.GET_COST_BREAKDOWN} over the same window by the entity's dimension, and by "
        f"model, to see who or what drove it.\n"
        f"4. Check {n.GET_USAGE_STATISTICS} for more runs or tokens (traffic growth vs prompt "
        f"growth) and {n.LIST_PATTERN_FEEDBACK} for repeating failures (retry loops).\n"
        f"5. Conclude: the most likely cause, the evidence (numbers with units), and a next step. "
        f"Say clearly what is measured and what is inferred."
    )


def weekly_cost_review(tenant_id: TenantArg = "",
                       week_end: Annotated[str, Field(
                           description="end of the week, ISO 8601 with offset (exclusive); "
                                       "empty: now")] = "") -> str:
    """Review a week of spend: totals and trend, top drivers, budgets, anomalies, predictions."""
    tenant = f" for tenant_id={tenant_id!r}" if tenant_id else ""
    end = f"end={week_end!r} and start 7 days earlier" if week_end else "the default window"
    return (
        f"Write a weekly cost review{tenant}, using {end} for every windowed tool.\n"
        f"1. {n.GET_COST_STATISTICS} (resolution='day'): total spend (USD), the daily trend, "
        f"and the top models and features with their share.\n"
        f"2. {n.GET_COST_BREAKDOWN} by user and by worker (top 5).\n"
        f"3. {n.GET_BUDGET_STATUS}: any budget in warning or exceeded.\n"
        f"4. {n.LIST_ANOMALIES} detected in the week, grouped by status.\n"
        f"5. {n.LIST_PREDICTIONS}: workers predicted to fail or overrun (advisory).\n"
        f"Finish with three bullet points: what changed, what needs attention, and what to watch."
    )


def explain_spend_driver(tenant_id: TenantArg = "",
                         dimension: Annotated[str, Field(
                             description="model, feature, user, worker, workflow or skill")]
                         = "model",
                         value: Annotated[str, Field(
                             description="the value of that dimension, e.g. a model name")] = ""
                         ) -> str:
    """Explain what one model, feature or user costs, how that changed, and what drives it."""
    tenant = f" for tenant_id={tenant_id!r}" if tenant_id else ""
    subject = f"{dimension}={value!r}" if value else f"the most expensive {dimension}"
    return (
        f"Explain the spend of {subject}{tenant} over the last 30 days.\n"
        f"1. {n.GET_COST_BREAKDOWN} by {dimension!r}: its spend, share of the total and rank"
        f"{'' if value else '; take the top value'}.\n"
        f"2. {n.GET_COST_STATISTICS} (resolution='day') for the trend of the whole tenant, and "
        f"compare the value's share in the first and the last week.\n"
        f"3. {n.GET_COST_BREAKDOWN} by the other dimensions (model, feature, user) to see what "
        f"the spend of {subject} is made of.\n"
        f"4. {n.LIST_ANOMALIES} for anomalies about it and {n.GET_BUDGET_STATUS} for its budget.\n"
        f"Finish with the numbers (USD, calls, tokens), the likely driver, and one next step."
    )


def register_prompts(server: MCPServer) -> None:
    server.prompt(n.INVESTIGATE_COST_SPIKE, title="Investigate a cost spike")(
        investigate_cost_spike)
    server.prompt(n.WEEKLY_COST_REVIEW, title="Weekly cost review")(weekly_cost_review)
    server.prompt(n.EXPLAIN_SPEND_DRIVER, title="Explain a spend driver")(explain_spend_driver)
