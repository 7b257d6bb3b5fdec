"""Advisory findings: repeated failure / cost-spike patterns, and predictions about workers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.patterns import (
    FeedbackFilter,
    FeedbackSeverity,
    FeedbackStats,
    PatternFeedback,
)
from costsight.core.domain.predictions import Prediction, PredictionFilter, PredictionStats
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.read_models import ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page, page_key
from costsight.mcp_server.params import (
    CursorParam,
    LimitParam,
    LowerChoice,
    TenantIdParam,
    optional_choice,
    optional_enum,
    optional_text,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

PatternTypeParam = Annotated[str, Field(
    max_length=64,
    description="Only this type: 'failure_pattern' (an error repeating), 'cost_spike' "
                "(a run far above its worker's mean) or a "
                "plugin's type.")]
FeedbackSeverityParam = Annotated[
    Literal["any", "info", "warning", "critical"], LowerChoice,
    Field(description="Only this severity.")]
AcknowledgedParam = Annotated[
    Literal["any", "true", "false"], LowerChoice,
    Field(description="Only (not) acknowledged feedback.")]
PredictionTypeParam = Annotated[str, Field(
    max_length=64,
    description="Only this type: 'failure_likelihood', 'cost_overrun' or a plugin's.")]
SubjectTypeParam = Annotated[str, Field(
    max_length=64, description="Only this subject type (built-in: 'worker').")]
SubjectIdParam = Annotated[str, Field(
    max_length=128, description="Only predictions about this subject (e.g. a worker id).")]
IncludeExpiredParam = Annotated[bool, Field(
    description="Also predictions past their 24-hour expiry.")]


class FeedbackList(ReadModel):
    items: list[PatternFeedback] = Field(description="newest detected first")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


class PredictionList(ReadModel):
    items: list[Prediction] = Field(description="newest created first")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


@group.tool(names.LIST_PATTERN_FEEDBACK, title="List pattern feedback")
async def list_pattern_feedback(ctx: ToolContext, pattern_type: PatternTypeParam = "",
                                severity: FeedbackSeverityParam = "any",
                                acknowledged: AcknowledgedParam = "any",
                                limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                                tenant_id: TenantIdParam = "") -> FeedbackList:
    """Repeated failure signatures and per-worker cost spikes in worker runs: "are errors
    repeating?", "which worker got expensive?". Totals: get_pattern_stats.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    ack = optional_choice(acknowledged)
    filters = FeedbackFilter(pattern_type=optional_text(pattern_type),
                             severity=optional_enum(FeedbackSeverity, severity),
                             acknowledged=None if ack is None else ack == "true")
    return await fit_page(
        names.LIST_PATTERN_FEEDBACK, page_key(tenant, filters), cursor, limit,
        state.max_result_chars,
        lambda n, c: state.queries.list_feedback(tenant, filters, limit=n, cursor=c),
        lambda items, nxt: FeedbackList(items=list(items), next_cursor=nxt))


@group.tool(names.GET_PATTERN_STATS, title="Pattern feedback statistics")
async def get_pattern_stats(ctx: ToolContext, tenant_id: TenantIdParam = "") -> FeedbackStats:
    """Counts over the tenant's pattern feedback: total, acknowledged, by type, by severity.

    Answers "how many failure patterns are unacknowledged?".
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    return await state.queries.feedback_stats(tenant)


@group.tool(names.LIST_PREDICTIONS, title="List predictions")
async def list_predictions(ctx: ToolContext, prediction_type: PredictionTypeParam = "",
                           subject_type: SubjectTypeParam = "", subject_id: SubjectIdParam = "",
                           include_expired: IncludeExpiredParam = False,
                           limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                           tenant_id: TenantIdParam = "") -> PredictionList:
    """Advisory predictions, newest first: a worker will fail ('failure_likelihood') or
    overrun its cost ('cost_overrun'), a budget will be exceeded ('budget_breach'); with
    confidence 0..1 and factors. Totals: get_prediction_stats.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    filters = PredictionFilter(prediction_type=optional_text(prediction_type),
                               subject_type=optional_text(subject_type),
                               subject_id=optional_text(subject_id),
                               include_expired=include_expired)
    return await fit_page(
        names.LIST_PREDICTIONS, page_key(tenant, filters), cursor, limit, state.max_result_chars,
        lambda n, c: state.queries.list_predictions(tenant, filters, limit=n, cursor=c),
        lambda items, nxt: PredictionList(items=list(items), next_cursor=nxt))


@group.tool(names.GET_PREDICTION_STATS, title="Prediction statistics")
async def get_prediction_stats(ctx: ToolContext, include_expired: IncludeExpiredParam = False,
                               tenant_id: TenantIdParam = "") -> PredictionStats:
    """Prediction counts by type and subject type, and average confidence.

    high_confidence_count: confidence above 0.7. Unexpired only unless include_expired.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    return await state.queries.prediction_stats(tenant, include_expired=include_expired)
