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
_MODEL_KEY = (("model", sa.String(64)), ("feature_tag", sa.String(128)),
              ("is_retry", sa.Boolean()), ("cost_source", sa.String(16)))
_GRAINS = {
    "cost_rollup_hourly": (_MODEL_KEY, _SUMS),
    "cost_rollup_daily": (_MODEL_KEY, _SUMS),
    "cost_rollup_user_daily": ((("user_id", sa.String(64)),),
                               _SUMS + ("retry_calls", "unpriced_calls", "unpriced_tokens")),
}


def upgrade() -> None:
    for name, (keys, sums) in _GRAINS.items():
        op.create_table(
            name,
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("bucket", UtcDateTime, nullable=False),
            *(sa.Column(key, type_, nullable=False) for key, type_ in keys),
            *(sa.Column(s, sa.BigInteger, nullable=False) for s in sums),
            sa.PrimaryKeyConstraint("tenant_id", "bucket", *(key for key, _ in keys),
                                    name=f"pk_{name}"),
        )
    _backfill()


def _backfill() -> None:
    """Roll up the records already stored (the same sums the writers keep) into this
    revision's grains (later revisions add grains of their own)."""
    from costsight.adapters.sql.dialects import dialect_for
    from costsight.adapters.sql.rollup_writes import GRAINS, aggregate, source_columns
    from costsight.adapters.sql.tables import cost_records

    bind = op.get_bind()
    dialect = dialect_for(bind.dialect.name)
    src = sa.select(*source_columns(cost_records)).subquery("src")
    for grain in (g for g in GRAINS if g.name in _GRAINS):
        rows = aggregate(dialect, grain, src).order_by(None)
        op.execute(sa.insert(grain.table).from_select([*grain.key_columns, *grain.sums], rows))


def downgrade() -> None:
    for name in reversed(list(_GRAINS)):
        op.drop_table(name)
