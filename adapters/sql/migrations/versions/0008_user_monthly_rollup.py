"""User-month rollup: the user-day sums per calendar month, for the whole months of a window.

Revision ID: 0008
Revises: 0007

Filled here from ``cost_rollup_user_daily`` (which holds every user-day, including history whose
raw rows retention removed), so the two grains agree from the start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens", "retry_calls",
         "unpriced_calls", "unpriced_tokens")
_MONTH = {"postgresql": "date_trunc('month', bucket)",
          "sqlite": "strftime('%Y-%m-01 00:00:00.000000', bucket)"}


def upgrade() -> None:
    op.create_table(
        "cost_rollup_user_monthly",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("bucket", UtcDateTime, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        *(sa.Column(s, sa.BigInteger, nullable=False) for s in _SUMS),
        sa.PrimaryKeyConstraint("tenant_id", "bucket", "user_id",
                                name="pk_cost_rollup_user_monthly"),
    )
    month = _MONTH[op.get_bind().dialect.name]
    sums = ", ".join(_SUMS)
    summed = ", ".join(f"sum({s})" for s in _SUMS)
    # Fixed names only: no value of the database reaches the text.
    op.execute(f"INSERT INTO cost_rollup_user_monthly (tenant_id, bucket, user_id, {sums}) "
               f"SELECT tenant_id, {month}, user_id, {summed} FROM cost_rollup_user_daily "
               f"GROUP BY tenant_id, {month}, user_id")


def downgrade() -> None:
    op.drop_table("cost_rollup_user_monthly")
