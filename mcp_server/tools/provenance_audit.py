"""Provenance of the cost simulator's V1/V2 estimates, drift between them, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from costsight.core.domain.audit import AuditDecision, AuditFilter, EnvelopeClass, StoredAuditRecord
from costsight.core.domain.provenance import DriftStats, Provenance, ProvenanceFilter
from costsight.core.pagination import DEFAULT_LIMIT
from costsight.core.services.read_models import ReadModel
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.params import (
    CursorParam,
    FilterEnd,
    FilterStart,
    LimitParam,
    TenantIdParam,
    UpperChoice,
    cursor_or_none,
    filter_range,
    optional_enum,
    optional_text,
)
from costsight.mcp_server.state import ToolContext, tenant_for
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()

VariantParam = Annotated[str, Field(
    max_length=32, description="Only this simulator variant (v1, v2, canary); empty for all.")]
SourceParam = Annotated[str, Field(
    max_length=32, description="Only rows from this source (sandbox, canary, manual, backfill); "
                               "empty for all.")]
InputHashParam = Annotated[str, Field(
    max_length=128, description="Only rows for this input (SHA-256 hex of the canonical input "
                                "JSON); empty for all.")]
RunIdParam = Annotated[str, Field(max_length=128, description="Only this run id; empty for all.")]
EnvelopeIdParam = Annotated[str, Field(
    max_length=100, description="Only decisions about this envelope; empty for all.")]
DecisionParam = Annotated[
    Literal["any", "APPLIED", "REJECTED", "PREEMPTED"], UpperChoice,
    Field(description="Only this decision; 'any' for all.")]
EnvelopeClassParam = Annotated[
    Literal["any", "SAFETY", "RELIABILITY", "COST", "PERFORMANCE"], UpperChoice,
    Field(description="Only envelopes of this class; 'any' for all.")]


class ProvenanceList(ReadModel):
    items: list[Provenance] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


class ProvenanceCount(ReadModel):
    count: int = Field(description="rows matching the filters, over all pages")


class AuditList(ReadModel):
    items: list[StoredAuditRecord] = Field(description="newest decision first")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


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
    """Provenance rows of the cost simulator: which variant estimated what, from which input.

    Answers "what did V2 estimate for this input?" or "show the latest canary runs". Each row
    has the variant, source, versions, input/output hashes, v1_cost and v2_cost and
    cost_delta = v2 - v1 (US cents; null unless both are present), runtime and payload.
    start/end filter creation time over [start, end). Paged: pass next_cursor as cursor. For
    how many rows match use count_provenance; for drift between V1 and V2 use get_drift_stats.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    filters = _provenance_filter(variant, source, input_hash, run_id, start, end)
    page = await state.queries.query_provenance(tenant, filters, limit=limit,
                                                cursor=cursor_or_none(cursor))
    return ProvenanceList(items=page.items, next_cursor=page.next_cursor)


@group.tool(names.COUNT_PROVENANCE, title="Count provenance rows")
async def count_provenance(ctx: ToolContext, variant: VariantParam = "", source: SourceParam = "",
                           input_hash: InputHashParam = "", run_id: RunIdParam = "",
                           start: FilterStart = "", end: FilterEnd = "",
                           tenant_id: TenantIdParam = "") -> ProvenanceCount:
    """How many provenance rows match the filters (the same filters as query_provenance).

    Answers "how many V2 estimates ran this week?" without paging through them.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    filters = _provenance_filter(variant, source, input_hash, run_id, start, end)
    return ProvenanceCount(count=await state.queries.count_provenance(tenant, filters))


@group.tool(names.GET_DRIFT_STATS, title="V1/V2 drift statistics")
async def get_drift_stats(ctx: ToolContext, variant: VariantParam = "", start: FilterStart = "",
                          end: FilterEnd = "", tenant_id: TenantIdParam = "") -> DriftStats:
    """How far the V2 cost simulator drifts from V1, over rows that have both costs.

    Answers "how far does V2 drift from V1?". total rows compared; avg, min, max and sample
    standard deviation of cost_delta = v2 - v1 (US cents); verdicts counts MATCH, MINOR_DRIFT,
    MAJOR_DRIFT and MISMATCH. Optionally one variant, and rows created in [start, end). All
    zeros when no row has both costs.
    """
    state, tenant = tenant_for(ctx, tenant_id)
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
    """The append-only audit trail of envelope coordination decisions, newest first.

    Answers "why was this envelope rejected or preempted?" and "what did the coordinator
    decide today?". Each record has the envelope and its class (SAFETY, RELIABILITY, COST,
    PERFORMANCE), the decision (APPLIED, REJECTED, PREEMPTED), the reason, the conflicting or
    preempting envelope and the decision time. start/end filter the decision time over
    [start, end). Paged: pass next_cursor as cursor.
    """
    state, tenant = tenant_for(ctx, tenant_id)
    first, last = filter_range(start, end)
    filters = AuditFilter(envelope_id=optional_text(envelope_id),
                          decision=optional_enum(AuditDecision, decision),
                          envelope_class=optional_enum(EnvelopeClass, envelope_class),
                          start=first, end=last)
    page = await state.queries.list_audit_records(tenant, filters, limit=limit,
                                                  cursor=cursor_or_none(cursor))
    return AuditList(items=page.items, next_cursor=page.next_cursor)
