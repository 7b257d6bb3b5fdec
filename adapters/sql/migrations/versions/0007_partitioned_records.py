"""Partitioned raw records: cost_records by month of created_at (Postgres), request-id claims.

Revision ID: 0007
Revises: 0006

Postgres: ``cost_records`` becomes ``PARTITION BY RANGE (created_at)`` with one partition per
month holding data, the current month and 3 months ahead, and a DEFAULT partition
(``costsight.adapters.sql.partitions``); its rows are copied. A primary key or unique index of a
partitioned table must contain the partition key: the primary key becomes (id, created_at)
(on SQLite too, so that tables.py describes both), and the partial unique index on
(tenant_id, request_id) is replaced on both dialects by the narrow table ``cost_request_ids``,
filled here from the stored records, which every writer claims before inserting.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NOT_NULL_REQUEST = sa.text("request_id IS NOT NULL")
UNPRICED = sa.text("cost_source = 'unpriced'")
#: The secondary indexes of cost_records (name, columns, partial condition).
INDEXES: tuple[tuple[str, list[str], sa.TextClause | None], ...] = (
    ("ix_cost_records_tenant_created", ["tenant_id", "created_at"], None),
    ("ix_cost_records_tenant_feature", ["tenant_id", "feature_tag"], None),
    ("ix_cost_records_tenant_user", ["tenant_id", "user_id"], None),
    ("ix_cost_records_worker_run", ["worker_run_id"], None),
    ("ix_cost_records_unpriced", ["tenant_id", "created_at"], UNPRICED),
)
OLD_UNIQUE = "uq_cost_records_tenant_request"
CLAIMS = "cost_request_ids"


def _create_indexes(table: str) -> None:
    for name, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)


def _drop_indexes(table: str, *, with_unique: bool) -> None:
    for name, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
    if with_unique:
        op.drop_index(OLD_UNIQUE, table_name=table)


def _create_claims() -> None:
    op.create_table(
        CLAIMS,
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "request_id", name=f"pk_{CLAIMS}"),
    )
    op.execute(f"INSERT INTO {CLAIMS} (tenant_id, request_id) SELECT DISTINCT tenant_id, "
               f"request_id FROM cost_records WHERE request_id IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        with op.batch_alter_table("cost_records", recreate="always") as batch:
            batch.drop_index(OLD_UNIQUE)
            batch.drop_constraint("pk_cost_records", type_="primary")
            batch.create_primary_key("pk_cost_records", ["id", "created_at"])
    _create_claims()


def _upgrade_postgres() -> None:
    from costsight.adapters.sql.partitions import (
        MONTHS_AHEAD,
        add_months,
        ensure_partitions_sync,
        month_of,
    )

    bind = op.get_bind()
    op.rename_table("cost_records", "cost_records_flat")
    # Index and constraint names are per schema: free them for the new table.
    _drop_indexes("cost_records_flat", with_unique=True)
    op.drop_constraint("pk_cost_records", "cost_records_flat", type_="primary")
    op.execute("CREATE TABLE cost_records (LIKE cost_records_flat INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at)")
    now = datetime.now(UTC)
    last = add_months(month_of(now), MONTHS_AHEAD)
    stored = bind.execute(sa.text(
        "SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC') "
        "FROM cost_records_flat")).scalars()
    # Months beyond the ones kept ahead stay in DEFAULT (outliers), like new writes would.
    months = {m for m in (month_of(s) for s in stored) if m <= last}
    ensure_partitions_sync(bind, MONTHS_AHEAD, now=now, months=months)
    op.execute("INSERT INTO cost_records SELECT * FROM cost_records_flat")
    op.create_primary_key("pk_cost_records", "cost_records", ["id", "created_at"])
    _create_indexes("cost_records")
    op.drop_table("cost_records_flat")


def downgrade() -> None:
    op.drop_table(CLAIMS)
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgres()
        return
    with op.batch_alter_table("cost_records", recreate="always") as batch:
        batch.drop_constraint("pk_cost_records", type_="primary")
        batch.create_primary_key("pk_cost_records", ["id"])
        batch.create_index(OLD_UNIQUE, ["tenant_id", "request_id"], unique=True,
                           sqlite_where=NOT_NULL_REQUEST)


def _downgrade_postgres() -> None:
    op.execute("CREATE TABLE cost_records_flat (LIKE cost_records INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS)")
    op.execute("INSERT INTO cost_records_flat SELECT * FROM cost_records")
    op.drop_table("cost_records")  # and its partitions
    op.rename_table("cost_records_flat", "cost_records")
    op.create_primary_key("pk_cost_records", "cost_records", ["id"])
    _create_indexes("cost_records")
    op.create_index(OLD_UNIQUE, "cost_records", ["tenant_id", "request_id"], unique=True,
                    postgresql_where=NOT_NULL_REQUEST)
