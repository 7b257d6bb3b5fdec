"""SQLite: the rollup tables and cost_request_ids become WITHOUT ROWID tables.

Revision ID: 0013
Revises: 0012

A rowid table with a composite primary key is two b-trees: the rows by rowid and the key's
index. Every rollup upsert searched the index, then read and rewrote the row's page in the
table: two pages per key. Clustered by their primary key the tables are one b-tree each.
Measured on a 200k-row benchmark database (BENCHMARKS.md, "Issue 11, fifth session"): pages
written per 5,000-record batch 13,268 -> 12,073. Each table is rebuilt (renamed, created
WITHOUT ROWID as tables.py declares it, copied, the old one dropped) in the migration's
transaction. Postgres has no rowid: nothing to do there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateTable

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("cost_rollup_hourly", "cost_rollup_daily", "cost_rollup_user_daily",
          "cost_rollup_user_monthly", "cost_rollup_workflow_daily", "cost_rollup_skill_daily",
          "cost_request_ids")


def _rebuild(with_rowid: bool) -> None:
    from costsight.adapters.sql.tables import metadata

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in TABLES:  # fixed names only
        table = metadata.tables[name]
        ddl = str(CreateTable(table).compile(dialect=bind.dialect)).rstrip()
        if with_rowid:  # the downgrade: the same table as a rowid table
            ddl = ddl.removesuffix("WITHOUT ROWID").rstrip()
        columns = ", ".join(c.name for c in table.c)
        op.execute(f"ALTER TABLE {name} RENAME TO _rebuild_{name}")
        op.execute(sa.text(ddl))
        op.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM _rebuild_{name}")
        op.execute(f"DROP TABLE _rebuild_{name}")


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
