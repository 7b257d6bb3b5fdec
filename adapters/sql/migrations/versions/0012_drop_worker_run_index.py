"""Drop ix_cost_records_worker_run: no query plan uses it, on either dialect.

Revision ID: 0012
Revises: 0011

Measured (BENCHMARKS.md, "Issue 11, fifth session: SQLite raw indexes"): every statement the
contract, integration, service and plugin suites issue on cost_records, planned against 200k
benchmark rows (also with 30 % of them carrying a worker run): EXPLAIN QUERY PLAN on SQLite
(with and without ANALYZE), EXPLAIN on Postgres for the largest and the smallest tenant. No
costsight statement searches cost_records by worker_run_id: the worker breakdown and the worker
filter look the run up from the record (LEFT JOIN worker_runs / a correlated subquery on
worker_runs' primary key), and the tenant's worker drivers read the partial index
ix_cost_records_tenant_worker_created. Only the tests' bare ``count(*)`` scanned it (the
smallest index). Every other index of cost_records is used by a measured plan and stays.
On Postgres dropping the index of the partitioned table drops it on every partition.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEX = "ix_cost_records_worker_run"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="cost_records")


def downgrade() -> None:
    op.create_index(INDEX, "cost_records", ["worker_run_id"])
