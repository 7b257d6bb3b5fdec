"""Contract: ProvenancePort (real ids, all-or-nothing batches, queries, drift stats, dedupe)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from costsight.core.domain.provenance import (
    DriftStats,
    NewProvenance,
    Provenance,
    ProvenanceFilter,
)
from costsight.core.errors import Conflict
from costsight.core.pagination import Page
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    collect_pages,
    in_uow,
    provenance,
    read,
)

SAMPLE_STDDEV_1_TO_4 = 1.2909944487358056  # sqrt(5 / 3)


def nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


async def write(storage: Storage, record: NewProvenance) -> int:
    return await in_uow(storage, lambda uow: uow.provenance.write(record))


async def write_batch(storage: Storage, *records: NewProvenance) -> list[int]:
    return await in_uow(storage, lambda uow: uow.provenance.write_batch(list(records)))


async def query_all(storage: Storage, filters: ProvenanceFilter | None = None,
                    tenant: str = TENANT) -> list[Provenance]:
    page = await read(storage, lambda uow: uow.provenance.query(
        tenant, filters or ProvenanceFilter(), limit=500))
    return page.items


async def count(storage: Storage, filters: ProvenanceFilter | None = None,
                tenant: str = TENANT) -> int:
    return await read(storage, lambda uow: uow.provenance.count(
        tenant, filters or ProvenanceFilter()))


async def drift(storage: Storage, tenant: str = TENANT, *, variant_slug: str | None = None,
                start: datetime | None = None, end: datetime | None = None) -> DriftStats:
    return await read(storage, lambda uow: uow.provenance.drift_stats(
        tenant, variant_slug=variant_slug, start=start, end=end))


# --- writes ---------------------------------------------------------------------------------


async def test_write_returns_the_id_of_the_stored_row(storage: Storage) -> None:
    first = await write(storage, provenance(1, v1_cost=Decimal("100.5"),
                                            v2_cost=Decimal("98.25"), model_version="2.0.0",
                                            payload={"plan": [1, 2]}, runtime_ms=12))
    second = await write(storage, provenance(2, v2_cost=None))
    assert isinstance(first, int) and isinstance(second, int) and first != second
    by_id = {p.id: p for p in await query_all(storage)}
    assert set(by_id) == {first, second}
    row = by_id[first]
    assert (row.run_id, row.v1_cost, row.v2_cost, row.cost_delta, row.model_version,
            row.payload, row.runtime_ms, row.created_at) == (
        "run-1", Decimal("100.5"), Decimal("98.25"), Decimal("-2.25"), "2.0.0",
        {"plan": [1, 2]}, 12, T0)
    assert (by_id[second].v2_cost, by_id[second].cost_delta) == (None, None)


async def test_write_of_a_duplicate_key_conflicts(storage: Storage) -> None:
    await write(storage, provenance(1))
    with pytest.raises(Conflict):
        await write(storage, provenance(2, input_hash="hash-0001"))
    # another variant or another tenant is a different key
    await write(storage, provenance(3, input_hash="hash-0001", variant_slug="canary"))
    await write(storage, provenance(4, input_hash="hash-0001", tenant_id=OTHER_TENANT))
    assert await count(storage) == 2


async def test_write_batch_returns_the_real_ids_in_input_order(storage: Storage) -> None:
    await write(storage, provenance(0))
    batch = [provenance(n, v2_cost=Decimal(100 + n)) for n in (5, 3, 9)]
    new_ids = await write_batch(storage, *batch)
    assert len(set(new_ids)) == 3
    by_id = {p.id: p for p in await query_all(storage)}
    assert [(by_id[i].run_id, by_id[i].v2_cost) for i in new_ids] == [
        ("run-5", Decimal(105)), ("run-3", Decimal(103)), ("run-9", Decimal(109))]
    assert await write_batch(storage) == []


async def test_write_batch_with_a_stored_duplicate_writes_nothing(storage: Storage) -> None:
    await write(storage, provenance(1))
    async with storage.unit_of_work() as uow:
        await uow.provenance.write(provenance(2))
        with pytest.raises(Conflict):
            await uow.provenance.write_batch([provenance(3), provenance(1, run_id="again")])
        await uow.commit()
    assert Counter(p.run_id for p in await query_all(storage)) == Counter(["run-1", "run-2"])


async def test_write_batch_with_an_inner_duplicate_writes_nothing(storage: Storage) -> None:
    with pytest.raises(Conflict):
        await write_batch(storage, provenance(1), provenance(2), provenance(1, run_id="x"))
    assert await count(storage) == 0


async def test_write_missing_skips_stored_and_repeated_keys(storage: Storage) -> None:
    stored = await write(storage, provenance(1))
    result = await in_uow(storage, lambda uow: uow.provenance.write_missing(
        [provenance(1), provenance(2), provenance(2, run_id="repeat"), provenance(3)]))
    assert result[0] is None and result[2] is None
    assert isinstance(result[1], int) and isinstance(result[3], int)
    by_id = {p.id: p.run_id for p in await query_all(storage)}
    assert by_id == {stored: "run-1", result[1]: "run-2", result[3]: "run-3"}


async def test_input_hash_is_computed_from_the_payload(storage: Storage) -> None:
    payload = {"b": [1, 2], "a": "caf\u00e9"}
    canonical = '{"a":"caf\\u00e9","b":[1,2]}'
    expected = hashlib.sha256(canonical.encode("ascii")).hexdigest()
    await write(storage, provenance(1, input_hash=None, payload=payload))
    [row] = await query_all(storage, ProvenanceFilter(input_hash=expected))
    assert (row.input_hash, row.payload) == (expected, payload)
    with pytest.raises(Conflict):  # same payload, other key order: same hash
        await write(storage, provenance(2, input_hash=None, payload={"a": "caf\u00e9",
                                                                     "b": [1, 2]}))


# --- queries --------------------------------------------------------------------------------


#: row number -> (hour of 2026-03-10 it was created, overrides)
ROWS: dict[int, tuple[int, dict[str, Any]]] = {
    1: (1, {}),
    2: (2, {"variant_slug": "v1", "source": "backfill"}),
    3: (2, {}),
    4: (3, {"source": "canary", "variant_slug": "canary"}),
    5: (4, {"run_id": "run-shared"}),
    6: (5, {"run_id": "run-shared", "variant_slug": "v1"}),
    7: (6, {}),
}


async def seed_rows(storage: Storage) -> dict[int, int]:
    """Writes ROWS (and one row of another tenant); returns row number -> stored id."""
    numbers = list(ROWS)
    new_ids = await write_batch(storage, *[
        provenance(n, created_at=at(10, ROWS[n][0]), **ROWS[n][1]) for n in numbers])
    await write_batch(storage, provenance(1, tenant_id=OTHER_TENANT, created_at=at(10, 3)))
    return dict(zip(numbers, new_ids, strict=True))


def newest_first(row_ids: dict[int, int], numbers: Iterable[int]) -> list[int]:
    return [row_ids[n] for n in sorted(numbers, key=lambda n: (ROWS[n][0], row_ids[n]),
                                       reverse=True)]


async def test_query_pages_newest_first_without_loss_or_repeats(storage: Storage) -> None:
    row_ids = await seed_rows(storage)

    async def fetch(cursor: str | None) -> Page[Provenance]:
        return await read(storage, lambda uow: uow.provenance.query(
            TENANT, ProvenanceFilter(), limit=3, cursor=cursor))

    pages = await collect_pages(fetch)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [p.id for page in pages for p in page] == newest_first(row_ids, ROWS)


@pytest.mark.parametrize(("filters", "numbers"), [
    ({"variant_slug": "v1"}, {2, 6}),
    ({"source": "canary"}, {4}),
    ({"input_hash": "hash-0003"}, {3}),
    ({"run_id": "run-shared"}, {5, 6}),
    ({"start": at(10, 2), "end": at(10, 4)}, {2, 3, 4}),
    ({"variant_slug": "v2", "start": at(10, 2)}, {3, 5, 7}),
    ({"variant_slug": "v2", "source": "backfill"}, set()),
])
async def test_query_and_count_apply_the_filters(storage: Storage, filters: dict[str, Any],
                                                 numbers: set[int]) -> None:
    row_ids = await seed_rows(storage)
    got = await query_all(storage, ProvenanceFilter(**filters))
    assert [p.id for p in got] == newest_first(row_ids, numbers)
    assert await count(storage, ProvenanceFilter(**filters)) == len(numbers)


# --- drift statistics -----------------------------------------------------------------------


async def test_drift_stats_use_the_sample_standard_deviation(storage: Storage) -> None:
    await write_batch(storage,
                      *[provenance(n, v1_cost=Decimal(100), v2_cost=Decimal(100 + n))
                        for n in (1, 2, 3, 4)],
                      provenance(5, v2_cost=None),          # one cost missing: ignored
                      provenance(6, v1_cost=None))
    stats = await drift(storage)
    assert (stats.total, stats.avg_delta, stats.min_delta, stats.max_delta) == (
        4, 2.5, 1.0, 4.0)
    assert stats.stddev_delta == pytest.approx(SAMPLE_STDDEV_1_TO_4, abs=1e-9)
    assert nonzero(stats.verdicts) == {"MATCH": 4}


async def test_drift_stats_of_one_row_and_of_none(storage: Storage) -> None:
    empty = await drift(storage)
    assert (empty.total, empty.avg_delta, empty.min_delta, empty.max_delta,
            empty.stddev_delta, nonzero(empty.verdicts)) == (0, 0.0, 0.0, 0.0, 0.0, {})
    await write(storage, provenance(1, v1_cost=Decimal(10), v2_cost=Decimal("7.5")))
    one = await drift(storage)
    assert (one.total, one.avg_delta, one.min_delta, one.max_delta, one.stddev_delta) == (
        1, -2.5, -2.5, -2.5, 0.0)


async def test_drift_stats_verdict_distribution(storage: Storage) -> None:
    await write_batch(storage,
                      provenance(1, v1_cost=Decimal(100), v2_cost=Decimal(100)),  # MATCH
                      provenance(2, v1_cost=Decimal(100), v2_cost=Decimal(95)),   # MATCH
                      provenance(3, v1_cost=Decimal(100), v2_cost=Decimal(110)),  # MINOR
                      provenance(4, v1_cost=Decimal(100), v2_cost=Decimal(140)),  # MAJOR
                      provenance(5, v1_cost=Decimal(100), v2_cost=Decimal(200)),  # MISMATCH
                      provenance(6, v1_cost=Decimal(100), v2_cost=Decimal(10)))   # MISMATCH
    stats = await drift(storage)
    assert nonzero(stats.verdicts) == {"MATCH": 2, "MINOR_DRIFT": 1, "MAJOR_DRIFT": 1,
                                       "MISMATCH": 2}
    assert (stats.total, stats.min_delta, stats.max_delta) == (6, -90.0, 100.0)


async def test_drift_stats_scoped_by_tenant_variant_and_window(storage: Storage) -> None:
    await write_batch(
        storage,
        provenance(1, v2_cost=Decimal(102), created_at=at(10, 1)),
        provenance(2, v2_cost=Decimal(104), created_at=at(10, 2)),
        provenance(3, v2_cost=Decimal(110), created_at=at(10, 3), variant_slug="canary"),
        provenance(4, v2_cost=Decimal(90), created_at=at(10, 4)),
        provenance(5, v2_cost=Decimal(500), tenant_id=OTHER_TENANT, created_at=at(10, 2)),
    )
    everything = await drift(storage)
    assert (everything.total, everything.max_delta, everything.min_delta) == (4, 10.0, -10.0)
    v2 = await drift(storage, variant_slug="v2")
    assert v2.total == 3
    assert v2.avg_delta == pytest.approx(-4 / 3, abs=1e-9)
    windowed = await drift(storage, start=at(10, 2), end=at(10, 4))
    assert (windowed.total, windowed.avg_delta, windowed.min_delta, windowed.max_delta) == (
        2, 7.0, 4.0, 10.0)
    assert windowed.stddev_delta == pytest.approx(18 ** 0.5, abs=1e-9)
    theirs = await drift(storage, OTHER_TENANT)
    assert (theirs.total, theirs.avg_delta) == (1, 400.0)


async def test_is_duplicate_is_scoped_by_tenant_and_variant(storage: Storage) -> None:
    await write(storage, provenance(1, variant_slug="v1"))

    async def dup(tenant: str, input_hash: str, variant: str | None = None) -> bool:
        return await read(storage, lambda uow: uow.provenance.is_duplicate(
            tenant, input_hash, variant))

    assert await dup(TENANT, "hash-0001") is True
    assert await dup(TENANT, "hash-0001", "v1") is True
    assert await dup(TENANT, "hash-0001", "v2") is False
    assert await dup(TENANT, "hash-0002") is False
    assert await dup(OTHER_TENANT, "hash-0001") is False
