"""Prices: cost records say how their cost was obtained; the price book's overrides.

Revision ID: 0004
Revises: 0003 (the integrator rechains it)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import PortableJson, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: plain ALTERs on Postgres, a table copy on SQLite (for the CHECK).
    with op.batch_alter_table("cost_records") as batch:
        batch.add_column(sa.Column("provider", sa.String(64)))
        for name in ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
            batch.add_column(sa.Column(name, sa.Integer, nullable=False,
                                       server_default=sa.text("0")))
        batch.add_column(sa.Column("cost_source", sa.String(16), nullable=False,
                                   server_default=sa.text("'reported'")))
        batch.add_column(sa.Column("price_id", sa.String(128)))
        batch.create_check_constraint(
            op.f("ck_cost_records_cost_source"),
            "cost_source IN ('reported', 'priced', 'unpriced')")
    op.create_index("ix_cost_records_unpriced", "cost_records", ["tenant_id", "created_at"],
                    postgresql_where=sa.text("cost_source = 'unpriced'"),
                    sqlite_where=sa.text("cost_source = 'unpriced'"))
    op.create_table(
        "model_prices",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=sa.text("''")),
        sa.Column("provider", sa.String(64), nullable=False, server_default=sa.text("''")),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("effective_from", UtcDateTime, nullable=False),
        sa.Column("rates", PortableJson, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_prices"),
        sa.UniqueConstraint("tenant_id", "provider", "model", "effective_from",
                            name="uq_model_prices_scope_model_from"),
    )
    op.create_index("ix_model_prices_model", "model_prices", ["model"])


def downgrade() -> None:
    op.drop_index("ix_model_prices_model", table_name="model_prices")
    op.drop_table("model_prices")
    op.drop_index("ix_cost_records_unpriced", table_name="cost_records")
    with op.batch_alter_table("cost_records") as batch:
        batch.drop_constraint("ck_cost_records_cost_source", type_="check")
        for name in ("price_id", "cost_source", "reasoning_tokens", "cache_write_tokens",
                     "cache_read_tokens", "provider"):
            batch.drop_column(name)
