"""GenAI model-call spans -> cost records (and a failed run per failed call).

A span is a model call when ``gen_ai.operation.name`` is chat, text_completion,
generate_content or embeddings, or - legacy instrumentations - when it has no operation name but
``gen_ai.system`` and ``gen_ai.usage.*`` attributes. Every other span (HTTP, database, agent and
tool spans: ``invoke_agent`` aggregates the usage of its calls and would count them twice) is
ignored and counted. The mapping table is in the README ("Send OpenTelemetry").

Cost records carry no call status, and failures live on worker runs (the failure-pattern and
failure-likelihood engines read failed runs with their error). So a span with an ERROR status is
stored as its cost record (a failed call may still be billed for the tokens it reports) plus a
failed worker run ``otlp-<trace id><span id>``: worker ``costsight.worker_id``, else
``gen_ai.agent.name``, else the resource's ``service.name``; error the status message (else
``error.type``); parent run ``costsight.worker_run_id``. Replaying the span replays that
identical terminal run, which the port counts as unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from costsight.core.domain.costs import NewCostRecord, RunStatus, WorkerRun
from costsight.core.errors import CostsightError, ValidationError
from costsight.core.tenant_scope import TenantScope
from costsight.core.timeutil import MAX_INSTANT, MIN_INSTANT
from costsight.receiver.attributes import Attributes, BadAttribute, to_dict

MODEL_CALL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
TENANT_ATTRIBUTE = "costsight.tenant_id"
REPORTED_COST_ATTRIBUTE = "costsight.cost_cents"
FAILED_RUN_PREFIX = "otlp-"
#: Rejection messages kept for the partial_success error message.
MESSAGES_KEPT = 5

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Mapped:
    """What one export request holds, ready for one unit of work."""

    records: list[NewCostRecord] = field(default_factory=list)
    failed_runs: list[WorkerRun] = field(default_factory=list)
    ignored: int = 0
    rejected: int = 0
    messages: list[str] = field(default_factory=list)

    def reject(self, message: str, spans: int = 1) -> None:
        self.rejected += spans
        if len(self.messages) < MESSAGES_KEPT:
            self.messages.append(message)

    def error_message(self) -> str:
        more = self.rejected - len(self.messages)
        tail = f"; and {more} more" if more > 0 else ""
        return "; ".join(self.messages) + tail


class Unusable(Exception):
    """A model-call span that cannot become a cost record (the message says why)."""


def is_model_call(attrs: dict[str, Any]) -> bool:
    operation = attrs.get("gen_ai.operation.name")
    if operation is not None:
        return operation in MODEL_CALL_OPERATIONS
    return "gen_ai.system" in attrs and any(key.startswith("gen_ai.usage.") for key in attrs)


def map_request(request: ExportTraceServiceRequest, scope: TenantScope) -> Mapped:
    """Every span of the request, sorted into records, failed runs, ignored and rejected."""
    out = Mapped()
    for resource_spans in request.resource_spans:
        resource = to_dict(resource_spans.resource.attributes)
        calls: list[tuple[Span, dict[str, Any]]] = []
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                attrs = to_dict(span.attributes)
                if is_model_call(attrs):
                    calls.append((span, attrs))
                else:
                    out.ignored += 1
        if not calls:
            continue
        try:
            tenant_id = _tenant(resource, scope)
        except CostsightError as exc:
            out.reject(str(exc), spans=len(calls))
            continue
        for span, attrs in calls:
            try:
                record, run = span_to_record(span, Attributes(attrs, resource), tenant_id)
            except Unusable as exc:
                out.reject(f"span {span.span_id.hex() or '?'}: {exc}")
                continue
            out.records.append(record)
            if run is not None:
                out.failed_runs.append(run)
    return out


def _tenant(resource: dict[str, Any], scope: TenantScope) -> str:
    named = resource.get(TENANT_ATTRIBUTE)
    if named is not None and not isinstance(named, str):
        raise ValidationError(TENANT_ATTRIBUTE, f"must be a string, got {named!r}")
    if named is None and scope.is_all:
        raise ValidationError(TENANT_ATTRIBUTE, "resource attribute is required with an "
                                                "operator token (scope \"*\")",
                              allowed="the tenant id these spans belong to")
    return scope.resolve(named or "")


def span_to_record(span: Span, attrs: Attributes,
                   tenant_id: str) -> tuple[NewCostRecord, WorkerRun | None]:
    try:
        return _span_to_record(span, attrs, tenant_id)
    except BadAttribute as exc:
        raise Unusable(str(exc)) from None
    except pydantic.ValidationError as exc:
        raise Unusable(ValidationError.from_pydantic(exc).args[0]) from None


def _span_to_record(span: Span, attrs: Attributes,
                    tenant_id: str) -> tuple[NewCostRecord, WorkerRun | None]:
    if len(span.trace_id) != 16 or len(span.span_id) != 8:
        raise Unusable("trace_id must be 16 bytes and span_id 8 bytes")
    request_id = span.trace_id.hex() + span.span_id.hex()
    model = attrs.text("gen_ai.response.model", "gen_ai.request.model", resource=False)
    if model is None:
        raise Unusable("has neither gen_ai.response.model nor gen_ai.request.model")
    ended = _instant(span.end_time_unix_nano, "end_time_unix_nano")
    input_tokens = attrs.count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens") or 0
    cache_read = attrs.count("gen_ai.usage.cache_read.input_tokens",
                             "gen_ai.usage.cache_read_input_tokens")
    cache_write = attrs.count("gen_ai.usage.cache_creation.input_tokens",
                              "gen_ai.usage.cache_creation_input_tokens")
    cached = (cache_read or 0) + (cache_write or 0)
    if cached > input_tokens:
        # The conventions count cache tokens inside input_tokens; an instrumentation that
        # reports fewer input than cached tokens reported them apart (as Anthropic's API does).
        input_tokens += cached
    output_tokens = attrs.count("gen_ai.usage.output_tokens",
                                "gen_ai.usage.completion_tokens") or 0
    reasoning = attrs.count("gen_ai.usage.reasoning.output_tokens",
                            "gen_ai.usage.reasoning_tokens")
    if (reasoning or 0) > output_tokens:
        output_tokens += reasoning or 0  # likewise: reasoning is part of the output tokens
    reported = attrs.decimal(REPORTED_COST_ATTRIBUTE)
    worker_run_id = attrs.text("costsight.worker_run_id")
    user_id = attrs.text("user.id", "enduser.id")
    fields: dict[str, Any] = {
        "tenant_id": tenant_id,
        "model": model,
        "provider": attrs.text("gen_ai.provider.name", "gen_ai.system", resource=False),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "cost_cents": reported,
        "created_at": ended,
        "user_id": user_id,
        "feature_tag": attrs.text("costsight.feature_tag"),
        "request_id": request_id,
        "workflow_id": attrs.text("costsight.workflow_id", "gen_ai.conversation.id"),
        "skill_id": attrs.text("costsight.skill_id"),
        "worker_run_id": worker_run_id,
        "is_retry": attrs.flag("costsight.is_retry"),
    }
    record = NewCostRecord.model_validate({k: v for k, v in fields.items() if v is not None})
    if span.status.code != Status.STATUS_CODE_ERROR:
        return record, None
    started = _instant(span.start_time_unix_nano, "start_time_unix_nano")
    worker = attrs.text("costsight.worker_id", "gen_ai.agent.name", "service.name") or "otlp"
    run = WorkerRun.model_validate({
        "id": FAILED_RUN_PREFIX + request_id,
        "tenant_id": tenant_id,
        "worker_id": worker,
        "status": RunStatus.FAILED,
        "created_at": started,
        "started_at": started,
        "completed_at": ended,
        "user_id": user_id,
        "success": False,
        "error": (span.status.message or attrs.text("error.type") or "span status ERROR"),
        "total_tokens": input_tokens + output_tokens,
        "total_latency_ms": max(0, (span.end_time_unix_nano - span.start_time_unix_nano)
                                // 1_000_000),
        "cost_cents": reported,
        "parent_run_id": worker_run_id,
    })
    return record, run


def _instant(unix_nano: int, name: str) -> datetime:
    """A span time, truncated to the microsecond storage keeps (spans carry nanoseconds)."""
    if unix_nano <= 0:
        raise Unusable(f"{name} is not set")
    instant = _EPOCH + timedelta(microseconds=unix_nano // 1000)
    if not MIN_INSTANT <= instant <= MAX_INSTANT:
        raise Unusable(f"{name} is outside {MIN_INSTANT.date()}..{MAX_INSTANT.date()}")
    return instant
