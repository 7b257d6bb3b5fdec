"""Rollups: hourly and daily sums of cost records per tenant and key, kept at write time.

Revision ID: 0005
Revises: 0004

Existing records are rolled up here (one INSERT ... SELECT per grain), so a database migrated
from the old schema answers from rollups at once; ``costsight rollups rebuild`` does the same
for recovery and ``costsight rollups verify`` compares rollups with the raw rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens")
_GRAINS = {
    "cost_rollup_hourly": (("model", 64), ("feature_tag", 128)),
    "cost_rollup_daily": (("model", 64), ("feature_tag", 128)),
    "cost_rollup_user_daily": (("user_id", 64),),
}


def upgrade() -> None:
    for name, dims in _GRAINS.items():
        op.create_table(
            name,
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("bucket", UtcDateTime, nullable=False),
            *(sa.Column(dim, sa.String(length), nullable=False) for dim, length in dims),
            sa.Column("is_retry", sa.Boolean, nullable=False),
            sa.Column("cost_source", sa.String(16), nullable=False),
            *(sa.Column(s, sa.BigInteger, nullable=False) for s in _SUMS),
            sa.PrimaryKeyConstraint("tenant_id", "bucket", *(d for d, _ in dims), "is_retry",
                                    "cost_source", name=f"pk_{name}"),
        )
    _backfill()


def _backfill() -> None:
    """Roll up the records already stored (the same sums the writers keep)."""
    from costsight.adapters.sql.dialects import dialect_for
    from costsight.adapters.sql.rollup_writes import GRAINS, aggregate
    from costsight.adapters.sql.tables import cost_records

    bind = op.get_bind()
    dialect = dialect_for(bind.dialect.name)
    src = sa.select(cost_records).subquery("src")
    for grain in GRAINS:
        rows = aggregate(dialect, grain, src).order_by(None)
        op.execute(sa.insert(grain.table).from_select([*grain.key_columns, *_SUMS], rows))


def downgrade() -> None:
    for name in reversed(list(_GRAINS)):
        op.drop_table(name)
