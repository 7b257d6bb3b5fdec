"""``costsight migrate`` is idempotent; a stale schema is refused with the upgrade command."""

from __future__ import annotations

import sqlite3

from tests.cli.conftest import run_subprocess


def test_migrate_is_idempotent(cli) -> None:
    first = cli("migrate", "--json")
    assert first.code == 0 and first.json()["before"] is None
    head = first.json()["after"]
    second = cli("migrate", "--json")
    assert second.code == 0
    assert second.json() | {"database": None} == {"database": None, "before": head,
                                                  "after": head, "changed": False,
                                                  "read_role": None}
    assert "already at revision" in cli("migrate").out


def test_embedded_database_gets_its_schema_on_first_use(cli) -> None:
    result = cli("detect", "--json")
    assert result.code == 0
    assert result.json() == {"anomalies": [], "predictions": [], "patterns": [],
                             "forecasts": [], "engine_errors": [], "plugin_errors": []}


def test_stale_schema_is_refused_with_the_upgrade_command(cli, db_url: str) -> None:
    assert cli("migrate").code == 0
    path = db_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0000_older'")
    result = run_subprocess(["detect"], db_url)
    assert result.code == 2
    assert "costsight migrate" in result.err
    assert "Traceback" not in result.err
    ingest = run_subprocess(["worker", "--once"], db_url)
    assert ingest.code == 2 and "costsight migrate" in ingest.err


def test_unsupported_url_is_a_clear_error(cli, monkeypatch) -> None:
    monkeypatch.setenv("COSTSIGHT_DATABASE_URL", "mysql://nope")
    result = cli("migrate")
    assert result.code == 2
    assert "unsupported database URL" in result.err and "allowed" in result.err


def test_bad_as_of_names_the_option(cli) -> None:
    result = cli("detect", "--as-of", "2026-01-05T10:00:00")
    assert result.code == 2 and "--as-of" in result.err and "offset" in result.err


def test_serve_without_scope_is_a_clear_error(cli) -> None:
    result = cli("serve")
    assert result.code == 2 and "--all-tenants" in result.err
