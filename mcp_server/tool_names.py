"""Every MCP tool name, in one place (SPEC section 8)."""

from __future__ import annotations

GET_USAGE_STATISTICS = "get_usage_statistics"
GET_COST_STATISTICS = "get_cost_statistics"
GET_COST_BREAKDOWN = "get_cost_breakdown"
LIST_DIMENSION_VALUES = "list_dimension_values"
LIST_FEATURE_TAGS = "list_feature_tags"
GET_BUDGET_STATUS = "get_budget_status"
LIST_ANOMALIES = "list_anomalies"
GET_ANOMALY = "get_anomaly"
PREVIEW_ANOMALIES = "preview_anomalies"
LIST_PATTERN_FEEDBACK = "list_pattern_feedback"
GET_PATTERN_STATS = "get_pattern_stats"
LIST_PREDICTIONS = "list_predictions"
GET_PREDICTION_STATS = "get_prediction_stats"
QUERY_PROVENANCE = "query_provenance"
COUNT_PROVENANCE = "count_provenance"
GET_DRIFT_STATS = "get_drift_stats"
LIST_AUDIT_RECORDS = "list_audit_records"
GET_LEADER_STATUS = "get_leader_status"
COMPARE_PERIODS = "compare_periods"
GET_COST_FORECAST = "get_cost_forecast"
LIST_TENANTS = "list_tenants"
LIST_NOTIFICATIONS = "list_notifications"
GET_DETECTION_QUALITY = "get_detection_quality"

ALL_TOOLS = (
    GET_USAGE_STATISTICS, GET_COST_STATISTICS, GET_COST_BREAKDOWN, LIST_DIMENSION_VALUES,
    LIST_FEATURE_TAGS, GET_BUDGET_STATUS, LIST_ANOMALIES, GET_ANOMALY, PREVIEW_ANOMALIES,
    LIST_PATTERN_FEEDBACK, GET_PATTERN_STATS, LIST_PREDICTIONS, GET_PREDICTION_STATS,
    QUERY_PROVENANCE, COUNT_PROVENANCE, GET_DRIFT_STATS, LIST_AUDIT_RECORDS, GET_LEADER_STATUS,
    COMPARE_PERIODS, GET_COST_FORECAST, LIST_TENANTS,
    LIST_NOTIFICATIONS, GET_DETECTION_QUALITY,
)

INVESTIGATE_COST_SPIKE = "investigate_cost_spike"
WEEKLY_COST_REVIEW = "weekly_cost_review"
EXPLAIN_SPEND_DRIVER = "explain_spend_driver"
