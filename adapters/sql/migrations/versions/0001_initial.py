"""Initial schema: metering, anomalies, patterns, predictions, provenance, audit, leases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from costsight.adapters.sql.types import PortableJson, UtcDateTime, utc_now

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOT_NULL_REQUEST = sa.text("request_id IS NOT NULL")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(64), nullable=False)


def upgrade() -> None:
    op.create_table(
        "cost_records",
        sa.Column("id", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("user_id", sa.String(64)),
        sa.Column("feature_tag", sa.String(128)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("workflow_id", sa.String(64)),
        sa.Column("skill_id", sa.String(64)),
        sa.Column("worker_run_id", sa.String(64)),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("output_tokens", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("is_retry", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cost_records"),
    )
    op.create_index("ix_cost_records_tenant_created", "cost_records", ["tenant_id", "created_at"])
    op.create_index("ix_cost_records_tenant_feature", "cost_records", ["tenant_id", "feature_tag"])
    op.create_index("ix_cost_records_tenant_user", "cost_records", ["tenant_id", "user_id"])
    op.create_index("ix_cost_records_worker_run", "cost_records", ["worker_run_id"])
    op.create_index("uq_cost_records_tenant_request", "cost_records", ["tenant_id", "request_id"],
                    unique=True, postgresql_where=NOT_NULL_REQUEST, sqlite_where=NOT_NULL_REQUEST)

    op.create_table(
        "feature_tags",
        sa.Column("id", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("tag", sa.String(128), nullable=False),
        sa.Column("display_name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("budget_micros", sa.BigInteger),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
        sa.Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now()),
        sa.PrimaryKeyConstraint("id", name="pk_feature_tags"),
        sa.UniqueConstraint("tenant_id", "tag", name="uq_feature_tags_tenant_tag"),
    )

    op.create_table(
        "cost_budgets",
        sa.Column("id", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("budget_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False, server_default=sa.text("''")),
        sa.Column("daily_limit_micros", sa.BigInteger),
        sa.Column("monthly_limit_micros", sa.BigInteger),
        sa.Column("warn_threshold_pct", sa.Integer, nullable=False, server_default=sa.text("80")),
        sa.Column("hard_limit_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
        sa.Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now()),
        sa.PrimaryKeyConstraint("id", name="pk_cost_budgets"),
        sa.UniqueConstraint("tenant_id", "budget_type", "entity_id",
                            name="uq_cost_budgets_tenant_type_entity"),
        sa.CheckConstraint("warn_threshold_pct BETWEEN 1 AND 100",
                           name=op.f("ck_cost_budgets_warn_threshold_pct")),
        sa.CheckConstraint("budget_type IN ('tenant', 'feature', 'user')",
                           name=op.f("ck_cost_budgets_budget_type")),
    )

    op.create_table(
        "cost_anomalies",
        sa.Column("id", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("anomaly_type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False, server_default=sa.text("''")),
        sa.Column("period", sa.String(16)),
        sa.Column("current_value_micros", sa.BigInteger, nullable=False),
        sa.Column("expected_value_micros", sa.BigInteger, nullable=False),
        sa.Column("deviation_pct", sa.Float, nullable=False),
        sa.Column("threshold_ratio", sa.Float, nullable=False),
        sa.Column("usage_pct", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("derived_cause", sa.String(32), nullable=False,
                  server_default=sa.text("'UNKNOWN'")),
        sa.Column("breach_count", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("metadata", PortableJson),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
        sa.Column("detected_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("acknowledged_at", UtcDateTime),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("dismissed_at", UtcDateTime),
        sa.Column("incident_id", sa.String(64)),
        sa.Column("action_taken", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_cost_anomalies"),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved', 'dismissed')",
                           name=op.f("ck_cost_anomalies_status")),
        sa.CheckConstraint("period IS NULL OR period IN ('daily', 'monthly')",
                           name=op.f("ck_cost_anomalies_period")),
    )
    op.create_index("ix_cost_anomalies_tenant_detected", "cost_anomalies",
                    ["tenant_id", "detected_at"])
    op.create_index("ix_cost_anomalies_dedupe", "cost_anomalies",
                    ["tenant_id", "anomaly_type", "entity_type", "entity_id"])
    op.create_index("ix_cost_anomalies_incident", "cost_anomalies", ["incident_id"])

    op.create_table(
        "cost_breach_history",
        sa.Column("id", sa.String(32), nullable=False),
        _tenant(),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False, server_default=sa.text("''")),
        sa.Column("breach_type", sa.String(32), nullable=False),
        sa.Column("breach_date", sa.Date, nullable=False),
        sa.Column("deviation_pct", sa.Float, nullable=False),
        sa.Column("current_value_micros", sa.BigInteger, nullable=False),
        sa.Column("baseline_value_micros", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cost_breach_history"),
        sa.UniqueConstraint("tenant_id", "entity_type", "entity_id", "breach_type", "breach_date",
                            name="uq_breach_per_entity_day"),
    )

    op.create_table(
        "cost_drift_tracking",
        sa.Column("id", sa.String(32), nullable=False),
        _tenant(),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False, server_default=sa.text("''")),
        sa.Column("rolling_avg_micros", sa.BigInteger, nullable=False),
        sa.Column("baseline_avg_micros", sa.BigInteger, nullable=False),
        sa.Column("drift_pct", sa.Float, nullable=False),
        sa.Column("drift_days_count", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("first_drift_date", sa.Date, nullable=False),
        sa.Column("last_check_date", sa.Date, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name="pk_cost_drift_tracking"),
        sa.UniqueConstraint("tenant_id", "entity_type", "entity_id",
                            name="uq_drift_tracker_per_entity"),
    )

    op.create_table(
        "worker_runs",
        sa.Column("id", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("worker_id", sa.String(100), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("success", sa.Boolean),
        sa.Column("error", sa.Text),
        sa.Column("total_tokens", sa.Integer),
        sa.Column("total_latency_ms", sa.BigInteger),
        sa.Column("cost_micros", sa.BigInteger),
        sa.Column("parent_run_id", sa.String(64)),
        sa.Column("attempt", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("is_retry", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("started_at", UtcDateTime),
        sa.Column("completed_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_worker_runs"),
        sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed', 'crashed')",
                           name=op.f("ck_worker_runs_status")),
    )
    op.create_index("ix_worker_runs_tenant_created", "worker_runs", ["tenant_id", "created_at"])
    op.create_index("ix_worker_runs_tenant_status_created", "worker_runs",
                    ["tenant_id", "status", "created_at"])
    op.create_index("ix_worker_runs_tenant_worker_created", "worker_runs",
                    ["tenant_id", "worker_id", "created_at"])

    op.create_table(
        "pattern_feedback",
        sa.Column("id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("pattern_type", sa.String(50), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False, server_default=sa.text("'info'")),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("signature", sa.String(255), nullable=False),
        sa.Column("provenance", PortableJson, nullable=False),
        sa.Column("occurrence_count", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("time_window_minutes", sa.Integer),
        sa.Column("threshold_used", sa.String(100)),
        sa.Column("metadata", PortableJson),
        sa.Column("detected_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("acknowledged", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("acknowledged_at", UtcDateTime),
        sa.Column("acknowledged_by", sa.String(255)),
        sa.PrimaryKeyConstraint("id", name="pk_pattern_feedback"),
    )
    op.create_index("ix_pattern_feedback_tenant_detected", "pattern_feedback",
                    ["tenant_id", "detected_at"])
    op.create_index("ix_pattern_feedback_natural_key", "pattern_feedback",
                    ["tenant_id", "pattern_type", "signature"])

    op.create_table(
        "prediction_events",
        sa.Column("id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("prediction_type", sa.String(50), nullable=False),
        sa.Column("subject_type", sa.String(50), nullable=False),
        sa.Column("subject_id", sa.String(255), nullable=False),
        sa.Column("confidence_score", sa.Float, nullable=False),
        sa.Column("prediction_value", PortableJson, nullable=False),
        sa.Column("contributing_factors", PortableJson, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("is_advisory", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("notes", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_prediction_events"),
        sa.CheckConstraint("is_advisory = true", name=op.f("ck_prediction_events_advisory")),
        sa.CheckConstraint("confidence_score >= 0 AND confidence_score <= 1",
                           name=op.f("ck_prediction_events_confidence_range")),
    )
    op.create_index("ix_prediction_events_tenant_created", "prediction_events",
                    ["tenant_id", "created_at"])
    op.create_index("ix_prediction_events_natural_key", "prediction_events",
                    ["tenant_id", "prediction_type", "subject_type", "subject_id"])
    op.create_index("ix_prediction_events_tenant_expires", "prediction_events",
                    ["tenant_id", "expires_at"])

    op.create_table(
        "costsim_provenance",
        sa.Column("id", BIG_ID, sa.Identity(), nullable=False),
        _tenant(),
        sa.Column("variant_slug", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("run_id", sa.Text),
        sa.Column("model_version", sa.Text),
        sa.Column("adapter_version", sa.Text),
        sa.Column("commit_sha", sa.Text),
        sa.Column("input_hash", sa.String(128)),
        sa.Column("output_hash", sa.String(128)),
        sa.Column("v1_cost_micros", sa.BigInteger),
        sa.Column("v2_cost_micros", sa.BigInteger),
        sa.Column("cost_delta_micros", sa.BigInteger),
        sa.Column("payload", PortableJson),
        sa.Column("runtime_ms", sa.BigInteger),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_costsim_provenance"),
        sa.UniqueConstraint("tenant_id", "variant_slug", "input_hash",
                            name="uq_costsim_provenance_dedupe"),
    )
    op.create_index("ix_costsim_provenance_tenant_created", "costsim_provenance",
                    ["tenant_id", "created_at"])
    op.create_index("ix_costsim_provenance_run", "costsim_provenance", ["run_id"])

    op.create_table(
        "coordination_audit_records",
        sa.Column("audit_id", sa.String(64), nullable=False),
        sa.Column("envelope_id", sa.String(100), nullable=False),
        sa.Column("envelope_class", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decision_timestamp", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
        sa.Column("conflicting_envelope_id", sa.String(100)),
        sa.Column("preempting_envelope_id", sa.String(100)),
        sa.Column("active_envelopes_count", sa.Integer, nullable=False,
                  server_default=sa.text("0")),
        sa.Column("tenant_id", sa.String(100)),
        sa.PrimaryKeyConstraint("audit_id", name="pk_coordination_audit_records"),
        sa.CheckConstraint("envelope_class IN ('SAFETY', 'RELIABILITY', 'COST', 'PERFORMANCE')",
                           name=op.f("ck_coordination_audit_records_envelope_class")),
        sa.CheckConstraint("decision IN ('APPLIED', 'REJECTED', 'PREEMPTED')",
                           name=op.f("ck_coordination_audit_records_decision")),
    )
    op.create_index("ix_coordination_audit_records_tenant_decided", "coordination_audit_records",
                    ["tenant_id", "decision_timestamp"])
    op.create_index("ix_coordination_audit_records_envelope", "coordination_audit_records",
                    ["envelope_id"])

    op.create_table(
        "leader_leases",
        sa.Column("lock_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(128)),
        sa.Column("fencing_token", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("acquired_at", UtcDateTime),
        sa.Column("expires_at", UtcDateTime),
        sa.PrimaryKeyConstraint("lock_id", name="pk_leader_leases"),
    )


def downgrade() -> None:
    for table in ("leader_leases", "coordination_audit_records", "costsim_provenance",
                  "prediction_events", "pattern_feedback", "worker_runs", "cost_drift_tracking",
                  "cost_breach_history", "cost_anomalies", "cost_budgets", "feature_tags",
                  "cost_records"):
        op.drop_table(table)
