"""Builders of ingest lines for the ingest and CLI tests."""

from __future__ import annotations

import json
from typing import Any

T0 = "2026-01-05T10:00:00+00:00"


def cost(n: int, tenant: str = "t1", **extra: Any) -> dict[str, Any]:
    return {"type": "cost_record", "tenant_id": tenant, "model": "gpt-4o-mini",
            "input_tokens": 100 + n, "output_tokens": 20, "cost_cents": "0.125",
            "created_at": T0, "request_id": f"req-{tenant}-{n}", "user_id": "alice",
            "feature_tag": "support.reply", **extra}


def good_lines() -> list[dict[str, Any]]:
    """One line of every record type (a run in two states), three cost records."""
    return [
        {"type": "feature_tag", "tenant_id": "t1", "tag": "support.reply",
         "display_name": "Support replies"},
        {"type": "budget", "tenant_id": "t1", "budget_type": "feature",
         "entity_id": "support.reply", "daily_limit_cents": 500},
        {"type": "worker_run", "id": "run-1", "tenant_id": "t1", "worker_id": "w1",
         "status": "running", "created_at": T0},
        {"type": "worker_run", "id": "run-1", "tenant_id": "t1", "worker_id": "w1",
         "status": "completed", "created_at": T0, "cost_cents": 12, "success": True},
        cost(1), cost(2), cost(3, worker_run_id="run-1"),
        {"type": "provenance", "tenant_id": "t1", "variant_slug": "v2", "source": "sandbox",
         "v1_cost": 100, "v2_cost": 110.5, "payload": {"plan": "p1", "steps": 3},
         "created_at": T0},
        {"type": "audit_record", "audit_id": "aud-1", "envelope_id": "env-1",
         "envelope_class": "cost", "decision": "applied", "reason": "no conflict",
         "decision_timestamp": T0, "tenant_id": "t1"},
    ]


def jsonl(lines: list[Any]) -> bytes:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                   for line in lines).encode("utf-8")


#: Bad lines, each with the field its rejection must name.
BAD_LINES: list[tuple[bytes, str]] = [
    (json.dumps({**cost(90), "cost_cents": -1}).encode(), "cost_cents"),
    (json.dumps({**cost(91), "created_at": "2026-01-05T10:00:00"}).encode(), "created_at"),
    (json.dumps({**cost(92), "input_tokens": 10**40}).encode(), "input_tokens"),
    (json.dumps({**cost(93), "cost_cents": "1e999"}).encode(), "cost_cents"),
    (json.dumps({k: v for k, v in cost(94).items() if k != "model"}).encode(), "model"),
    (json.dumps({**cost(95), "surprise": 1}).encode(), "surprise"),
    (json.dumps({**cost(96), "tenant_id": "t\u0000x"}).encode(), "tenant_id"),
    (json.dumps({"type": "feature_tag", "tenant_id": "t1", "tag": "nodot",
                 "display_name": "x"}).encode(), "tag"),
    (json.dumps({"type": "budget", "tenant_id": "t1", "budget_type": "user"}).encode(),
     "line"),
    (json.dumps({"type": "worker_run", "id": "r9", "tenant_id": "t1", "worker_id": "w",
                 "status": "exploded", "created_at": T0}).encode(), "status"),
    (json.dumps({"type": "audit_record", "audit_id": "a9", "envelope_id": "e",
                 "envelope_class": "NOPE", "decision": "APPLIED", "reason": "r",
                 "decision_timestamp": T0}).encode(), "envelope_class"),
    (json.dumps({"type": "provenance", "tenant_id": "t1",
                 "payload": {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
                 }).encode(), "payload"),
    (json.dumps({"type": "mystery"}).encode(), "type"),
    (json.dumps({"tenant_id": "t1"}).encode(), "type"),
    (b"[1, 2, 3]", "line"),
    (b"{not json", "line"),
    (b'{"type": "cost_record", "cost_cents": NaN}', "line"),
    (b"\xff\xfe\xfa not utf-8", "line"),
    (b"[" * 50_000 + b"]" * 50_000, "line"),
    (b'{"type": "cost_record", "input_tokens": ' + b"9" * 5000 + b"}", "line"),
]
