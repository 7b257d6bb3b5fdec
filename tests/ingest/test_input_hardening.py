"""Nothing misread: instants outside 1970..2200 or finer than a microsecond, duplicate JSON
keys and a UTF-8 BOM, on every backend. A refused line names its field and nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from costsight.core.domain.statistics import Resolution, TimeWindow
from costsight.core.ingest.lines import BytesSource
from costsight.core.services.ingest import IngestService
from costsight.core.timeutil import SystemClock
from tests.ingest.lines import T0, cost, jsonl

JANUARY = TimeWindow(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC))
RANGE = "1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z"


async def stored_costs(storage, tenant: str = "t1") -> int:
    """Cost records of the tenant in January 2026 (where the good lines are)."""
    async with storage.unit_of_work() as uow:
        buckets = await uow.analytics.cost_spend(tenant, JANUARY, Resolution.DAY)
        return sum(b.requests for b in buckets)


async def tenants(storage) -> list[str]:
    async with storage.unit_of_work() as uow:
        return list(await uow.analytics.known_tenants())


async def ingest(storage, data: bytes, name: str = "in.jsonl", **options):
    return await IngestService(storage, SystemClock()).ingest([BytesSource(name, data)],
                                                              **options)


OUT_OF_RANGE = [
    "0001-01-01T00:00:00+14:00",   # no UTC instant in datetime's range (OverflowError before)
    "9999-12-31T23:59:59-12:00",   # likewise, at the other end
    "0001-01-01T00:00:00+00:00",   # representable, but stored it broke detect --as-of
    "9999-12-31T23:00:00+00:00",
    "1969-12-31T23:59:59.999999+00:00",
    "2200-01-01T00:00:00.000001+00:00",
    "1970-01-01T00:59:59+01:00",   # 1969-12-31T23:59:59Z: the offset counts
]


@pytest.mark.parametrize("instant", OUT_OF_RANGE)
async def test_an_instant_out_of_range_is_refused_naming_the_field(storage, instant: str) -> None:
    for field, line in [
        ("created_at", cost(1, created_at=instant)),
        ("started_at", {"type": "worker_run", "id": "r1", "tenant_id": "t1", "worker_id": "w",
                        "status": "running", "created_at": T0, "started_at": instant}),
        ("decision_timestamp", {"type": "audit_record", "audit_id": "a1", "envelope_id": "e",
                                "envelope_class": "COST", "decision": "APPLIED",
                                "reason": "r", "decision_timestamp": instant}),
    ]:
        report = await ingest(storage, jsonl([cost(2), line]))
        assert not report.written and report.rejected == 1, report.as_dict()
        [rejection] = report.rejections
        assert (rejection.line, rejection.field) == (2, field)
        assert "out of range" in rejection.reason and RANGE in rejection.reason
    assert await tenants(storage) == []


async def test_the_range_is_inclusive_of_both_ends(storage) -> None:
    lines = [cost(1, created_at="1970-01-01T00:00:00Z"),
             cost(2, created_at="1970-01-01T01:00:00+01:00"),
             cost(3, created_at="2200-01-01T00:00:00+00:00"),
             cost(4, created_at="2199-12-31T13:00:00-11:00")]
    report = await ingest(storage, jsonl(lines))
    assert report.written and report.inserted == 4, report.as_dict()
    assert await tenants(storage) == ["t1"]


async def test_sub_microsecond_digits_are_refused_unless_zero(storage) -> None:
    refused = await ingest(storage, jsonl([cost(1, created_at="2026-01-05T10:00:00.123456789Z")]))
    assert not refused.written
    [rejection] = refused.rejections
    assert rejection.field == "created_at" and "microsecond" in rejection.reason
    # Trailing zeros lose nothing: nanosecond clocks that are exact in microseconds are fine.
    exact = await ingest(storage, jsonl([cost(2, created_at="2026-01-05T10:00:00.123456000Z")]))
    assert exact.written and exact.inserted == 1


async def test_a_duplicated_key_is_refused_naming_it(storage) -> None:
    twice = (b'{"type": "cost_record", "tenant_id": "t1", "tenant_id": "t2", "model": "m", '
             b'"input_tokens": 1, "output_tokens": 1, "cost_cents": 1, "created_at": "'
             + T0.encode() + b'", "request_id": "dup-1"}')
    report = await ingest(storage, jsonl([cost(1)]) + twice + b"\n")
    assert not report.written and report.rejected == 1
    [rejection] = report.rejections
    assert (rejection.line, rejection.field) == (2, "tenant_id")
    assert "more than once" in rejection.reason
    assert await tenants(storage) == []
    # An escaped spelling of the same key is the same key.
    escaped = twice.replace(b'"tenant_id": "t2"', b'"tenant\\u005fid": "t2"')
    assert (await ingest(storage, escaped)).rejections[0].field == "tenant_id"
    # Inside a free-form payload too: the canonical payload (and its hash) would be ambiguous.
    nested = json.dumps({"type": "provenance", "tenant_id": "t1", "variant_slug": "v2",
                         "source": "s"})[:-1].encode() + b', "payload": {"a": 1, "a": 2}}'
    assert (await ingest(storage, nested)).rejections[0].field == "a"


async def test_a_utf8_bom_at_the_start_is_accepted(storage) -> None:
    bom = b"\xef\xbb\xbf"
    report = await ingest(storage, bom + jsonl([cost(1), cost(2)]))
    assert report.written and report.inserted == 2, report.as_dict()
    csv = (b"tenant_id,model,input_tokens,output_tokens,cost_cents,created_at,request_id\n"
           b"t1,gpt-4o,100,10,0.35,2026-01-05T10:00:00+00:00,c-1\n")
    report = await ingest(storage, bom + csv, "costs.csv")
    assert report.written and report.inserted == 1, report.as_dict()
    assert await stored_costs(storage) == 3


async def test_a_bom_elsewhere_is_still_refused(storage) -> None:
    report = await ingest(storage, jsonl([cost(1)]) + b"\xef\xbb\xbf" + jsonl([cost(2)]))
    assert not report.written and report.rejections[0].line == 2
