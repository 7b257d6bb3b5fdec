"""The server's ``instructions``: which tool answers which kind of question."""

from __future__ import annotations

from costsight.mcp_server import tool_names as n

INSTRUCTIONS = f"""\
costsight answers questions about what a fleet of LLM agents costs and how it behaves. Every
tool is read-only. Money is in US cents (exact, up to 6 decimals; spend_usd is in dollars).
Times are ISO 8601 with an offset and windows are [start, end) in UTC, at most 90 days.
tenant_id may be left empty when the server serves a single tenant. Lists return items and
next_cursor: pass it back as cursor to read the next page (limit 1..500, default 50).

Which tool to use:
- "What did we spend (this week / on gpt-4o / per day)?" -> {n.GET_COST_STATISTICS}
- "Which features / users / workers / workflows / skills / models cost the most?" -> {n.GET_COST_BREAKDOWN}
- "How many runs, LLM calls, tokens did we use?" -> {n.GET_USAGE_STATISTICS}
- "Which models / users / features exist?" -> {n.LIST_DIMENSION_VALUES}; registered features -> {n.LIST_FEATURE_TAGS}
- "Are we over budget?" -> {n.GET_BUDGET_STATUS}
- "Any open cost anomalies?" -> {n.LIST_ANOMALIES} (status='open'); details -> {n.GET_ANOMALY}
- "Is anything abnormal right now / what would detection say as of a day?" -> {n.PREVIEW_ANOMALIES}
- "Are the same errors repeating? Which worker got expensive?" -> {n.LIST_PATTERN_FEEDBACK}, totals -> {n.GET_PATTERN_STATS}
- "Which workers are predicted to fail or overrun?" -> {n.LIST_PREDICTIONS}, totals -> {n.GET_PREDICTION_STATS}
- "How far does the V2 cost simulator drift from V1?" -> {n.GET_DRIFT_STATS}; rows -> {n.QUERY_PROVENANCE}, counts -> {n.COUNT_PROVENANCE}
- "Why was an envelope rejected or preempted?" -> {n.LIST_AUDIT_RECORDS}
- "Are the background jobs running?" -> {n.GET_LEADER_STATUS}
- "Was the team alerted? Which alerts failed to deliver?" -> {n.LIST_NOTIFICATIONS}

For a spend spike: {n.LIST_ANOMALIES} -> {n.GET_ANOMALY} -> {n.GET_COST_STATISTICS} (hour resolution
around the spike) -> {n.GET_COST_BREAKDOWN} by the anomaly's entity dimension. Predictions and
pattern feedback are advisory observations, not facts.
"""
