"""Alerts: per-tenant alert routes and the notification outbox.

Revision ID: 0003
Revises: 0001 (the integrator rechains it after 0002)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import PortableJson, UtcDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_routes",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("anomaly_types", PortableJson),
        sa.Column("prediction_types", PortableJson),
        sa.Column("pattern_types", PortableJson),
        sa.Column("min_severity", sa.String(16), nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_alert_routes"),
        sa.CheckConstraint("destination IN ('webhook', 'slack')",
                           name=op.f("ck_alert_routes_destination")),
        sa.CheckConstraint("min_severity IN ('low', 'medium', 'high')",
                           name=op.f("ck_alert_routes_min_severity")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("route_name", sa.String(64), nullable=False),
        sa.Column("finding_kind", sa.String(16), nullable=False),
        sa.Column("finding_id", sa.String(64), nullable=False),
        sa.Column("severity_rank", sa.Integer, nullable=False),
        sa.Column("finding", PortableJson, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("claim_token", sa.String(64)),
        sa.Column("claimed_until", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("tenant_id", "route_name", "finding_kind", "finding_id",
                            "severity_rank", name="uq_notifications_finding_severity"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')",
                           name=op.f("ck_notifications_status")),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notifications_tenant_created", "notifications",
                    ["tenant_id", "created_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("alert_routes")
