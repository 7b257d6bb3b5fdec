"""OTLP receiver throughput: spans/s through ``costsight receive`` vs direct port writes.

The workload's calls become GenAI spans (model, provider, token counts, user, feature tag,
workflow, skill; no cost, so both sides price them from the price book), grouped per tenant
under a ``costsight.tenant_id`` resource and sent with an operator token in requests of
``BATCH`` spans, encoded as the SDK's exporter sends them (protobuf, uncompressed) before the
clock starts.

- receiver: the shipped ``costsight receive`` in its own process on a fresh Postgres database;
  this process POSTs the requests one after another (one exporter) and checks every answer;
- port: the very same records (decoded and mapped from the same bodies, untimed) written
  through ``CostWritePort.record_costs`` in one unit of work per batch, as the receiver does,
  on another fresh database.

``ratio_vs_port`` = receiver spans/s / port records/s (goal >= 0.5). Both sides end with the
same stored row count, checked.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import anyio
import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span
from sqlalchemy import func, select

from benchmarks.databases import postgres_database, register_tags
from benchmarks.measure import goal, log, rnd
from benchmarks.workload import Row, Workload
from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records
from costsight.bootstrap import bootstrap
from costsight.core.domain.costs import NewCostRecord
from costsight.core.tenant_scope import TenantScope
from costsight.receiver.decoding import PROTOBUF, decode
from costsight.receiver.spans import map_request

BATCH = 512
TOKEN = "bench-ops-token"
GOAL = 0.5
_PROVIDERS = {"gpt": "openai", "claude": "anthropic", "gemini": "google"}


def _kv(key: str, value: str | int) -> KeyValue:
    any_value = AnyValue(int_value=value) if isinstance(value, int) else AnyValue(
        string_value=value)
    return KeyValue(key=key, value=any_value)


def _span(row: Row, rng: random.Random) -> Span:
    (_id, _tenant, user, tag, _req, workflow, skill, _run, model, inputs, outputs, _micros,
     _retry, created) = row
    end = int(created.timestamp()) * 1_000_000_000 + created.microsecond * 1000
    attrs = [_kv("gen_ai.operation.name", "chat"), _kv("gen_ai.request.model", model),
             _kv("gen_ai.provider.name", _PROVIDERS[model.split("-")[0]]),
             _kv("gen_ai.usage.input_tokens", inputs), _kv("gen_ai.usage.output_tokens", outputs)]
    for key, value in (("user.id", user), ("costsight.feature_tag", tag),
                       ("costsight.workflow_id", workflow), ("costsight.skill_id", skill)):
        if value is not None:
            attrs.append(_kv(key, value))
    return Span(trace_id=rng.randbytes(16), span_id=rng.randbytes(8), name=f"chat {model}",
                kind=Span.SPAN_KIND_CLIENT, start_time_unix_nano=end - 800_000_000,
                end_time_unix_nano=end, attributes=attrs)


def request_bodies(workload: Workload, spans: int, seed: int) -> list[bytes]:
    """``spans`` workload calls as OTLP protobuf export requests of ``BATCH`` spans each."""
    rng = random.Random(seed)
    rows = list(workload.rows(spans))
    bodies = []
    for start in range(0, len(rows), BATCH):
        by_tenant: dict[str, list[Span]] = {}
        for row in rows[start:start + BATCH]:
            by_tenant.setdefault(row[1], []).append(_span(row, rng))
        request = ExportTraceServiceRequest()
        for tenant_id, tenant_spans in by_tenant.items():
            resource_spans = ResourceSpans()
            resource_spans.resource.attributes.append(_kv("costsight.tenant_id", tenant_id))
            resource_spans.scope_spans.add().spans.extend(tenant_spans)
            request.resource_spans.append(resource_spans)
        bodies.append(request.SerializeToString())
    return bodies


def _records(body: bytes) -> list[NewCostRecord]:
    mapped = map_request(decode(body, PROTOBUF), TenantScope.all())
    assert not mapped.rejected, mapped.error_message()
    return mapped.records


async def _count(url: str) -> int:
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            return int((await uow.connection.execute(
                select(func.count()).select_from(cost_records))).scalar_one())
    finally:
        await storage.aclose()


async def _through_port(url: str, batches: list[list[NewCostRecord]]) -> float:
    app = await bootstrap(url, load_entrypoints=False)
    try:
        t0 = time.perf_counter()
        for batch in batches:
            async with app.storage.unit_of_work() as uow:
                await uow.costs.record_costs(batch)
                await uow.commit()
        return time.perf_counter() - t0
    finally:
        await app.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _through_receiver(url: str, bodies: list[bytes]) -> float:
    port = _free_port()
    costsight = str(Path(sys.executable).with_name("costsight"))
    with TemporaryDirectory(prefix="costsight-bench-otlp-") as tmp:
        tokens = Path(tmp) / "tokens.json"
        tokens.write_text(json.dumps({TOKEN: "*"}))
        process = await anyio.open_process(
            [costsight, "receive", "--port", str(port), "--tokens-file", str(tokens)],
            env={**os.environ, "COSTSIGHT_DATABASE_URL": url})
        try:
            endpoint = f"http://127.0.0.1:{port}/v1/traces"
            headers = {"content-type": PROTOBUF, "authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(timeout=60) as client:
                with anyio.fail_after(30):
                    while True:
                        try:
                            await client.post(endpoint, content=b"", headers=headers)
                            break
                        except httpx.TransportError:
                            await anyio.sleep(0.05)
                t0 = time.perf_counter()
                for body in bodies:
                    response = await client.post(endpoint, content=body, headers=headers)
                    if response.status_code != 200 or response.content:
                        raise RuntimeError(f"receiver answered {response.status_code}: "
                                           f"{response.content[:200]!r}")
                return time.perf_counter() - t0
        finally:
            process.terminate()
            with anyio.move_on_after(30):
                await process.wait()
            if process.returncode is None:
                process.kill()
                await process.wait()


async def otlp_receiver(workload: Workload, spans: int, seed: int) -> dict[str, Any]:
    """Spans/s through the receiver and records/s through the port, same records."""
    bodies = request_bodies(workload, spans, seed)
    batches = [_records(body) for body in bodies]
    log(f"  otlp: {spans:,} spans in {len(bodies)} requests of {BATCH} "
        f"({sum(map(len, bodies)) / len(bodies) / 1024:.0f} KiB each)")
    async with postgres_database("otlp_port") as port_url, \
            postgres_database("otlp_recv") as recv_url:
        for url in (port_url, recv_url):
            await register_tags(url, workload.feature_tags())
        port_s = await _through_port(port_url, batches)
        log(f"  otlp: port {spans / port_s:,.0f} records/s")
        recv_s = await _through_receiver(recv_url, bodies)
        log(f"  otlp: receiver {spans / recv_s:,.0f} spans/s")
        stored = (await _count(port_url), await _count(recv_url))
    if stored != (spans, spans):
        raise RuntimeError(f"stored {stored}, expected {spans} on both sides")
    ratio = (spans / recv_s) / (spans / port_s)
    return {"spans": spans, "batch": BATCH, "requests": len(bodies), "database": "postgres",
            "receiver_spans_per_s": round(spans / recv_s), "port_records_per_s":
            round(spans / port_s), "ratio_vs_port": rnd(ratio, 3),
            "goals": {"ratio_vs_port": goal(ratio, ">=", GOAL)},
            "goal": f">= {GOAL}", "met": ratio >= GOAL}
