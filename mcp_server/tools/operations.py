"""Operations tools: the state of the background jobs' leader locks."""

from __future__ import annotations

from costsight.core.services.queries import LeaderStatus
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.state import ToolContext, server_state
from costsight.mcp_server.tooling import ToolGroup

group = ToolGroup()


@group.tool(names.GET_LEADER_STATUS, title="Background job leader status")
async def get_leader_status(ctx: ToolContext) -> LeaderStatus:
    """Whether each background job's leader lock is held right now (deployment-wide).

    Answers "are the anomaly / prediction / pattern jobs running somewhere?".
    """
    return await server_state(ctx).queries.leader_status()
