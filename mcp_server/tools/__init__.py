"""The tool modules, grouped by domain; each exposes a ToolGroup named ``group``."""

from __future__ import annotations

from costsight.mcp_server.tools import (
               alerts,
               anomalies,
               comparison,
               forecasts,
               operations,
               predictions_patterns,
               provenance_audit,
               statistics,
               tenants,
)

TOOL_GROUPS = (tenants.group, statistics.group, comparison.group, forecasts.group,
               anomalies.group, predictions_patterns.group, provenance_audit.group,
               operations.group, alerts.group)
