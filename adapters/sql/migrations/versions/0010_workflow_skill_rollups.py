"""Workflow and skill rollups: per tenant, day and workflow (or skill), kept at write time.

Revision ID: 0010
Revises: 0009

Breakdowns and dimension values of workflows and skills aggregated every raw row of their
window. Both grains are shaped like the user-day grain (retried and unpriced calls are sums,
not keys) and are filled here from the records already stored, as 0005 filled its grains;
rollups older than every raw record (history kept after ``costsight retention``) cannot be
reproduced for them, so those days read as no workflow and no skill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens", "retry_calls",
         "unpriced_calls", "unpriced_tokens")
_GRAINS = {"cost_rollup_workflow_daily": "workflow_id", "cost_rollup_skill_daily": "skill_id"}


def upgrade() -> None:
    for name, key in _GRAINS.items():
        op.create_table(
            name,
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("bucket", UtcDateTime, nullable=False),
            sa.Column(key, sa.String(64), nullable=False),
            *(sa.Column(s, sa.BigInteger, nullable=False) for s in _SUMS),
            sa.PrimaryKeyConstraint("tenant_id", "bucket", key, name=f"pk_{name}"),
        )
    _backfill()


def _backfill() -> None:
    """Roll up the records already stored into this revision's grains (the writers' sums)."""
    from costsight.adapters.sql.dialects import dialect_for
    from costsight.adapters.sql.rollup_writes import GRAINS, aggregate, source_columns
    from costsight.adapters.sql.tables import cost_records

    dialect = dialect_for(op.get_bind().dialect.name)
    src = sa.select(*source_columns(cost_records)).subquery("src")
    for grain in (g for g in GRAINS if g.name in _GRAINS):
        rows = aggregate(dialect, grain, src).order_by(None)
        op.execute(sa.insert(grain.table).from_select([*grain.key_columns, *grain.sums], rows))


def downgrade() -> None:
    for name in _GRAINS:
        op.drop_table(name)
