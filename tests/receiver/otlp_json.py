"""OTLP/JSON export bodies written by hand, as a plain HTTP client sends them (hex ids)."""

from __future__ import annotations

import json
import secrets
from typing import Any


def attr(key: str, value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def span(attributes: dict[str, object], *, end_ns: int = 1_748_772_000_000_000_000,
         trace_id: str | None = None, span_id: str | None = None,
         status_code: int = 0, name: str = "chat gpt-4o") -> dict[str, Any]:
    return {"traceId": trace_id or secrets.token_hex(16), "spanId": span_id or secrets.token_hex(8),
            "name": name, "kind": 3, "startTimeUnixNano": str(end_ns - 1_000_000_000),
            "endTimeUnixNano": str(end_ns),
            "attributes": [attr(k, v) for k, v in attributes.items()],
            "status": {"code": status_code}}


def chat(model: str = "gpt-4o", input_tokens: int = 10, **more: object) -> dict[str, object]:
    return {"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
            "gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": input_tokens,
            "gen_ai.usage.output_tokens": 5, "costsight.cost_cents": "0.5", **more}


def export(*spans: dict[str, Any], resource: dict[str, object] | None = None) -> dict[str, Any]:
    return {"resourceSpans": [{
        "resource": {"attributes": [attr(k, v) for k, v in (resource or {}).items()]},
        "scopeSpans": [{"scope": {"name": "tests"}, "spans": list(spans)}]}]}


def body(*spans: dict[str, Any], resource: dict[str, object] | None = None) -> bytes:
    return json.dumps(export(*spans, resource=resource)).encode()
