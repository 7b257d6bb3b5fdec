"""Anomaly tools: list and read stored cost anomalies, preview what the detectors find now."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    AnomalyType,
    DetectedAnomaly,
    Severity,
)
from costsight.core.errors import ValidationError
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.detection_quality import DetectionQuality
from costsight.core.services.read_models import ReadModel, iso
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page, page_key
from costsight.mcp_server.params import (
    CursorParam,
    FilterEnd,
    FilterStart,
    LimitParam,
    LowerChoice,
    TenantIdParam,
    UpperChoice,
    filter_range,
    optional_choice,
    optional_enum,
    optional_instant,
    optional_text,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

StatusParam = Annotated[
    Literal["any", "open", "acknowledged", "resolved", "dismissed"], LowerChoice,
    Field(description="Only anomalies in this lifecycle status.")]
SeverityParam = Annotated[
    Literal["any", "LOW", "MEDIUM", "HIGH"], UpperChoice,
    Field(description="Only this severity.")]
AnomalyTypeParam = Annotated[
    Literal["any", "ABSOLUTE_SPIKE", "SUSTAINED_DRIFT", "BUDGET_WARNING", "BUDGET_EXCEEDED"],
    UpperChoice, Field(description="Only this kind of anomaly.")]
EntityTypeParam = Annotated[
    Literal["any", "tenant", "user", "feature"], LowerChoice,
    Field(description="Only anomalies about this kind of entity.")]
EntityIdParam = Annotated[str, Field(
    max_length=128, description="Only this user id / feature tag.")]
AnomalyIdParam = Annotated[str, Field(
    min_length=1, max_length=64, description="The anomaly id (ca_...), as listed by list_anomalies.")]
AsOfParam = Annotated[str, Field(
    max_length=64,
    description="Run as of this instant (only data created by then counts); empty: now.")]


class AnomalyList(ReadModel):
    items: list[Anomaly] = Field(description="newest detected first")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


class AnomalyPreview(ReadModel):
    tenant_id: str
    as_of: str = Field(description="the instant the detectors ran as of, ISO 8601 UTC")
    persisted: bool = Field(False, description="always false: a preview stores nothing")
    items: list[DetectedAnomaly] = Field(description="what the detectors would report")


@group.tool(names.LIST_ANOMALIES, title="List cost anomalies")
async def list_anomalies(ctx: ToolContext, status: StatusParam = "any",
                         severity: SeverityParam = "any", anomaly_type: AnomalyTypeParam = "any",
                         entity_type: EntityTypeParam = "any", entity_id: EntityIdParam = "",
                         start: FilterStart = "", end: FilterEnd = "",
                         limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                         tenant_id: TenantIdParam = "") -> AnomalyList:
    """Stored cost anomalies (spikes, drift, budgets), newest first; "any open anomalies?":
    status='open'. Each: type, severity, entity, current vs expected spend, cause. Details:
    get_anomaly; detect now: preview_anomalies.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    since, before = filter_range(start, end)
    filters = AnomalyFilter(
        status=optional_enum(AnomalyStatus, status), severity=optional_enum(Severity, severity),
        anomaly_type=optional_enum(AnomalyType, anomaly_type), entity_type=optional_choice(entity_type),
        entity_id=optional_text(entity_id), detected_since=since, detected_before=before)
    return await fit_page(
        names.LIST_ANOMALIES, page_key(tenant, filters), cursor, limit, state.max_result_chars,
        lambda n, c: state.queries.list_anomalies(tenant, filters, limit=n, cursor=c),
        lambda items, nxt: AnomalyList(
            items=[a.model_copy(update={"drivers": None}) for a in items], next_cursor=nxt))


@group.tool(names.GET_ANOMALY, title="Get one cost anomaly")
async def get_anomaly(ctx: ToolContext, anomaly_id: AnomalyIdParam,
                      tenant_id: TenantIdParam = "") -> Anomaly:
    """One stored cost anomaly by id: every measured field, its cause, its lifecycle; drivers
    split its delta by model, feature, user, worker and retry (top 5 + other each).
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    return await state.queries.get_anomaly(tenant, anomaly_id.strip())


@group.tool(names.PREVIEW_ANOMALIES, title="Preview anomaly detection")
async def preview_anomalies(ctx: ToolContext, as_of: AsOfParam = "",
                            tenant_id: TenantIdParam = "") -> AnomalyPreview:
    """Run the anomaly detectors now, or as of an instant, storing nothing: "is anything
    abnormal right now?". Stored anomalies: list_anomalies.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    now = state.app.clock.now()
    instant = optional_instant(as_of, "as_of") or now
    if instant > now:
        raise ValidationError("as_of", f"{iso(instant)} is in the future",
                              allowed=f"an instant at or before now ({iso(now)})")
    found = await state.app.anomaly_cycle.preview(tenant, as_of=instant)
    return AnomalyPreview(tenant_id=tenant, as_of=iso(instant), items=list(found))


@group.tool(names.GET_DETECTION_QUALITY, title="Get detection quality")
async def get_detection_quality(ctx: ToolContext, start: FilterStart = "",
                                tenant_id: TenantIdParam = "") -> DetectionQuality:
    """Per detector: precision = resolved / (resolved + dismissed) from operator labels
    (resolved: real, dismissed: false positive), with the counts.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    since = optional_instant(start, "start")
    return await state.app.detection.quality(tenant, since=since)
