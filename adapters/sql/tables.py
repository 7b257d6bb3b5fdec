"""The schema as SQLAlchemy Core tables (the migrations build exactly this on both dialects).

Money is BIGINT micro-cents (``*_micros``); timestamps are ``UtcDateTime``; JSON is portable.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

# Re-exported: importers name the one metadata through this module.
from costsight.adapters.sql.metadata import NAMING as NAMING
from costsight.adapters.sql.metadata import metadata as metadata

# Registered in ``metadata`` on import, so ALL_TABLES holds them whatever is imported first.
from costsight.adapters.sql.rollup_tables import ROLLUP_TABLES as ROLLUP_TABLES
from costsight.adapters.sql.types import PortableJson, UtcDateTime, utc_now

#: BIGINT everywhere except SQLite, whose autoincrement needs INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

#: Raw cost records. On Postgres the table is range-partitioned by month of ``created_at``
#: (``partitions.py``; migration 0007), so its primary key must hold the partition key:
#: (id, created_at) on both dialects. Idempotency by (tenant_id, request_id) lives in
#: ``cost_request_ids``: a unique index on a partitioned table must hold the partition key too.
cost_records = Table(
    "cost_records", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("user_id", String(64)),
    Column("feature_tag", String(128)),
    Column("request_id", String(64)),
    Column("workflow_id", String(64)),
    Column("skill_id", String(64)),
    Column("worker_run_id", String(64)),
    Column("model", String(64), nullable=False),
    Column("input_tokens", Integer, nullable=False, server_default=text("0")),
    Column("output_tokens", Integer, nullable=False, server_default=text("0")),
    Column("cost_micros", BigInteger, nullable=False),
    Column("is_retry", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, primary_key=True),
    Column("provider", String(64)),
    Column("cache_read_tokens", Integer, nullable=False, server_default=text("0")),
    Column("cache_write_tokens", Integer, nullable=False, server_default=text("0")),
    Column("reasoning_tokens", Integer, nullable=False, server_default=text("0")),
    Column("cost_source", String(16), nullable=False, server_default=text("'reported'")),
    Column("price_id", String(128)),
    CheckConstraint("cost_source IN ('reported', 'priced', 'unpriced')", name="cost_source"),
    Index("ix_cost_records_tenant_created", "tenant_id", "created_at"),
    # The driver reads of users and features (cost_driver.py): created_at last, so a scan of
    # a few entities reads only their rows in the windows (one index range per window).
    Index("ix_cost_records_tenant_feature_created", "tenant_id", "feature_tag", "created_at"),
    Index("ix_cost_records_tenant_user_created", "tenant_id", "user_id", "created_at"),
    # Only unpriced rows (rare): the anomaly reads find days with unpriced calls cheaply.
    Index("ix_cost_records_unpriced", "tenant_id", "created_at",
          postgresql_where=text("cost_source = 'unpriced'"),
          sqlite_where=text("cost_source = 'unpriced'")),
    postgresql_partition_by="RANGE (created_at)",
)

#: The request ids stored per tenant: a writer claims (tenant_id, request_id) here with
#: ON CONFLICT DO NOTHING and stores only the records whose claim it won (cost_records.py).
cost_request_ids = Table(
    "cost_request_ids", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("request_id", String(64), primary_key=True),
    sqlite_with_rowid=False,  # one b-tree keyed by the claim (migration 0013)
)

#: Price book overrides (genai-prices supplies the defaults). ``tenant_id`` '' is the global
#: scope, ``provider`` '' matches any provider; ``rates`` maps a token kind to integer
#: micro-cents per million units ({"base": n, "tiers": [[start, n], ...]}).
model_prices = Table(
    "model_prices", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, server_default=text("''")),
    Column("provider", String(64), nullable=False, server_default=text("''")),
    Column("model", String(128), nullable=False),
    Column("effective_from", UtcDateTime, nullable=False),
    Column("rates", PortableJson, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "provider", "model", "effective_from",
                     name="uq_model_prices_scope_model_from"),
    Index("ix_model_prices_model", "model"),
)

feature_tags = Table(
    "feature_tags", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("tag", String(128), nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("description", Text),
    Column("budget_micros", BigInteger),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
    Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now()),
    UniqueConstraint("tenant_id", "tag", name="uq_feature_tags_tenant_tag"),
)

cost_budgets = Table(
    "cost_budgets", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("budget_type", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False, server_default=text("''")),
    Column("daily_limit_micros", BigInteger),
    Column("monthly_limit_micros", BigInteger),
    Column("warn_threshold_pct", Integer, nullable=False, server_default=text("80")),
    Column("hard_limit_enabled", Boolean, nullable=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
    Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now()),
    UniqueConstraint("tenant_id", "budget_type", "entity_id",
                     name="uq_cost_budgets_tenant_type_entity"),
    CheckConstraint("warn_threshold_pct BETWEEN 1 AND 100", name="warn_threshold_pct"),
    CheckConstraint("budget_type IN ('tenant', 'feature', 'user')", name="budget_type"),
)

cost_anomalies = Table(
    "cost_anomalies", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("anomaly_type", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False, server_default=text("''")),
    Column("period", String(16)),
    Column("current_value_micros", BigInteger, nullable=False),
    Column("expected_value_micros", BigInteger, nullable=False),
    Column("deviation_pct", Float, nullable=False),
    Column("threshold_ratio", Float, nullable=False),
    Column("usage_pct", Float),
    Column("message", Text, nullable=False),
    Column("derived_cause", String(32), nullable=False, server_default=text("'UNKNOWN'")),
    Column("breach_count", Integer, nullable=False, server_default=text("1")),
    Column("metadata", PortableJson),
    Column("status", String(16), nullable=False, server_default=text("'open'")),
    Column("detected_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Column("dismissed_at", UtcDateTime),
    Column("incident_id", String(64)),
    Column("action_taken", String(64)),
    CheckConstraint("status IN ('open', 'acknowledged', 'resolved', 'dismissed')",
                    name="status"),
    CheckConstraint("period IS NULL OR period IN ('daily', 'monthly')", name="period"),
    Index("ix_cost_anomalies_tenant_detected", "tenant_id", "detected_at"),
    Index("ix_cost_anomalies_dedupe", "tenant_id", "anomaly_type", "entity_type", "entity_id"),
    Index("ix_cost_anomalies_incident", "incident_id"),
)

cost_breach_history = Table(
    "cost_breach_history", metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False, server_default=text("''")),
    Column("breach_type", String(32), nullable=False),
    Column("breach_date", Date, nullable=False),
    Column("deviation_pct", Float, nullable=False),
    Column("current_value_micros", BigInteger, nullable=False),
    Column("baseline_value_micros", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "entity_type", "entity_id", "breach_type", "breach_date",
                     name="uq_breach_per_entity_day"),
)

cost_drift_tracking = Table(
    "cost_drift_tracking", metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False, server_default=text("''")),
    Column("rolling_avg_micros", BigInteger, nullable=False),
    Column("baseline_avg_micros", BigInteger, nullable=False),
    Column("drift_pct", Float, nullable=False),
    Column("drift_days_count", Integer, nullable=False, server_default=text("1")),
    Column("first_drift_date", Date, nullable=False),
    Column("last_check_date", Date, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    UniqueConstraint("tenant_id", "entity_type", "entity_id", name="uq_drift_tracker_per_entity"),
)

worker_runs = Table(
    "worker_runs", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("worker_id", String(100), nullable=False),
    Column("user_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("success", Boolean),
    Column("error", Text),
    Column("total_tokens", Integer),
    Column("total_latency_ms", BigInteger),
    Column("cost_micros", BigInteger),
    Column("parent_run_id", String(64)),
    Column("attempt", Integer, nullable=False, server_default=text("1")),
    Column("is_retry", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    CheckConstraint("status IN ('queued', 'running', 'completed', 'failed', 'crashed')",
                    name="status"),
    Index("ix_worker_runs_tenant_created", "tenant_id", "created_at"),
    Index("ix_worker_runs_tenant_status_created", "tenant_id", "status", "created_at"),
    Index("ix_worker_runs_tenant_worker_created", "tenant_id", "worker_id", "created_at"),
)

pattern_feedback = Table(
    "pattern_feedback", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pattern_type", String(50), nullable=False),
    Column("severity", String(20), nullable=False, server_default=text("'info'")),
    Column("description", Text, nullable=False),
    Column("signature", String(255), nullable=False),
    Column("provenance", PortableJson, nullable=False),
    Column("occurrence_count", Integer, nullable=False, server_default=text("1")),
    Column("time_window_minutes", Integer),
    Column("threshold_used", String(100)),
    Column("metadata", PortableJson),
    Column("detected_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("acknowledged", Boolean, nullable=False, server_default=false()),
    Column("acknowledged_at", UtcDateTime),
    Column("acknowledged_by", String(255)),
    Index("ix_pattern_feedback_tenant_detected", "tenant_id", "detected_at"),
    Index("ix_pattern_feedback_natural_key", "tenant_id", "pattern_type", "signature"),
)

prediction_events = Table(
    "prediction_events", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("prediction_type", String(50), nullable=False),
    Column("subject_type", String(50), nullable=False),
    Column("subject_id", String(255), nullable=False),
    Column("confidence_score", Float, nullable=False),
    Column("prediction_value", PortableJson, nullable=False),
    Column("contributing_factors", PortableJson, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("is_advisory", Boolean, nullable=False, server_default=true()),
    Column("notes", Text),
    CheckConstraint("is_advisory = true", name="advisory"),
    CheckConstraint("confidence_score >= 0 AND confidence_score <= 1", name="confidence_range"),
    Index("ix_prediction_events_tenant_created", "tenant_id", "created_at"),
    Index("ix_prediction_events_natural_key", "tenant_id", "prediction_type", "subject_type",
          "subject_id"),
    Index("ix_prediction_events_tenant_expires", "tenant_id", "expires_at"),
)

costsim_provenance = Table(
    "costsim_provenance", metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("variant_slug", String(32), nullable=False),
    Column("source", String(32), nullable=False),
    Column("run_id", Text),
    Column("model_version", Text),
    Column("adapter_version", Text),
    Column("commit_sha", Text),
    Column("input_hash", String(128)),
    Column("output_hash", String(128)),
    Column("v1_cost_micros", BigInteger),
    Column("v2_cost_micros", BigInteger),
    Column("cost_delta_micros", BigInteger),
    Column("payload", PortableJson),
    Column("runtime_ms", BigInteger),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "variant_slug", "input_hash",
                     name="uq_costsim_provenance_dedupe"),
    Index("ix_costsim_provenance_tenant_created", "tenant_id", "created_at"),
    Index("ix_costsim_provenance_run", "run_id"),
)

coordination_audit_records = Table(
    "coordination_audit_records", metadata,
    Column("audit_id", String(64), primary_key=True),
    Column("envelope_id", String(100), nullable=False),
    Column("envelope_class", String(20), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decision_timestamp", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
    Column("conflicting_envelope_id", String(100)),
    Column("preempting_envelope_id", String(100)),
    Column("active_envelopes_count", Integer, nullable=False, server_default=text("0")),
    Column("tenant_id", String(100)),
    CheckConstraint("envelope_class IN ('SAFETY', 'RELIABILITY', 'COST', 'PERFORMANCE')",
                    name="envelope_class"),
    CheckConstraint("decision IN ('APPLIED', 'REJECTED', 'PREEMPTED')", name="decision"),
    Index("ix_coordination_audit_records_tenant_decided", "tenant_id", "decision_timestamp"),
    Index("ix_coordination_audit_records_envelope", "envelope_id"),
)

leader_leases = Table(
    "leader_leases", metadata,
    Column("lock_id", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(128)),
    Column("fencing_token", BigInteger, nullable=False, server_default=text("0")),
    Column("acquired_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
)

alert_routes = Table(
    "alert_routes", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("destination", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("anomaly_types", PortableJson),
    Column("prediction_types", PortableJson),
    Column("pattern_types", PortableJson),
    Column("min_severity", String(16), nullable=False),
    Column("secret", Text),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("destination IN ('webhook', 'slack')", name="destination"),
    CheckConstraint("min_severity IN ('low', 'medium', 'high')", name="min_severity"),
)

notifications = Table(
    "notifications", metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("route_name", String(64), nullable=False),
    Column("finding_kind", String(16), nullable=False),
    Column("finding_id", String(64), nullable=False),
    Column("severity_rank", Integer, nullable=False),
    Column("finding", PortableJson, nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Column("claim_token", String(64)),
    Column("claimed_until", UtcDateTime),
    UniqueConstraint("tenant_id", "route_name", "finding_kind", "finding_id", "severity_rank",
                     name="uq_notifications_finding_severity"),
    CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
    Index("ix_notifications_tenant_created", "tenant_id", "created_at"),
)

forecast_snapshots = Table(
    "forecast_snapshots", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("generated_at", UtcDateTime, nullable=False),
    Column("start_day", Date, nullable=False),
    Column("horizon_days", Integer, nullable=False),
)

forecast_series = Table(
    "forecast_series", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("subject_type", String(16), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
    Column("method", String(64), nullable=False),
    Column("forecaster", String(64), nullable=False),
    Column("history_days", Integer, nullable=False),
)

forecast_days = Table(
    "forecast_days", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("subject_type", String(16), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("point_micros", BigInteger, nullable=False),
    Column("low80_micros", BigInteger, nullable=False),
    Column("high80_micros", BigInteger, nullable=False),
    Column("low95_micros", BigInteger, nullable=False),
    Column("high95_micros", BigInteger, nullable=False),
)

budget_projections = Table(
    "budget_projections", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("budget_id", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("budget_type", String(16), nullable=False),
    Column("entity_id", String(128), nullable=False, server_default=text("''")),
    Column("period_end", Date, nullable=False),
    Column("limit_micros", BigInteger, nullable=False),
    Column("spent_micros", BigInteger, nullable=False),
    Column("projected_micros", BigInteger, nullable=False),
    Column("low80_micros", BigInteger, nullable=False),
    Column("high80_micros", BigInteger, nullable=False),
    Column("low95_micros", BigInteger, nullable=False),
    Column("high95_micros", BigInteger, nullable=False),
    Column("probability_exceed", Float, nullable=False),
    Column("breach_date", Date),
    Column("breach_date_p80", Date),
    Column("method", String(64), nullable=False),
)

#: Every table, parents first (no foreign keys today; order kept stable for truncation).
ALL_TABLES = tuple(metadata.sorted_tables)
