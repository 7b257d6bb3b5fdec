"""OTLP/HTTP request bodies: content type, gzip, size limit, then the generated protobuf message.

``application/x-protobuf`` is the binary encoding; ``application/json`` is OTLP's JSON mapping,
which differs from protobuf's canonical JSON in one way that matters here: trace and span ids
are hex strings, not base64 (they are converted before parsing). Unknown fields are ignored, as
the OTLP specification asks of receivers.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
CONTENT_TYPES = (PROTOBUF, JSON)


class BadRequest(Exception):
    """The body cannot be decoded (400); the message says why."""


class TooLarge(Exception):
    """The body (before or after decompression) is above the limit (413)."""


class UnsupportedMediaType(Exception):
    """Neither protobuf nor JSON (415)."""


def media_type(content_type: str | None) -> str:
    """The request's media type, or ``UnsupportedMediaType``."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind not in CONTENT_TYPES:
        raise UnsupportedMediaType(f"content type {content_type!r} is not supported; "
                                   f"send {PROTOBUF} or {JSON}")
    return kind


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body after ``Content-Encoding`` (identity or gzip), never more than ``limit`` bytes."""
    coding = (encoding or "identity").strip().lower()
    if coding in ("", "identity"):
        return body
    if coding != "gzip":
        raise UnsupportedMediaType(f"content encoding {encoding!r} is not supported; "
                                   "send gzip or identity")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"the gzip body cannot be decompressed: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"the decompressed body is above {limit} bytes")
    if not inflater.eof:
        raise BadRequest("the gzip body is truncated")
    return out


def decode(body: bytes, kind: str) -> ExportTraceServiceRequest:
    """The export request in ``body`` (already decompressed), or ``BadRequest``."""
    request = ExportTraceServiceRequest()
    if kind == PROTOBUF:
        try:
            request.ParseFromString(body)
        except DecodeError as exc:
            raise BadRequest(f"the protobuf body cannot be decoded: {exc}") from None
        return request
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the JSON body cannot be decoded: {exc}") from None
    if not isinstance(document, dict):
        raise BadRequest("the JSON body must be an object with resourceSpans")
    try:
        _hex_ids_to_base64(document)
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise BadRequest(f"the JSON body is not an OTLP trace export: {exc}") from None
    return request


_ID_FIELDS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")


def _hex_ids_to_base64(document: dict[str, Any]) -> None:
    """OTLP/JSON carries ids as hex; protobuf's JSON parser expects base64 for bytes fields."""
    for resource in _items(document, "resourceSpans", "resource_spans"):
        for scope in _items(resource, "scopeSpans", "scope_spans"):
            for span in _items(scope, "spans"):
                _convert(span)
                for link in _items(span, "links"):
                    _convert(link)


def _items(container: object, *names: str) -> list[Any]:
    if not isinstance(container, dict):
        return []
    for name in names:
        value = container.get(name)
        if isinstance(value, list):
            return value
    return []


def _convert(node: object) -> None:
    if not isinstance(node, dict):
        return
    for name in _ID_FIELDS:
        value = node.get(name)
        if isinstance(value, str) and value:
            try:
                node[name] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
            except ValueError:
                raise ValueError(f"{name} {value!r} is not hex") from None


def gzip_bytes(body: bytes) -> bytes:
    """Gzip ``body`` (tests and the benchmark send compressed bodies as exporters do)."""
    return gzip.compress(body)


__all__ = ["CONTENT_TYPES", "JSON", "PROTOBUF", "BadRequest", "TooLarge",
           "UnsupportedMediaType", "decode", "decompress", "gzip_bytes",
           "media_type"]
