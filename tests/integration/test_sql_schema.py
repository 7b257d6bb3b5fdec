"""Migrations build exactly tables.py on both dialects; open() refuses stale or foreign schemas."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from costsight.adapters.sql.engine import create_engine
from costsight.adapters.sql.migrate import HEAD_REVISION, current_revision, upgrade
from costsight.adapters.sql.partitions import is_partition
from costsight.adapters.sql.rollup_tables import ROLLUP_TABLES
from costsight.adapters.sql.schema_check import head_revision
from costsight.adapters.sql.storage import SqlStorage, truncate_all
from costsight.adapters.sql.tables import ALL_TABLES, metadata
from costsight.core.errors import SchemaOutOfDate
from costsight.testing.contract.builders import cost as cost_record
from tests.backends import _admin_execute, _pg_url_for


def _not_a_partition(name, type_, parent_names) -> bool:
    # The monthly and default partitions of cost_records (Postgres) are created at run time
    # by partitions.ensure_partitions; tables.py names only their parent.
    return not (type_ == "table" and is_partition(name))


def _diff(connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _not_a_partition})
    return compare_metadata(context, metadata)


async def test_migration_builds_the_schema_of_tables_py(sql_url: str) -> None:
    engine = create_engine(sql_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert diff == []
    assert {t.name for t in ALL_TABLES} <= names


async def test_current_revision_is_head(sql_url: str) -> None:
    assert await current_revision(sql_url) == HEAD_REVISION


async def test_upgrade_twice_is_a_no_op(sql_url: str) -> None:
    await upgrade(sql_url)
    assert await current_revision(sql_url) == HEAD_REVISION


async def _execute(url: str, sql: str, params: dict[str, str] | None = None) -> None:
    """One statement in its own transaction, on an engine of its own (no storage opened)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params or {})
    finally:
        await engine.dispose()


async def _set_revision(url: str, revision: str) -> None:
    await _execute(url, "UPDATE alembic_version SET version_num = :r", {"r": revision})


async def test_stale_schema_is_refused_with_the_upgrade_command(sql_url: str) -> None:
    # With one revision shipped there is no older known one yet: an unknown id stands in.
    await _set_revision(sql_url, "0000_old")
    try:
        with pytest.raises(SchemaOutOfDate, match="costsight migrate") as info:
            await SqlStorage.open(sql_url)
        assert "0000_old" in str(info.value)
    finally:
        await _set_revision(sql_url, HEAD_REVISION)


@pytest.mark.sqlite
async def test_empty_sqlite_file_is_migrated_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            result = await uow.costs.record_costs([cost_record(request_id="r1")])
            await uow.commit()
        assert result.inserted == 1
    finally:
        await storage.aclose()
    assert await current_revision(url) == HEAD_REVISION


@pytest.mark.sqlite
async def test_empty_sqlite_without_create_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(SchemaOutOfDate, match="costsight migrate"):
        await SqlStorage.open(url, create_schema=False)
    assert await current_revision(url) is None


@pytest.mark.sqlite
async def test_foreign_tables_without_version_are_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    await _execute(url, "CREATE TABLE something_else (x INTEGER)")
    with pytest.raises(SchemaOutOfDate, match="no costsight schema version"):
        await SqlStorage.open(url)


@pytest.mark.postgres
async def test_empty_postgres_database_is_refused_not_migrated(postgres_database: str) -> None:
    name = f"costsight_empty_{uuid.uuid4().hex[:10]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    url = _pg_url_for(name)
    try:
        with pytest.raises(SchemaOutOfDate, match="costsight migrate"):
            await SqlStorage.open(url)
        assert await current_revision(url) is None
        await upgrade(url)
        storage = await SqlStorage.open(url)
        await storage.aclose()
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_truncate_all_empties_every_table(sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        async with storage.unit_of_work() as uow:
            await uow.costs.record_costs([cost_record(request_id="r1")])
            await uow.commit()
        await truncate_all(sql_url)
        async with storage.unit_of_work() as uow:
            for table in ALL_TABLES:
                count = (await uow.connection.execute(
                    text(f"SELECT count(*) FROM {table.name}"))).scalar_one()
                assert count == 0, table.name
    finally:
        await storage.aclose()


def test_the_schema_check_reads_the_head_alembic_finds() -> None:
    # schema_check reads the head from the scripts' text; None would still be correct (Alembic
    # decides every open) but slow, so the shipped scripts must be read as Alembic reads them.
    assert head_revision() == HEAD_REVISION


async def test_several_version_rows_are_not_taken_for_head(sql_url: str) -> None:
    # The check without Alembic accepts exactly one row equal to the head; anything else is
    # Alembic's to judge (here: more than one head, which it refuses as before).
    await _execute(sql_url, "INSERT INTO alembic_version (version_num) VALUES ('0001')")
    try:
        with pytest.raises(Exception, match="more than one head"):
            await SqlStorage.open(sql_url)
    finally:
        await _execute(sql_url, "DELETE FROM alembic_version WHERE version_num = '0001'")
    storage = await SqlStorage.open(sql_url)  # at head again
    await storage.aclose()


async def test_unknown_newer_revision_is_refused_as_such(sql_url: str) -> None:
    await _set_revision(sql_url, "9999_from_the_future")
    try:
        with pytest.raises(SchemaOutOfDate, match="newer version"):
            await SqlStorage.open(sql_url)
    finally:
        await _set_revision(sql_url, HEAD_REVISION)


async def test_known_older_revision_is_refused_with_the_upgrade_command(sql_url: str) -> None:
    # The first revision is older than any head with a later migration (0002, 0003, ...).
    assert HEAD_REVISION != "0001"
    await _set_revision(sql_url, "0001")
    try:
        with pytest.raises(SchemaOutOfDate, match=rf"'0001', this code needs '{HEAD_REVISION}'; "
                                                  r"run `costsight migrate`"):
            await SqlStorage.open(sql_url)
    finally:
        await _set_revision(sql_url, HEAD_REVISION)


@pytest.mark.postgres
async def test_every_rollup_table_keeps_room_for_heap_only_updates(postgres_url: str) -> None:
    # A grain added without the fillfactor of migration 0011 would update out of place.
    storage = await SqlStorage.open(postgres_url)
    try:
        async with storage.engine.connect() as conn:
            options = {r[0]: r[1] for r in await conn.execute(text(
                "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
                {"names": [t.name for t in ROLLUP_TABLES]})}
    finally:
        await storage.aclose()
    assert options == {t.name: ["fillfactor=70"] for t in ROLLUP_TABLES}


@pytest.mark.sqlite
async def test_sqlite_rollups_and_claims_are_clustered_by_their_key(sqlite_url: str) -> None:
    # Migration 0013: one b-tree per table (WITHOUT ROWID), as tables.py declares them; a
    # grain added without it would write two pages per upserted key.
    names = [t.name for t in ROLLUP_TABLES] + ["cost_request_ids"]
    storage = await SqlStorage.open(sqlite_url)
    try:
        async with storage.engine.connect() as conn:
            ddl = {r[0]: r[1] for r in await conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))}
    finally:
        await storage.aclose()
    assert {n: ddl[n].rstrip().endswith("WITHOUT ROWID") for n in names} == dict.fromkeys(
        names, True)
    assert not any(n.startswith("_rebuild_") for n in ddl)
    assert all(metadata.tables[n].dialect_options["sqlite"]["with_rowid"] is False
               for n in names)
