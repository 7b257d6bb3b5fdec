"""The MCP App (the official ``io.modelcontextprotocol/ui`` extension): a spend chart.

``ui://costsight/spend-chart.html`` is one self-contained HTML page (hand-written SVG and
vanilla JS, no CDN, no library) served as ``text/html;profile=mcp-app``. The cost-statistics
tool (and the period comparison, where the server has it) links it from ``_meta.ui.resourceUri``;
a host that speaks MCP Apps renders the page in a sandboxed iframe and hands it the tool result
(``ui/notifications/tool-result``), and the page draws the spend series and the drivers. A host
without MCP Apps ignores the link and shows the tool's text result as before.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from mcp.server.apps import APP_MIME_TYPE, Apps, ResourceCsp
from mcp.server.mcpserver import MCPServer

from costsight.mcp_server import tool_names as n

SPEND_CHART_URI = "ui://costsight/spend-chart.html"

#: the tools whose results the chart draws (compare_periods once the server has it)
CHART_TOOLS = tuple(name for name in (n.GET_COST_STATISTICS, getattr(n, "COMPARE_PERIODS", None))
                    if name is not None)

__all__ = ["APP_MIME_TYPE", "CHART_TOOLS", "SPEND_CHART_URI", "apps_extension", "link_chart",
           "spend_chart_html"]


def spend_chart_html() -> str:
    return files(__package__).joinpath("spend_chart.html").read_text(encoding="utf-8")


def apps_extension() -> Apps:
    """The extension the server is built with: it serves the page and advertises MCP Apps."""
    apps = Apps()
    # An empty CSP allow-list: the page loads nothing from anywhere (no connect/resource domains).
    apps.add_html_resource(SPEND_CHART_URI, spend_chart_html(), name="spend_chart",
                           title="Spend chart",
                           description="Draws a cost-statistics or period-comparison result: "
                                       "the spend series and the drivers.",
                           csp=ResourceCsp(), prefers_border=True)
    return apps


def link_chart(server: MCPServer[Any]) -> None:
    """Stamp ``_meta.ui.resourceUri`` on the chart tools, already registered by their group.

    ``Apps.tool`` would register the tools itself; ours are registered with the other tools
    (shared annotations and error handling), so the link is added to them afterwards.
    """
    for name in CHART_TOOLS:
        tool = server._tool_manager.get_tool(name)  # the SDK has no public tool lookup
        if tool is None:
            raise ValueError(f"chart tool {name!r} is not registered")
        tool.meta = {**(tool.meta or {}), "ui": {"resourceUri": SPEND_CHART_URI}}
