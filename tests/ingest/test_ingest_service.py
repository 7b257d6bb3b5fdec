"""The ingest service on every backend: counts, all-or-nothing, skip-invalid, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from costsight.core.domain.audit import AuditFilter
from costsight.core.domain.provenance import ProvenanceFilter
from costsight.core.domain.statistics import Resolution, TimeWindow
from costsight.core.ingest.lines import BytesSource
from costsight.core.ingest.parser import InputFormat, Rejection
from costsight.core.services.ingest import IngestService
from costsight.core.timeutil import SystemClock
from tests.ingest.lines import BAD_LINES, cost, good_lines, jsonl

WINDOW = TimeWindow(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC))


async def totals(storage, tenant: str = "t1") -> dict[str, object]:
    """Everything stored for a tenant, as plain counts (and the run's final state)."""
    async with storage.unit_of_work() as uow:
        spend = await uow.analytics.cost_spend(tenant, WINDOW, Resolution.DAY)
        runs = await uow.analytics.run_usage(tenant, WINDOW, Resolution.DAY)
        return {
            "cost_records": sum(b.requests for b in spend),
            "spend": sum(b.spend_cents for b in spend),
            "runs": sum(b.requests for b in runs),
            "tags": len(await uow.costs.list_feature_tags(tenant)),
            "budgets": len(await uow.costs.list_budgets(tenant)),
            "provenance": await uow.provenance.count(tenant, ProvenanceFilter()),
            "audit": len((await uow.audit.list_records(tenant, AuditFilter(), limit=100)).items),
        }


def service(storage) -> IngestService:
    return IngestService(storage, SystemClock())


async def test_good_file_writes_every_record_type(storage) -> None:
    report = await service(storage).ingest([BytesSource("good.jsonl", jsonl(good_lines()))])
    assert report.written and report.rejected == 0
    assert report.inserted == 8 and report.superseded == 1 and report.duplicates == 0
    assert await totals(storage) == {"cost_records": 3, "spend": pytest.approx(0.375),
                                     "runs": 1, "tags": 1, "budgets": 1, "provenance": 1,
                                     "audit": 1}


async def test_reingest_reports_duplicates_and_changes_no_total(storage) -> None:
    data = jsonl(good_lines())
    await service(storage).ingest([BytesSource("good.jsonl", data)])
    before = await totals(storage)
    again = await service(storage).ingest([BytesSource("good.jsonl", data)])
    assert again.written and again.inserted == 0 and again.updated == 0
    assert again.duplicates == 8
    assert await totals(storage) == before


async def test_mixed_file_writes_nothing_and_names_every_bad_line(storage) -> None:
    lines = [*jsonl(good_lines()).splitlines(), *(bad for bad, _ in BAD_LINES)]
    seen: list[Rejection] = []
    report = await service(storage).ingest([BytesSource("mixed.jsonl", b"\n".join(lines))],
                                           on_reject=seen.append)
    assert not report.written
    good = len(good_lines())
    assert [r.line for r in seen] == list(range(good + 1, good + 1 + len(BAD_LINES)))
    for rejection, (_, field) in zip(seen, BAD_LINES, strict=True):
        assert rejection.field == field, rejection
        assert rejection.reason
    assert await totals(storage) == {"cost_records": 0, "spend": 0, "runs": 0, "tags": 0,
                                     "budgets": 0, "provenance": 0, "audit": 0}


async def test_skip_invalid_writes_the_valid_lines(storage) -> None:
    lines = [BAD_LINES[0][0], *jsonl(good_lines()).splitlines(), BAD_LINES[1][0]]
    seen: list[Rejection] = []
    report = await service(storage).ingest([BytesSource("mixed.jsonl", b"\n".join(lines))],
                                           skip_invalid=True, on_reject=seen.append)
    assert report.written and report.rejected == 2 and report.inserted == 8
    assert [(r.line, r.field) for r in seen] == [(1, "cost_cents"),
                                                 (len(lines), "created_at")]
    assert (await totals(storage))["cost_records"] == 3


async def test_small_batches_and_csv(storage) -> None:
    header = "tenant_id,model,input_tokens,output_tokens,cost_cents,created_at,request_id,is_retry"
    rows = [f"t2,gpt-4o,10,5,0.5,2026-01-0{d}T00:00:00Z,csv-{d},{'true' if d % 2 else ''}"
            for d in range(1, 8)]
    data = "\n".join([header, *rows, "t2,gpt-4o,10,5,-3,2026-01-01T00:00:00Z,bad,"]).encode()
    seen: list[Rejection] = []
    report = await service(storage).ingest([BytesSource("costs.csv", data)], skip_invalid=True,
                                           batch_size=2, on_reject=seen.append)
    assert report.inserted == 7 and [(r.line, r.field) for r in seen] == [(9, "cost_cents")]
    assert (await totals(storage, "t2"))["spend"] == pytest.approx(3.5)


async def test_csv_with_unknown_column_rejects_every_row(storage) -> None:
    data = b"tenant_id,model,cost_cents,created_at,colour\nt,m,1,2026-01-01T00:00:00Z,red\n"
    report = await service(storage).ingest([BytesSource("x.csv", data)], fmt=InputFormat.CSV)
    assert not report.written and report.rejected == 2
    assert report.rejections[0].field == "header" and "colour" in report.rejections[0].reason


async def test_terminal_run_change_is_rejected_alone_with_skip_invalid(storage) -> None:
    done = {"type": "worker_run", "id": "run-x", "tenant_id": "t1", "worker_id": "w1",
            "status": "completed", "created_at": "2026-01-05T00:00:00Z", "cost_cents": 1}
    await service(storage).ingest([BytesSource("a.jsonl", jsonl([done]))])
    changed = {**done, "status": "failed"}
    seen: list[Rejection] = []
    report = await service(storage).ingest(
        [BytesSource("b.jsonl", jsonl([changed, cost(7)]))], skip_invalid=True,
        batch_size=1, on_reject=seen.append)
    assert [r.line for r in seen] == [1] and "run-x" in seen[0].reason
    assert report.rejected == 1 and report.inserted == 1
    assert (await totals(storage))["cost_records"] == 1


async def test_terminal_run_change_writes_nothing_by_default(storage) -> None:
    done = {"type": "worker_run", "id": "run-y", "tenant_id": "t1", "worker_id": "w1",
            "status": "failed", "created_at": "2026-01-05T00:00:00Z", "error": "boom"}
    await service(storage).ingest([BytesSource("a.jsonl", jsonl([done]))])
    report = await service(storage).ingest(
        [BytesSource("b.jsonl", jsonl([cost(8), {**done, "error": "other"}]))])
    assert not report.written and report.rejections[0].line == 2
    assert (await totals(storage))["cost_records"] == 0


async def test_oversized_line_is_rejected_and_the_next_line_still_read(
        memory_storage, monkeypatch: pytest.MonkeyPatch) -> None:
    import costsight.core.ingest.parser as parser_module

    monkeypatch.setattr(parser_module, "read_lines", _small_lines)
    data = jsonl([{**cost(1), "user_id": "x" * 600}, cost(2)])
    report = await service(memory_storage).ingest([BytesSource("big.jsonl", data)],
                                                  skip_invalid=True)
    assert [(r.line, r.field) for r in report.rejections] == [(1, "line")]
    assert "longer than" in report.rejections[0].reason and report.inserted == 1


def _small_lines(stream):
    from costsight.core.ingest.lines import read_lines

    return read_lines(stream, max_bytes=400)


async def test_bad_batch_size_is_a_validation_error(memory_storage) -> None:
    from costsight.core.errors import ValidationError

    with pytest.raises(ValidationError, match="batch_size"):
        await service(memory_storage).ingest([BytesSource("x.jsonl", b"")], batch_size=0)
