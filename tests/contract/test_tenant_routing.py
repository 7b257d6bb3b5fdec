"""The tenant-routing checker the contract suite runs on every statement (conftest.py) refuses
what would not route to one shard, accepts what would, and knows every tenant table."""

from __future__ import annotations

import pytest

from costsight.adapters.sql.tables import metadata
from tests.contract.tenant_routing import (
    CROSS_TENANT,
    KNOWN_GAPS,
    REFERENCE_TABLES,
    TENANT_TABLES,
    routing_problem,
)


def test_every_table_with_a_tenant_id_column_is_a_tenant_or_reference_table() -> None:
    expected = {t.name for t in metadata.tables.values() if "tenant_id" in t.c}
    assert TENANT_TABLES == expected - set(REFERENCE_TABLES)
    assert set(REFERENCE_TABLES) <= expected  # a stale name would exempt nothing
    assert {"cost_records", "worker_runs", "notifications"} <= TENANT_TABLES
    assert "leader_leases" not in TENANT_TABLES


ROUTED = [
    "SELECT sum(cost_micros) FROM cost_records WHERE cost_records.tenant_id = $1 "
    "AND created_at >= $2",
    "SELECT * FROM cost_records WHERE tenant_id = ?",
    "SELECT c.id FROM cost_records AS c JOIN worker_runs AS w ON w.tenant_id = c.tenant_id "
    "AND w.id = c.worker_run_id WHERE c.tenant_id = $1",
    "SELECT * FROM cost_anomalies WHERE cost_anomalies.tenant_id IN ($1::VARCHAR, $2::VARCHAR)",
    "UPDATE feature_tags SET is_active = ? WHERE feature_tags.tenant_id = ? AND tag = ?",
    "DELETE FROM cost_budgets WHERE tenant_id = $1 AND id = $2",
    "INSERT INTO cost_records (id, tenant_id, model) VALUES ($1, $2, $3)",
    "SELECT x FROM (SELECT tenant_id AS x FROM worker_runs WHERE worker_runs.tenant_id = ?) AS s",
    "SELECT * FROM leader_leases WHERE lock_id = 1",
    "PRAGMA foreign_keys=ON",
]


@pytest.mark.parametrize("sql", ROUTED)
def test_statements_pinned_to_one_tenant_pass(sql: str) -> None:
    # asyncpg's numbered parameters ($1) are Postgres syntax; ? is SQLite's.
    assert routing_problem(sql, "postgresql" if "$" in sql else "sqlite") is None


NOT_ROUTED = [
    "SELECT * FROM cost_records",
    "SELECT * FROM cost_records WHERE created_at >= ?",
    "SELECT * FROM cost_records WHERE tenant_id = ? OR user_id = ?",   # OR pins nothing
    "SELECT * FROM cost_records WHERE tenant_id <> ?",
    "SELECT c.id FROM cost_records AS c JOIN worker_runs AS w ON w.id = c.worker_run_id "
    "WHERE c.tenant_id = ?",                                             # w is not pinned
    "SELECT * FROM cost_records WHERE tenant_id = user_id",
    "UPDATE feature_tags SET is_active = ? WHERE tag = ?",
    "DELETE FROM notifications WHERE status = ?",
    "INSERT INTO cost_records (id, model) VALUES (?, ?)",
    "SELECT * FROM cost_records WHERE id IN (SELECT id FROM cost_records WHERE tenant_id = ?)",
]


@pytest.mark.parametrize("sql", NOT_ROUTED)
def test_statements_that_span_tenants_are_refused(sql: str) -> None:
    assert routing_problem(sql, "sqlite") is not None


def test_the_allow_lists_are_short_and_explained() -> None:
    assert len(CROSS_TENANT) + len(KNOWN_GAPS) <= 6
    for allowed in CROSS_TENANT + KNOWN_GAPS:
        assert allowed.name and len(allowed.why) > 40
    known = ("SELECT cost_records.tenant_id FROM cost_records UNION SELECT worker_runs.tenant_id "
             "FROM worker_runs")
    assert routing_problem(known, "sqlite") is None
    # ... but an allow-list pattern does not open a door to the same table read another way.
    assert routing_problem("SELECT worker_runs.tenant_id FROM worker_runs", "sqlite") is not None
    assert routing_problem("UPDATE cost_anomalies SET status = ? WHERE cost_anomalies.id = ? "
                           "OR 1 = 1", "sqlite") is not None
