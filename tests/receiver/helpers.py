"""A real ``costsight receive`` (child process or in-process), and GenAI spans from the official
OpenTelemetry SDK exported to it with the OTLP/HTTP span exporter."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from sqlalchemy import select

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records, worker_runs
from costsight.core.money import micros_to_cents
from tests.cli.conftest import COSTSIGHT
from tests.reliability.processes import REPO, stop

HOST = "127.0.0.1"
TOKENS = {"tok-a": ["tenant-a"], "tok-b": "tenant-b", "tok-ops": "*",
          "tok-ab": ["tenant-a", "tenant-b"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def write_tokens(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(TOKENS))
    return path


@asynccontextmanager
async def receiving_process(database_url: str, tmp_path: Path, *,
                            env: Mapping[str, str] | None = None,
                            ) -> AsyncIterator[tuple[str, Process]]:
    """``costsight receive`` in its own process on a free loopback port; yields the traces
    endpoint URL and the process (stopped with SIGTERM on the way out)."""
    port = free_port()
    full_env = {**os.environ, "COSTSIGHT_DATABASE_URL": database_url, **(env or {})}
    process = await anyio.open_process(
        [COSTSIGHT, "receive", "--host", HOST, "--port", str(port),
         "--tokens-file", str(write_tokens(tmp_path))],
        cwd=REPO, env=full_env)
    try:
        with anyio.fail_after(30):
            while True:
                if process.returncode is not None:
                    err = await process.stderr.receive() if process.stderr else b""
                    raise AssertionError(f"receive exited with {process.returncode}: {err!r}")
                try:
                    stream = await anyio.connect_tcp(HOST, port)
                except OSError:
                    await anyio.sleep(0.05)
                    continue
                await stream.aclose()
                break
        yield f"http://{HOST}:{port}/v1/traces", process
    finally:
        await stop(process)


@dataclass
class Sdk:
    """A tracer provider exporting to the receiver, and a copy of every span it finished."""

    provider: TracerProvider
    exporter: OTLPSpanExporter
    finished: InMemorySpanExporter

    def spans(self) -> Sequence[ReadableSpan]:
        return self.finished.get_finished_spans()

    def flush(self) -> None:
        assert self.provider.force_flush(10_000)

    def shutdown(self) -> None:
        self.provider.shutdown()


@contextlib.contextmanager
def sdk(endpoint: str | None, token: str | None, resource: Mapping[str, str] | None = None,
        *, gzip: bool = True) -> Iterator[Sdk]:
    """The official SDK: a BatchSpanProcessor with the OTLP/HTTP (protobuf) span exporter.
    ``endpoint`` / ``token`` None leave them to the OTEL_EXPORTER_OTLP_TRACES_* variables."""
    exporter = OTLPSpanExporter(
        endpoint=endpoint, timeout=10,
        headers=None if token is None else {"authorization": f"Bearer {token}"},
        compression=Compression.Gzip if gzip else Compression.NoCompression)
    finished = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc-test",
                                                        **(resource or {})}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    provider.add_span_processor(SimpleSpanProcessor(finished))
    try:
        yield Sdk(provider, exporter, finished)
    finally:
        provider.shutdown()


def ns(instant: datetime) -> int:
    return int(instant.timestamp()) * 1_000_000_000 + instant.microsecond * 1000


def model_call(telemetry: Sdk, *, model: str, start: datetime, end: datetime,
               attributes: Mapping[str, object], operation: str | None = "chat",
               name: str | None = None, error: str | None = None,
               end_extra_nanos: int = 0) -> None:
    """One GenAI span, as a provider instrumentation emits it."""
    tracer = telemetry.provider.get_tracer("tests.receiver")
    attrs: dict[str, object] = {"gen_ai.request.model": model, **attributes}
    if operation is not None:
        attrs["gen_ai.operation.name"] = operation
    span = tracer.start_span(name or f"{operation or 'llm'} {model}", start_time=ns(start),
                             attributes=attrs)  # type: ignore[arg-type]
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end(end_time=ns(end) + end_extra_nanos)


def other_span(telemetry: Sdk, name: str = "GET /health") -> None:
    tracer = telemetry.provider.get_tracer("tests.receiver")
    with tracer.start_as_current_span(name, attributes={"http.request.method": "GET"}):
        pass


async def stored(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every stored cost record (``cost_cents`` exact) and worker run, ordered by id."""
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            records = [dict(row._mapping) for row in await uow.connection.execute(
                select(cost_records).order_by(cost_records.c.tenant_id,
                                              cost_records.c.request_id))]
            runs = [dict(row._mapping) for row in await uow.connection.execute(
                select(worker_runs).order_by(worker_runs.c.id))]
    finally:
        await storage.aclose()
    for record in records:
        record["cost_cents"] = micros_to_cents(record.pop("cost_micros"))
    return records, runs


def expected_cents(model: str, provider: str, at: datetime, *, input_tokens: int,
                   output_tokens: int, cache_read_tokens: int = 0,
                   cache_write_tokens: int = 0) -> Decimal:
    """The price, computed here with genai-prices itself, in cents rounded half-even to the
    micro-cent costsight stores."""
    from genai_prices import Usage, calc_price

    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens,
                  cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens)
    price = calc_price(usage, model, provider_id=provider, genai_request_timestamp=at)
    return (price.total_price * 100).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
