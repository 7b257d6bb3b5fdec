"""Forecasts: each tenant's latest forecast snapshot (series, days, budget projections).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BOUNDS = ("point_micros", "low80_micros", "high80_micros", "low95_micros", "high95_micros")


def upgrade() -> None:
    op.create_table(
        "forecast_snapshots",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("generated_at", UtcDateTime, nullable=False),
        sa.Column("start_day", sa.Date, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_forecast_snapshots"),
    )
    op.create_table(
        "forecast_series",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("forecaster", sa.String(64), nullable=False),
        sa.Column("history_days", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "subject_type", "subject_id",
                                name="pk_forecast_series"),
    )
    op.create_table(
        "forecast_days",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _BOUNDS),
        sa.PrimaryKeyConstraint("tenant_id", "subject_type", "subject_id", "day",
                                name="pk_forecast_days"),
    )
    op.create_table(
        "budget_projections",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("budget_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("budget_type", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False, server_default=sa.text("''")),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("limit_micros", sa.BigInteger, nullable=False),
        sa.Column("spent_micros", sa.BigInteger, nullable=False),
        sa.Column("projected_micros", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _BOUNDS[1:]),
        sa.Column("probability_exceed", sa.Float, nullable=False),
        sa.Column("breach_date", sa.Date),
        sa.Column("breach_date_p80", sa.Date),
        sa.Column("method", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "budget_id", "period",
                                name="pk_budget_projections"),
    )


def downgrade() -> None:
    op.drop_table("budget_projections")
    op.drop_table("forecast_days")
    op.drop_table("forecast_series")
    op.drop_table("forecast_snapshots")
