"""The OTLP/HTTP endpoint: ``POST /v1/traces`` as a Starlette app.

Per request, in order: a known bearer token (401), a supported content type (415), a declared
length within the limit (413), a place in the bounded queue (503 with ``Retry-After`` when
``max_pending`` requests are already admitted: their bodies are the only ones held, so memory
stays bounded under a flood), the body read up to the limit and decompressed up to it (413),
decoded (400), mapped to cost records, and written in ONE unit of work through the cost-write
port (at most ``write_concurrency`` at a time). The answer is an ``ExportTraceServiceResponse``
in the request's encoding, with ``partial_success`` when spans were rejected; errors carry a
``google.rpc.Status``. Counts of what happened go in a ``Costsight-Spans`` header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anyio
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from costsight import bearer_tokens
from costsight.bearer_tokens import TokenTable
from costsight.core.application import Application
from costsight.core.errors import CostsightError
from costsight.core.tenant_scope import TenantScope
from costsight.receiver.decoding import (
    JSON,
    PROTOBUF,
    BadRequest,
    TooLarge,
    UnsupportedMediaType,
    decode,
    decompress,
    media_type,
)
from costsight.receiver.spans import Mapped, map_request
from costsight.settings import Settings

log = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"


@dataclass(frozen=True)
class ReceiverLimits:
    """Bounds of one receiver: body size (compressed and decompressed), admitted requests,
    concurrent units of work, and the ``Retry-After`` a saturated receiver answers with."""

    max_body_bytes: int = 16 * 1024 * 1024
    max_pending: int = 64
    write_concurrency: int = 4
    retry_after_seconds: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceiverLimits:
        return cls(max_body_bytes=settings.receiver_max_body_bytes,
                   max_pending=settings.receiver_max_pending,
                   write_concurrency=settings.receiver_write_concurrency)


@dataclass
class Counters:
    """What the receiver did since it started (`costsight receive` prints them when it stops)."""

    requests: int = 0
    stored: int = 0
    duplicates: int = 0
    failed_calls: int = 0
    ignored: int = 0
    rejected: int = 0
    saturated: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class Receiver:
    """The request handler and its state (admission count, write slots, counters)."""

    def __init__(self, app: Application, tokens: TokenTable,
                 limits: ReceiverLimits | None = None) -> None:
        self.app = app
        self.tokens = tokens
        self.limits = limits or ReceiverLimits()
        self.pending = 0
        self.counters = Counters()
        self._write_slots = anyio.Semaphore(self.limits.write_concurrency)

    async def export(self, request: Request) -> Response:
        response = await self._export(request)
        self.counters.requests += 1
        self.counters.by_status[response.status_code] = (
            self.counters.by_status.get(response.status_code, 0) + 1)
        return response

    async def _export(self, request: Request) -> Response:
        token = bearer_tokens.bearer_token(request.headers.get("authorization"))
        scope = self.tokens.scope_of(token) if token else None
        kind = _response_kind(request.headers.get("content-type"))
        if scope is None:
            log.warning("401 unauthorized: client %s, %s", _client(request),
                        f"token {bearer_tokens.token_label(token)}" if token else "no bearer token")
            return _status(401, "a known bearer token is required", kind,
                           {"WWW-Authenticate": 'Bearer realm="costsight"'})
        try:
            kind = media_type(request.headers.get("content-type"))
        except UnsupportedMediaType as exc:
            return _status(415, str(exc), kind)
        declared = request.headers.get("content-length")
        limit = self.limits.max_body_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return _status(413, f"the body is above {self.limits.max_body_bytes} bytes", kind)
        if self.pending >= self.limits.max_pending:
            self.counters.saturated += 1
            return _status(503, "the receiver is saturated; retry later", kind,
                           {"Retry-After": str(self.limits.retry_after_seconds)})
        self.pending += 1
        try:
            return await self._admitted(request, kind, scope)
        finally:
            self.pending -= 1

    async def _admitted(self, request: Request, kind: str, scope: TenantScope) -> Response:
        try:
            body = await _read_limited(request, self.limits.max_body_bytes)
            body = decompress(body, request.headers.get("content-encoding"),
                              self.limits.max_body_bytes)
            mapped = map_request(decode(body, kind), scope)
        except TooLarge as exc:
            return _status(413, str(exc), kind)
        except UnsupportedMediaType as exc:
            return _status(415, str(exc), kind)
        except BadRequest as exc:
            return _status(400, str(exc), kind)
        except ClientDisconnect:
            return _status(400, "the client disconnected before the body was read", kind)
        try:
            async with self._write_slots:
                stored, duplicates = await self._write(mapped)
        except CostsightError as exc:
            # Storage refused the batch (a run id of another tenant, a changed terminal run):
            # a retry would be refused again.
            return _status(400, f"the spans cannot be stored: {exc}", kind)
        except Exception as exc:
            log.exception("writing %d cost records failed", len(mapped.records))
            return _status(503, f"storage is unavailable: {type(exc).__name__}", kind,
                           {"Retry-After": str(self.limits.retry_after_seconds)})
        self._count(mapped, stored, duplicates)
        answer = ExportTraceServiceResponse()
        if mapped.rejected:
            answer.partial_success.rejected_spans = mapped.rejected
            answer.partial_success.error_message = mapped.error_message()
        headers = {"Costsight-Spans": f"stored={stored}; duplicate={duplicates}; "
                                      f"failed_calls={len(mapped.failed_runs)}; "
                                      f"ignored={mapped.ignored}; rejected={mapped.rejected}"}
        return _encoded(200, answer, kind, headers)

    async def _write(self, mapped: Mapped) -> tuple[int, int]:
        if not mapped.records:
            return 0, 0
        async with self.app.storage.unit_of_work() as uow:
            result = await uow.costs.record_costs(mapped.records)
            if mapped.failed_runs:
                await uow.costs.upsert_worker_runs(mapped.failed_runs)
            await uow.commit()
        return result.inserted, result.duplicates

    def _count(self, mapped: Mapped, stored: int, duplicates: int) -> None:
        c = self.counters
        c.stored += stored
        c.duplicates += duplicates
        c.failed_calls += len(mapped.failed_runs)
        c.ignored += mapped.ignored
        c.rejected += mapped.rejected


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is above {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _response_kind(content_type: str | None) -> str:
    """Errors are encoded like the request when we can tell; protobuf otherwise."""
    try:
        return media_type(content_type)
    except UnsupportedMediaType:
        return PROTOBUF


def _encoded(code: int, message: Message, kind: str,
             headers: dict[str, str] | None = None) -> Response:
    if kind == JSON:
        body = json_format.MessageToJson(message, indent=None).encode()
    else:
        body = message.SerializeToString()
    return Response(body, status_code=code, media_type=kind, headers=headers)


def _status(code: int, message: str, kind: str,
            headers: dict[str, str] | None = None) -> Response:
    return _encoded(code, Status(code=_RPC_CODES.get(code, 2), message=message), kind, headers)


#: google.rpc.Code for each HTTP status we answer with.
_RPC_CODES = {400: 3, 401: 16, 413: 8, 415: 3, 503: 14}


def _client(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "unknown"


def receiver_app(receiver: Receiver) -> Starlette:
    return Starlette(routes=[Route(TRACES_PATH, receiver.export, methods=["POST"])])
