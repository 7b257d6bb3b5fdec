"""Span -> cost record mapping details, on the generated protobuf messages (no server)."""

from __future__ import annotations

from decimal import Decimal

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from costsight.core.tenant_scope import TenantScope
from costsight.receiver.spans import Mapped, map_request

END = 1_748_772_000_123_456_789  # 2025-06-01T10:00:00.123456789Z


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _map(*spans: dict[str, object], resource: dict[str, object] | None = None,
         scope: TenantScope | None = None, error: bool = False) -> Mapped:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.extend(_kv(k, v) for k, v in (resource or {}).items())
    ss = rs.scope_spans.add()
    for n, attrs in enumerate(spans):
        span = Span(trace_id=bytes(range(16)), span_id=bytes([n] * 8), name="s",
                    start_time_unix_nano=END - 2_000_000_000, end_time_unix_nano=END,
                    attributes=[_kv(k, v) for k, v in attrs.items()])
        if error:
            span.status.code = Status.STATUS_CODE_ERROR
        ss.spans.append(span)
    return map_request(request, scope or TenantScope.of(["t"]))


def test_cached_tokens_reported_apart_from_input_are_added_once() -> None:
    [inside] = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                     "gen_ai.usage.input_tokens": 1000,
                     "gen_ai.usage.cache_read.input_tokens": 600}).records
    assert (inside.input_tokens, inside.cache_read_tokens) == (1000, 600)
    [apart] = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.cache_read_input_tokens": 600,
                    "gen_ai.usage.cache_creation_input_tokens": 50}).records
    assert (apart.input_tokens, apart.cache_read_tokens, apart.cache_write_tokens) == (
        660, 600, 50)


def test_reasoning_tokens_and_exact_reported_cost() -> None:
    [record] = _map({"gen_ai.operation.name": "text_completion", "gen_ai.request.model": "o3",
                     "gen_ai.usage.output_tokens": 500,
                     "gen_ai.usage.reasoning.output_tokens": 400,
                     "costsight.cost_cents": 0.1}).records
    assert (record.output_tokens, record.reasoning_tokens) == (500, 400)
    assert record.cost_cents == Decimal("0.1")


def test_detection_operation_names_legacy_and_agent_spans() -> None:
    mapped = _map({"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "e"},
                  {"gen_ai.operation.name": "generate_content", "gen_ai.request.model": "g"},
                  {"gen_ai.system": "openai", "gen_ai.request.model": "l",
                   "gen_ai.usage.prompt_tokens": 3},
                  {"gen_ai.system": "openai", "gen_ai.request.model": "no-usage"},
                  {"gen_ai.operation.name": "invoke_agent", "gen_ai.usage.input_tokens": 9},
                  {"gen_ai.operation.name": "execute_tool"},
                  {"db.system": "postgresql"})
    assert [r.model for r in mapped.records] == ["e", "g", "l"]
    assert (mapped.ignored, mapped.rejected) == (4, 0)


def test_end_time_truncated_to_microseconds_and_ids_in_hex() -> None:
    [record] = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}).records
    assert record.created_at.isoformat() == "2025-06-01T10:00:00.123456+00:00"
    assert record.request_id == bytes(range(16)).hex() + "00" * 8


def test_span_attributes_win_over_resource_attributes() -> None:
    [record] = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                     "costsight.feature_tag": "span.tag"},
                    resource={"costsight.feature_tag": "res.tag", "enduser.id": "u-res",
                              "costsight.workflow_id": "wf"}).records
    assert (record.feature_tag, record.user_id, record.workflow_id) == ("span.tag", "u-res", "wf")


def test_bad_attributes_reject_the_span_naming_the_attribute() -> None:
    mapped = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                   "gen_ai.usage.input_tokens": True},
                  {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                   "costsight.cost_cents": "1.0000001"},
                  {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m" * 65},
                  {"gen_ai.operation.name": "chat", "gen_ai.request.model": "ok"})
    assert [r.model for r in mapped.records] == ["ok"]
    assert mapped.rejected == 3
    message = mapped.error_message()
    assert "gen_ai.usage.input_tokens must be an integer" in message
    assert "cost_cents" in message and "model" in message


def test_tenant_from_scope() -> None:
    call = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}
    assert _map(call).records[0].tenant_id == "t"
    ops = TenantScope.all()
    assert _map(call, resource={"costsight.tenant_id": "x"}, scope=ops).records[0].tenant_id == "x"
    refused = _map(call, call, scope=ops)
    assert (refused.rejected, refused.records) == (2, [])
    assert "costsight.tenant_id" in refused.error_message()
    foreign = _map(call, resource={"costsight.tenant_id": "other"})
    assert foreign.rejected == 1 and "other" in foreign.error_message()


def test_error_status_adds_a_failed_run() -> None:
    mapped = _map({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                   "error.type": "timeout", "gen_ai.usage.input_tokens": 5},
                  resource={"service.name": "svc"}, error=True)
    [run] = mapped.failed_runs
    assert (run.worker_id, run.error, run.total_tokens, run.total_latency_ms) == (
        "svc", "timeout", 5, 2000)
    assert run.id == "otlp-" + (mapped.records[0].request_id or "")
