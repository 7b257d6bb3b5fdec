"""The official OpenTelemetry SDK and its OTLP/HTTP span exporter against a running
``costsight receive`` (its own process) on SQLite and Postgres."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import anyio
import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from tests.receiver.helpers import (
    at,
    expected_cents,
    model_call,
    other_span,
    receiving_process,
    sdk,
    stored,
)

pytestmark = pytest.mark.usefixtures("anyio_backend")

T0 = at("2025-06-01T10:00:00")


async def _in_thread(fn: object) -> None:
    await anyio.to_thread.run_sync(fn)  # type: ignore[arg-type]


async def test_sdk_spans_become_cost_records_priced_with_genai_prices(
        sql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with receiving_process(sql_url, tmp_path) as (endpoint, _):
        # configured the documented way: the exporter's environment variables
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "authorization=Bearer%20tok-a")

        def export() -> None:
            with sdk(None, None, {"costsight.worker_run_id": "run-7"}) as telemetry:
                model_call(telemetry, model="gpt-4o", start=T0, end=at("2025-06-01T10:00:02"),
                           end_extra_nanos=789, attributes={
                               "gen_ai.response.model": "gpt-4o-2024-08-06",
                               "gen_ai.provider.name": "openai",
                               "gen_ai.usage.input_tokens": 1200,
                               "gen_ai.usage.cache_read.input_tokens": 200,
                               "gen_ai.usage.output_tokens": 300,
                               "user.id": "u-1", "costsight.workflow_id": "wf-1",
                               "costsight.skill_id": "sk-1"})
                # a legacy instrumentation: no operation name, gen_ai.system, old usage names
                model_call(telemetry, model="claude-sonnet-4-20250514", operation=None,
                           start=T0, end=at("2025-06-01T11:00:00"), attributes={
                               "gen_ai.system": "anthropic",
                               "gen_ai.usage.prompt_tokens": 500,
                               "gen_ai.usage.completion_tokens": 100,
                               "enduser.id": "u-2", "gen_ai.conversation.id": "conv-9"})
                # a reported cost wins over the price book
                model_call(telemetry, model="gpt-4o", start=T0, end=at("2025-06-01T12:00:00"),
                           attributes={"gen_ai.provider.name": "openai",
                                       "gen_ai.usage.input_tokens": 10,
                                       "gen_ai.usage.output_tokens": 10,
                                       "costsight.cost_cents": "1.234567"})
                other_span(telemetry)
                model_call(telemetry, model="gpt-4o", operation="invoke_agent", start=T0,
                           end=at("2025-06-01T12:00:00"),
                           attributes={"gen_ai.usage.input_tokens": 99999})
                telemetry.flush()

        await _in_thread(export)
        records, runs = await stored(sql_url)

    assert runs == []
    assert [r["tenant_id"] for r in records] == ["tenant-a"] * 3
    by_model = {(r["model"], r["cost_source"]): r for r in records}
    gpt = by_model["gpt-4o-2024-08-06", "priced"]
    assert gpt["provider"] == "openai"
    assert (gpt["input_tokens"], gpt["cache_read_tokens"], gpt["output_tokens"]) == (1200, 200,
                                                                                     300)
    assert gpt["created_at"] == at("2025-06-01T10:00:02")  # nanoseconds truncated
    assert (gpt["user_id"], gpt["workflow_id"], gpt["skill_id"], gpt["worker_run_id"]) == (
        "u-1", "wf-1", "sk-1", "run-7")
    assert len(gpt["request_id"]) == 48
    assert gpt["cost_cents"] == expected_cents("gpt-4o-2024-08-06", "openai",
                                               at("2025-06-01T10:00:02"), input_tokens=1200,
                                               cache_read_tokens=200, output_tokens=300)
    claude = by_model["claude-sonnet-4-20250514", "priced"]
    assert (claude["provider"], claude["input_tokens"], claude["output_tokens"]) == (
        "anthropic", 500, 100)
    assert (claude["user_id"], claude["workflow_id"]) == ("u-2", "conv-9")
    assert claude["cost_cents"] == expected_cents("claude-sonnet-4-20250514", "anthropic",
                                                  at("2025-06-01T11:00:00"), input_tokens=500,
                                                  output_tokens=100)
    reported = by_model["gpt-4o", "reported"]
    assert reported["cost_cents"] == Decimal("1.234567")


async def test_re_exporting_the_same_spans_never_double_counts(sql_url: str,
                                                               tmp_path: Path) -> None:
    async with receiving_process(sql_url, tmp_path) as (endpoint, _):
        results: list[SpanExportResult] = []

        def export_twice() -> None:
            with sdk(endpoint, "tok-a") as telemetry:
                for minute in range(3):
                    model_call(telemetry, model="gpt-4o", start=T0,
                               end=at(f"2025-06-01T10:0{minute}:00"),
                               attributes={"gen_ai.provider.name": "openai",
                                           "gen_ai.usage.input_tokens": 100 + minute,
                                           "gen_ai.usage.output_tokens": 10})
                telemetry.flush()
                # the exporter retrying the very same spans (say, after a lost response)
                results.append(telemetry.exporter.export(telemetry.spans()))
                results.append(telemetry.exporter.export(telemetry.spans()))

        await _in_thread(export_twice)
        records, _ = await stored(sql_url)

    assert results == [SpanExportResult.SUCCESS, SpanExportResult.SUCCESS]
    assert len(records) == 3
    assert sorted(r["input_tokens"] for r in records) == [100, 101, 102]


async def test_tokens_isolate_tenants(sql_url: str, tmp_path: Path) -> None:
    async with receiving_process(sql_url, tmp_path) as (endpoint, _):
        refused: list[SpanExportResult] = []

        def export() -> None:
            for token, resource, tokens in (
                    ("tok-a", {}, 1), ("tok-b", {}, 2),
                    # a token may not write for another tenant: the span is rejected
                    ("tok-a", {"costsight.tenant_id": "tenant-b"}, 3),
                    # the operator token names the tenant; without it the span is rejected
                    ("tok-ops", {"costsight.tenant_id": "tenant-c"}, 4),
                    ("tok-ops", {}, 5),
                    # a two-tenant token picks one of its own
                    ("tok-ab", {"costsight.tenant_id": "tenant-b"}, 6)):
                with sdk(endpoint, token, resource) as telemetry:
                    model_call(telemetry, model="gpt-4o", start=T0, end=T0,
                               attributes={"gen_ai.usage.input_tokens": tokens,
                                           "costsight.cost_cents": tokens})
                    telemetry.flush()
            with sdk(endpoint, "tok-unknown") as telemetry:
                model_call(telemetry, model="gpt-4o", start=T0, end=T0,
                           attributes={"gen_ai.usage.input_tokens": 7})
                telemetry.provider.force_flush(10_000)
                refused.append(telemetry.exporter.export(telemetry.spans()))

        await _in_thread(export)
        records, _ = await stored(sql_url)

    assert refused == [SpanExportResult.FAILURE]
    assert sorted((r["tenant_id"], r["input_tokens"]) for r in records) == [
        ("tenant-a", 1), ("tenant-b", 2), ("tenant-b", 6), ("tenant-c", 4)]


async def test_error_status_is_a_failed_call(sql_url: str, tmp_path: Path) -> None:
    async with receiving_process(sql_url, tmp_path) as (endpoint, _):
        def export() -> None:
            with sdk(endpoint, "tok-a", {"costsight.worker_run_id": "run-1"}) as telemetry:
                model_call(telemetry, model="gpt-4o", start=T0, end=at("2025-06-01T10:00:01.5"),
                           error="rate limited by provider", attributes={
                               "gen_ai.agent.name": "triage-agent",
                               "gen_ai.usage.input_tokens": 40,
                               "costsight.cost_cents": 0})
                telemetry.flush()
                telemetry.exporter.export(telemetry.spans())  # replayed: still one of each

        await _in_thread(export)
        records, runs = await stored(sql_url)

    [record] = records
    [run] = runs
    assert run["id"] == "otlp-" + record["request_id"]
    assert (run["tenant_id"], run["worker_id"], run["status"], run["success"], run["error"]) == (
        "tenant-a", "triage-agent", "failed", False, "rate limited by provider")
    assert (run["parent_run_id"], run["total_tokens"], run["total_latency_ms"]) == (
        "run-1", 40, 1500)
    assert run["started_at"] == T0 and run["completed_at"] == at("2025-06-01T10:00:01.5")
