"""Provenance of the cost simulator's V1/V2 estimates, drift between them, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.audit import AuditDecision, AuditFilter, EnvelopeClass, StoredAuditRecord
from costsight.core.domain.provenance import DriftStats, Provenance, ProvenanceFilter
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.read_models import ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.answers import fit_page, page_key
from costsight.mcp_server.params import (
    CursorParam,
    FilterEnd,
    FilterStart,
    LimitParam,
    TenantIdParam,
    UpperChoice,
    filter_range,
    optional_enum,
    optional_text,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

VariantParam = Annotated[str, Field(
    max_length=32, description="Only this simulator variant (v1, v2, canary).")]
SourceParam = Annotated[str, Field(
    max_length=32, description="Only rows from this source (sandbox, canary, manual, backfill).")]
InputHashParam = Annotated[str, Field(
    max_length=128, description="Only rows for this input (SHA-256 hex of its canonical "
                                "JSON).")]
RunIdParam = Annotated[str, Field(max_length=128, description="Only this run id.")]
EnvelopeIdParam = Annotated[str, Field(
    max_length=100, description="Only decisions about this envelope.")]
DecisionParam = Annotated[
    Literal["any", "APPLIED", "REJECTED", "PREEMPTED"], UpperChoice,
    Field(description="Only this decision.")]
EnvelopeClassParam = Annotated[
    Literal["any", "SAFETY", "RELIABILITY", "COST", "PERFORMANCE"], UpperChoice,
    Field(description="Only envelopes of this class.")]


class ProvenanceList(ReadModel):
    items: list[Provenance] = Field(description="newest first")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


class ProvenanceCount(ReadModel):
    count: int = Field(description="rows matching the filters, over all pages")


class AuditList(ReadModel):
    items: list[StoredAuditRecord] = Field(description="newest decision first")
    next_cursor: str | None = None  # absent on the last page (the instructions say so)


def _provenance_filter(variant: str, source: str, input_hash: str, run_id: str, start: str,
                       end: str) -> ProvenanceFilter:
    first, last = filter_range(start, end)
    return ProvenanceFilter(variant_slug=optional_text(variant), source=optional_text(source),
                            input_hash=optional_text(input_hash), run_id=optional_text(run_id),
                            start=first, end=last)


@group.tool(names.QUERY_PROVENANCE, title="Query cost-simulator provenance")
async def query_provenance(ctx: ToolContext, variant: VariantParam = "", source: SourceParam = "",
                           input_hash: InputHashParam = "", run_id: RunIdParam = "",
                           start: FilterStart = "", end: FilterEnd = "",
                           limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                           tenant_id: TenantIdParam = "") -> ProvenanceList:
    """Cost-simulator provenance rows ("what did V2 estimate for this input?"): variant,
    input, v1_cost, v2_cost, cost_delta. Counts: count_provenance; drift: get_drift_stats.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    filters = _provenance_filter(variant, source, input_hash, run_id, start, end)
    return await fit_page(
        names.QUERY_PROVENANCE, page_key(tenant, filters), cursor, limit, state.max_result_chars,
        lambda n, c: state.queries.query_provenance(tenant, filters, limit=n, cursor=c),
        lambda items, nxt: ProvenanceList(items=list(items), next_cursor=nxt))


@group.tool(names.COUNT_PROVENANCE, title="Count provenance rows")
async def count_provenance(ctx: ToolContext, variant: VariantParam = "", source: SourceParam = "",
                           input_hash: InputHashParam = "", run_id: RunIdParam = "",
                           start: FilterStart = "", end: FilterEnd = "",
                           tenant_id: TenantIdParam = "") -> ProvenanceCount:
    """How many provenance rows match the filters (those of query_provenance).

    Answers "how many V2 estimates ran this week?" without paging.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    filters = _provenance_filter(variant, source, input_hash, run_id, start, end)
    return ProvenanceCount(count=await state.queries.count_provenance(tenant, filters))


@group.tool(names.GET_DRIFT_STATS, title="V1/V2 drift statistics")
async def get_drift_stats(ctx: ToolContext, variant: VariantParam = "", start: FilterStart = "",
                          end: FilterEnd = "", tenant_id: TenantIdParam = "") -> DriftStats:
    """How far the V2 cost simulator drifts from V1 (rows holding both): avg, min, max,
    stddev of cost_delta and counts per verdict.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    first, last = filter_range(start, end)
    return await state.queries.drift_stats(tenant, variant_slug=optional_text(variant),
                                           start=first, end=last)


@group.tool(names.LIST_AUDIT_RECORDS, title="List coordination audit records")
async def list_audit_records(ctx: ToolContext, envelope_id: EnvelopeIdParam = "",
                             decision: DecisionParam = "any",
                             envelope_class: EnvelopeClassParam = "any",
                             start: FilterStart = "", end: FilterEnd = "",
                             limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = "",
                             tenant_id: TenantIdParam = "") -> AuditList:
    """Envelope coordination decisions, newest first ("why was it rejected or preempted?"):
    class, decision, reason, conflicting envelope.
    """
    state, tenant = await tenant_for(ctx, tenant_id)
    first, last = filter_range(start, end)
    filters = AuditFilter(envelope_id=optional_text(envelope_id),
                          decision=optional_enum(AuditDecision, decision),
                          envelope_class=optional_enum(EnvelopeClass, envelope_class),
                          start=first, end=last)
    return await fit_page(
        names.LIST_AUDIT_RECORDS, page_key(tenant, filters), cursor, limit,
        state.max_result_chars,
        lambda n, c: state.queries.list_audit_records(tenant, filters, limit=n, cursor=c),
        lambda items, nxt: AuditList(items=list(items), next_cursor=nxt))
