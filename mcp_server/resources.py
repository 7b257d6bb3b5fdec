"""Resources: what an agent can read without calling a tool.

- ``costsight://glossary``: the metrics, dimensions, anomaly and prediction types the tools use
  (static: the same for every tenant, built from the domain enums so it cannot drift);
- ``costsight://tenant/{tenant_id}/budgets``: the tenant's budgets and how much of each is used;
- ``costsight://tenant/{tenant_id}/summary``: the last 30 days of spend, the top models and
  features, and the budgets in trouble.

The templates are scope-checked like the tools: a tenant outside the caller's scope (the
server's, narrowed by the bearer token on HTTP) is refused with INVALID_PARAMS.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

from costsight.core.domain.anomalies import AnomalyType, EntityType, Severity
from costsight.core.domain.costs import BudgetPeriod, BudgetType
from costsight.core.domain.predictions import PredictionType, SubjectType
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.errors import OutOfScope, ValidationError
from costsight.core.services.budget_status import BudgetState
from costsight.mcp_server.state import ServerState, ToolContext, tenant_for

GLOSSARY_URI = "costsight://glossary"
BUDGETS_TEMPLATE = "costsight://tenant/{tenant_id}/budgets"
SUMMARY_TEMPLATE = "costsight://tenant/{tenant_id}/summary"
JSON = "application/json"
SUMMARY_DAYS = 30
SUMMARY_TOP = 5
NEEDS_ATTENTION = (BudgetState.WARNING, BudgetState.EXCEEDED)

METRICS = {
    "spend_cents": "money spent on LLM calls, US cents (exact, up to 6 decimals)",
    "spend_usd": "the same money in US dollars",
    "requests": "metered LLM calls (cost statistics) or worker runs created (usage statistics)",
    "input_tokens": "prompt tokens of the LLM calls",
    "output_tokens": "completion tokens of the LLM calls",
    "tokens": "the larger of run tokens and LLM-call tokens (usage statistics)",
    "compute_units": "worker runs that started executing",
    "llm_calls": "metered LLM calls (usage statistics)",
    "pct_of_total": "a value's spend as a percentage of the window's total spend",
    "usage_pct": "a budget period's spend as a percentage of its limit",
    "freshness_sec": "age in seconds of the newest bucket with data",
}
DIMENSIONS = {
    Dimension.MODEL: "the LLM model a call used",
    Dimension.FEATURE: "the product feature tag of a call (missing: untagged)",
    Dimension.USER: "the end user a call was made for",
    Dimension.WORKER: "the agent worker that made the call",
    Dimension.WORKFLOW: "the workflow the worker ran",
    Dimension.SKILL: "the skill the worker used",
}
ANOMALY_TYPES = {
    AnomalyType.ABSOLUTE_SPIKE: "spend in the latest bucket far above its recent baseline",
    AnomalyType.SUSTAINED_DRIFT: "spend above its baseline for several buckets in a row",
    AnomalyType.BUDGET_WARNING: "a budget period passed its warning threshold",
    AnomalyType.BUDGET_EXCEEDED: "a budget period passed 100% of its limit",
}
PREDICTION_TYPES = {
    PredictionType.FAILURE_LIKELIHOOD: "probability that a worker's next runs fail (advisory)",
    PredictionType.COST_OVERRUN: "probability that a worker or tenant overruns its expected "
                                 "cost (advisory)",
    PredictionType.BUDGET_BREACH: "probability that a budget period ends above its limit, "
                                  "emitted before it does (advisory)",
}


def glossary() -> dict[str, Any]:
    """The vocabulary every tool result uses; values are what tool arguments accept."""
    return {
        "metrics": METRICS,
        "dimensions": {str(d): DIMENSIONS[d] for d in Dimension},
        "resolutions": [str(r) for r in Resolution],
        "anomaly_types": {str(t): ANOMALY_TYPES[t] for t in AnomalyType},
        "anomaly_severities": [str(s) for s in Severity],
        "anomaly_entities": [str(e) for e in EntityType],
        "prediction_types": {str(t): PREDICTION_TYPES[t] for t in PredictionType},
        "prediction_subjects": [str(s) for s in SubjectType],
        "budget_types": [str(t) for t in BudgetType],
        "budget_periods": [str(p) for p in BudgetPeriod],
        "conventions": {
            "money": "US cents as exact decimals, plus spend_usd where useful",
            "time": "ISO 8601 with an offset; windows are [start, end), at most 90 days",
            "tenant_id": "may be empty when the caller's scope holds exactly one tenant",
        },
    }


async def scoped(ctx: ToolContext, tenant_id: str) -> tuple[ServerState, str]:
    """The state and tenant, or INVALID_PARAMS naming the variable (a refusal, not a crash)."""
    try:
        return await tenant_for(ctx, tenant_id)
    except OutOfScope as exc:
        raise MCPError(code=INVALID_PARAMS, message=f"invalid parameter 'tenant_id': {exc}",
                       data={"tenant_id": tenant_id}) from None
    except ValidationError as exc:
        raise MCPError(code=INVALID_PARAMS, message=str(exc),
                       data={"tenant_id": tenant_id}) from None


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


async def tenant_budgets(tenant_id: str, ctx: ToolContext) -> str:
    state, tenant = await scoped(ctx, tenant_id)
    report = await state.budgets.budget_status(tenant)
    return compact({"tenant_id": tenant, **report.model_dump(mode="json")})


async def tenant_summary(tenant_id: str, ctx: ToolContext) -> str:
    state, tenant = await scoped(ctx, tenant_id)
    end = state.app.clock.now().replace(microsecond=0)
    window = TimeWindow(start=end - timedelta(days=SUMMARY_DAYS), end=end)
    stats = await state.statistics.cost_statistics(tenant, window, Resolution.DAY)
    budgets = await state.budgets.budget_status(tenant)
    attention = [row.model_dump(mode="json", include={"budget_id", "budget_type", "entity_id",
                                                      "status"})
                 for row in budgets.budgets if row.status in NEEDS_ATTENTION]
    return compact({
        "tenant_id": tenant,
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(),
                   "days": SUMMARY_DAYS},
        "totals": stats.totals.model_dump(mode="json"),
        "top_models": [r.model_dump(mode="json", include={"key", "spend_usd", "pct_of_total"})
                       for r in stats.by_model[:SUMMARY_TOP]],
        "top_features": [r.model_dump(mode="json", include={"key", "spend_usd", "pct_of_total"})
                         for r in stats.by_feature[:SUMMARY_TOP]],
        "budgets": {"active": len(budgets.budgets), "needing_attention": attention},
        "freshness_sec": stats.freshness_sec,
    })


def register_resources(server: MCPServer[ServerState]) -> None:
    server.resource(GLOSSARY_URI, name="glossary", title="costsight glossary", mime_type=JSON,
                    description="Metrics, dimensions, anomaly and prediction types, and the "
                                "values tool arguments accept.")(lambda: compact(glossary()))
    server.resource(BUDGETS_TEMPLATE, name="tenant_budgets", title="Tenant budgets",
                    mime_type=JSON,
                    description="A tenant's active budgets with today's and this month's "
                                "spend against each limit.")(tenant_budgets)
    server.resource(SUMMARY_TEMPLATE, name="tenant_summary", title="Tenant spend summary",
                    mime_type=JSON,
                    description=f"The last {SUMMARY_DAYS} days of a tenant's spend: totals, "
                                "top models and features, budgets needing attention.")(
        tenant_summary)
