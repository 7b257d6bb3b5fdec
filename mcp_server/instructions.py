"""The server's ``instructions``: conventions, and which tool answers which kind of question."""

from __future__ import annotations

from costsight.mcp_server import tool_names as n

INSTRUCTIONS = f"""\
costsight answers questions about what a fleet of LLM agents costs and how it behaves. Every
tool is read-only. Money: *_cents fields are US cents (exact, up to 6 decimals), *_usd dollars.
Times are ISO 8601 with an offset; windows are [start, end) in UTC, at most 90 days.
Arguments: empty text or 'any' means "no filter"; tenant_id may be empty when the caller's
scope holds one tenant ({n.LIST_TENANTS} lists them).
Answers are compact JSON within a size budget: a field that is null is left out (every other
field is always present), empty series buckets are left out, a series too long is coarsened
(hour -> day -> week; window.resolution_used, window.coarsened), and a list page that would be
too long comes back shorter. Lists return items and next_cursor (absent on the last page):
pass it back as cursor with the same other arguments. If an answer still does not fit, the error says what to narrow.

Which tool to use:
- "Which tenants are there?" -> {n.LIST_TENANTS}
- "What did we spend (this week / on gpt-4o / per day)?" -> {n.GET_COST_STATISTICS}
- "Which features / users / workers / workflows / skills / models cost the most?" -> {n.GET_COST_BREAKDOWN}
- "How did this week compare with last week, and what drove the change?" -> {n.COMPARE_PERIODS}
- "Will we exceed the budget, and when?" -> {n.GET_COST_FORECAST} (says when no forecast exists)
- "How many runs, LLM calls, tokens, retries?" -> {n.GET_USAGE_STATISTICS}
- "Which models / users / features exist?" -> {n.LIST_DIMENSION_VALUES}; registered features -> {n.LIST_FEATURE_TAGS}
- "Are we over budget?" -> {n.GET_BUDGET_STATUS}
- "Any open cost anomalies?" -> {n.LIST_ANOMALIES} (status='open'); details and root-cause drivers -> {n.GET_ANOMALY}
- "How often are the detectors right?" -> {n.GET_DETECTION_QUALITY} (precision from resolved / dismissed labels)
- "Is anything abnormal right now / what would detection say as of a day?" -> {n.PREVIEW_ANOMALIES}
- "Are the same errors repeating? Which worker got expensive?" -> {n.LIST_PATTERN_FEEDBACK}, totals -> {n.GET_PATTERN_STATS}
- "Which workers are predicted to fail or overrun?" -> {n.LIST_PREDICTIONS}, totals -> {n.GET_PREDICTION_STATS}
- "How far does the V2 cost simulator drift from V1?" -> {n.GET_DRIFT_STATS}; rows -> {n.QUERY_PROVENANCE}, counts -> {n.COUNT_PROVENANCE}
- "Why was an envelope rejected or preempted?" -> {n.LIST_AUDIT_RECORDS}
- "Are the background jobs running?" -> {n.GET_LEADER_STATUS}
- "Was the team alerted? Which alerts failed to deliver?" -> {n.LIST_NOTIFICATIONS}

Statistics, breakdowns and comparisons filter by model, feature, user, worker, workflow and
skill. For a spend spike: {n.LIST_ANOMALIES} -> {n.GET_ANOMALY} -> {n.COMPARE_PERIODS} or
{n.GET_COST_STATISTICS} (hour resolution around the spike) -> {n.GET_COST_BREAKDOWN} by the
anomaly's entity dimension. Predictions and pattern feedback are advisory, not facts.
"""
