"""Run rollups: per tenant, day and worker run, kept at write time; the partial worker index
goes.

Revision ID: 0014
Revises: 0013

Worker breakdowns, top N, filters and the tenant's worker drivers aggregated every raw row of
their windows (the drivers: every row with a run, through the partial index
``ix_cost_records_tenant_worker_created``). This grain keeps each run's sums per day (shaped
like the workflow grain), so a worker read sums one row per run and day and looks the runs'
workers up in ``worker_runs`` (a run may be recorded after its calls). It is filled here from
the records already stored, as 0010 filled its grains; like every rollup table it keeps room
on its pages for updated rows on Postgres (0011) and is one b-tree on SQLite (0013).

With the drivers on this grain no statement selects the rows that have a run any more (their
raw edges read every row of the partial days), so no plan can use the partial index: it is
dropped on both dialects, as 0012 dropped the other unused one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens", "retry_calls",
         "unpriced_calls", "unpriced_tokens")
_NAME = "cost_rollup_run_daily"
_INDEX = "ix_cost_records_tenant_worker_created"
FILLFACTOR = 70


def upgrade() -> None:
    op.create_table(
        _NAME,
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("bucket", UtcDateTime, nullable=False),
        sa.Column("worker_run_id", sa.String(64), nullable=False),
        *(sa.Column(s, sa.BigInteger, nullable=False) for s in _SUMS),
        sa.PrimaryKeyConstraint("tenant_id", "bucket", "worker_run_id", name=f"pk_{_NAME}"),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {_NAME} SET (fillfactor = {FILLFACTOR})")
    _backfill()
    op.drop_index(_INDEX, table_name="cost_records")


def _backfill() -> None:
    """Roll up the records already stored into the run grain (the writers' sums)."""
    from costsight.adapters.sql.dialects import dialect_for
    from costsight.adapters.sql.rollup_writes import RUN_DAILY, aggregate, source_columns
    from costsight.adapters.sql.tables import cost_records

    dialect = dialect_for(op.get_bind().dialect.name)
    src = sa.select(*source_columns(cost_records)).subquery("src")
    rows = aggregate(dialect, RUN_DAILY, src).order_by(None)
    op.execute(sa.insert(RUN_DAILY.table).from_select(
        [*RUN_DAILY.key_columns, *RUN_DAILY.sums], rows))


def downgrade() -> None:
    where = sa.text("worker_run_id IS NOT NULL")
    op.create_index(_INDEX, "cost_records", ["tenant_id", "created_at"],
                    postgresql_where=where, sqlite_where=where)
    op.drop_table(_NAME)
