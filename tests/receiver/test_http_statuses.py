"""Every OTLP/HTTP answer of the receiver, over plain HTTP (httpx), on SQLite and Postgres:
200 (with partial_success), 400, 401, 413, 415 and 503 + Retry-After; JSON and protobuf, gzip
or not."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator

import anyio
import httpx
from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.receiver.conftest import LIMITS, Served
from tests.receiver.helpers import stored
from tests.receiver.otlp_json import body, chat, export, span

JSON = "application/json"
PROTOBUF = "application/x-protobuf"


def _protobuf(document: dict[str, object]) -> bytes:
    """The same export in the binary encoding (hex ids converted as OTLP/JSON defines)."""
    import base64

    for resource in document["resourceSpans"]:  # type: ignore[attr-defined]
        for scope in resource["scopeSpans"]:
            for s in scope["spans"]:
                for key in ("traceId", "spanId"):
                    s[key] = base64.b64encode(bytes.fromhex(s[key])).decode()
    return json_format.ParseDict(document, ExportTraceServiceRequest()).SerializeToString()


def _status(response: httpx.Response) -> Status:
    status = Status()
    if response.headers["content-type"].startswith(JSON):
        json_format.Parse(response.text, status)
    else:
        status.ParseFromString(response.content)
    return status


async def test_json_over_plain_http_stores_the_span_under_its_hex_ids(served: Served) -> None:
    trace_id, span_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    one = span(chat(input_tokens=42, **{"user.id": "u-9"}), trace_id=trace_id, span_id=span_id)
    response = await served.post(body(one))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(JSON)
    assert json.loads(response.text) == {}  # full success: no partial_success
    assert response.headers["costsight-spans"] == (
        "stored=1; duplicate=0; failed_calls=0; ignored=0; rejected=0")
    again = await served.post(gzip.compress(body(one)), headers={"content-encoding": "gzip"})
    assert again.status_code == 200
    assert again.headers["costsight-spans"].startswith("stored=0; duplicate=1;")
    [record], _ = await stored(served.database_url)
    assert record["request_id"] == trace_id + span_id
    assert (record["tenant_id"], record["input_tokens"], record["user_id"]) == (
        "tenant-a", 42, "u-9")


async def test_protobuf_gzip_and_partial_success(served: Served) -> None:
    document = export(span(chat(input_tokens=1)),
                      span({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3}),
                      span({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
                            "gen_ai.usage.input_tokens": "many"}),
                      span({"http.request.method": "GET"}, name="GET /"))
    response = await served.post(gzip.compress(_protobuf(document)), content_type=PROTOBUF,
                                 headers={"content-encoding": "gzip"})
    assert response.status_code == 200
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 2
    assert "gen_ai.response.model nor gen_ai.request.model" in (
        answer.partial_success.error_message)
    assert "gen_ai.usage.input_tokens must be an integer" in answer.partial_success.error_message
    assert response.headers["costsight-spans"] == (
        "stored=1; duplicate=0; failed_calls=0; ignored=1; rejected=2")
    records, _ = await stored(served.database_url)
    assert len(records) == 1


async def test_partial_success_in_json_names_the_missing_tenant(served: Served) -> None:
    response = await served.post(body(span(chat()), span(chat())), token="tok-ops")
    assert response.status_code == 200
    partial = json.loads(response.text)["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert "costsight.tenant_id" in partial["errorMessage"]
    assert await stored(served.database_url) == ([], [])


async def test_401_without_a_known_bearer_token(served: Served) -> None:
    for token, extra in ((None, {}), ("tok-nope", {}),
                         (None, {"authorization": "Basic dG9rLWE6"})):
        response = await served.post(body(span(chat())), token=token, headers=extra)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert _status(response).code == 16  # UNAUTHENTICATED
    assert await stored(served.database_url) == ([], [])


async def test_415_for_an_unknown_content_type_or_encoding(served: Served) -> None:
    response = await served.post(body(span(chat())), content_type="text/plain")
    assert response.status_code == 415
    assert "application/x-protobuf" in _status(response).message
    response = await served.post(body(span(chat())), headers={"content-encoding": "br"})
    assert response.status_code == 415
    assert await stored(served.database_url) == ([], [])


async def test_400_when_the_body_cannot_be_decoded(served: Served) -> None:
    bad_hex = export(span(chat(), trace_id="not-hex-at-all"))
    for payload, kind, headers in (
            (b"\xff\xff\xff\x0f garbage", PROTOBUF, {}),
            (b"{not json", JSON, {}),
            (b"[1, 2]", JSON, {}),
            (json.dumps(bad_hex).encode(), JSON, {}),
            (gzip.compress(body(span(chat())))[:-12], JSON, {"content-encoding": "gzip"}),
            (b"not gzip at all", JSON, {"content-encoding": "gzip"})):
        response = await served.post(payload, content_type=kind, headers=headers)
        assert response.status_code == 400, (payload, response.text)
        assert _status(response).message
    assert await stored(served.database_url) == ([], [])


async def test_413_above_the_configured_size_declared_streamed_or_decompressed(
        served: Served) -> None:
    limit = LIMITS.max_body_bytes
    big = body(*(span(chat(padding="x" * 1000)) for _ in range(2 * limit // 1000)))
    assert len(big) > limit
    response = await served.post(big)
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    response = await served.client.post(served.url, content=chunks(), headers={
        "content-type": JSON, "authorization": "Bearer tok-a"})
    assert response.status_code == 413
    bomb = gzip.compress(big)  # small on the wire, above the limit once inflated
    assert len(bomb) < limit
    response = await served.post(bomb, headers={"content-encoding": "gzip"})
    assert response.status_code == 413
    assert await stored(served.database_url) == ([], [])


async def test_503_with_retry_after_when_saturated_and_bounded_under_a_flood(
        served: Served) -> None:
    release = anyio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        held_body = body(span(chat(input_tokens=7)))
        yield held_body[:10]
        await release.wait()
        yield held_body[10:]

    held: list[httpx.Response] = []
    flood: list[int] = []

    async def hold() -> None:
        held.append(await served.client.post(served.url, content=slow_body(), headers={
            "content-type": JSON, "authorization": "Bearer tok-a"}))

    async def one_more() -> None:
        response = await served.post(body(span(chat())))
        flood.append(response.status_code)
        assert response.headers["retry-after"] == str(LIMITS.retry_after_seconds)

    async with anyio.create_task_group() as tg:
        for _ in range(LIMITS.max_pending):
            tg.start_soon(hold)
        with anyio.fail_after(10):
            while served.receiver.pending < LIMITS.max_pending:  # noqa: ASYNC110
                await anyio.sleep(0.01)
        async with anyio.create_task_group() as flooders:
            for _ in range(40):
                flooders.start_soon(one_more)
        assert served.receiver.pending == LIMITS.max_pending  # the queue never grew
        release.set()

    assert flood == [503] * 40
    assert [r.status_code for r in held] == [200] * LIMITS.max_pending
    assert served.receiver.counters.saturated == 40
    records, _ = await stored(served.database_url)
    assert len(records) == LIMITS.max_pending
