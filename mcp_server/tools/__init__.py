"""The tool modules, grouped by domain; each exposes a ToolGroup named ``group``."""

from __future__ import annotations

from costsight.mcp_server.tools import (
               alerts,
               anomalies,
               operations,
               predictions_patterns,
               provenance_audit,
               statistics,
)

TOOL_GROUPS = (statistics.group, anomalies.group, predictions_patterns.group,
               provenance_audit.group, operations.group, alerts.group)
