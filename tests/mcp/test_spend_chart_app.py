"""The MCP App in a real headless browser: Debian's chromium driven by playwright.

The page is the ``ui://`` resource exactly as the server serves it, loaded into a sandboxed
iframe of a minimal host page that speaks the MCP Apps postMessage protocol: it answers the
view's ``ui/initialize``, waits for ``ui/notifications/initialized``, then sends
``ui/notifications/tool-input`` and ``ui/notifications/tool-result`` with a tool result
recorded from the real server. The test then looks at what the page drew.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp.types import TextResourceContents

from costsight.core.application import Application
from costsight.mcp_server import tool_names as n
from costsight.mcp_server.apps import APP_MIME_TYPE, SPEND_CHART_URI
from tests.mcp.helpers import connect

pytestmark = pytest.mark.memory

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z", "resolution": "day"}

playwright_api = pytest.importorskip("playwright.async_api",
                                     reason="playwright is a dev dependency (pip install -e '.[dev]')")
if shutil.which(CHROMIUM) is None:  # CI installs it in .ci/run; a bare checkout may not have it
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

HOST_PAGE = """<!doctype html><html><body style="margin:0;background:#fff">
<iframe id="app" sandbox="allow-scripts" style="width:700px;height:700px;border:0"></iframe>
<script>
window.hostLog = [];
const RESULT = __RESULT__;
const frame = document.getElementById("app");
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const msg = event.data;
  window.hostLog.push(msg.method || ("response " + msg.id));
  const reply = (m) => frame.contentWindow.postMessage(m, "*");
  if (msg.method === "ui/initialize") {
    reply({jsonrpc: "2.0", id: msg.id, result: {protocolVersion: "2026-01-26",
      hostInfo: {name: "test-host", version: "1"}, hostCapabilities: {},
      hostContext: {theme: "light", displayMode: "inline"}}});
  } else if (msg.method === "ui/notifications/initialized") {
    reply({jsonrpc: "2.0", method: "ui/notifications/tool-input", params: {arguments: {}}});
    reply({jsonrpc: "2.0", method: "ui/notifications/tool-result", params: RESULT});
  } else if (msg.method === "ui/notifications/size-changed") {
    window.appSize = msg.params;
  }
});
frame.srcdoc = __APP__;
</script></body></html>"""

COUNT_INK = """async (png) => {
  const img = new Image();
  img.src = "data:image/png;base64," + png;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++;
  }
  return ink;
}"""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def recorded(app: Application) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The page as served, and a cost-statistics result as the host receives it."""
    async with connect(app) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        resource = await client.read_resource(SPEND_CHART_URI)
        result = await client.call_tool(n.GET_COST_STATISTICS, WEEK)
    assert tools[n.GET_COST_STATISTICS].meta == {"ui": {"resourceUri": SPEND_CHART_URI}}
    (content,) = resource.contents
    assert content.mime_type == APP_MIME_TYPE
    assert isinstance(content, TextResourceContents)
    html = content.text
    wire = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return html, wire, wire["structuredContent"]["series"]


def inline_json(value: object) -> str:
    """JSON safe inside the host page's <script>: "</script>" in the app must not end it."""
    return json.dumps(value).replace("</", "<\\/")


async def render(browser: Any, html: str, result: dict[str, Any],
                 shot: Path) -> tuple[Any, Any, bytes]:
    page = await browser.new_page(viewport={"width": 720, "height": 720})
    blocked: list[str] = []
    # Self-contained: the page may not fetch anything (no CDN, no fonts, no scripts).
    await page.route("**/*", lambda route: (blocked.append(route.request.url), route.abort()))
    await page.set_content(HOST_PAGE.replace("__RESULT__", inline_json(result))
                           .replace("__APP__", inline_json(html)))
    frame = page.frame_locator("#app")
    await frame.locator("body[data-rendered=true]").wait_for(timeout=15_000)
    png = await page.screenshot(path=str(shot))
    assert blocked == []
    return page, frame, png


async def ink(page: Any, png: bytes) -> int:
    """Pixels that are not near-white in the screenshot (decoded by the browser's canvas)."""
    return int(await page.evaluate(COUNT_INK, base64.b64encode(png).decode()))


async def test_statistics_result_renders_series_and_drivers(
        app: Application, seeded: dict[str, str], browser: Any, tmp_path: Path) -> None:
    html, result, series = await recorded(app)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script src" not in html
    shot = tmp_path / "statistics.png"
    page, frame, png = await render(browser, html, result, shot)

    # The answer leaves empty days out; the chart draws one point per day of the window, the
    # left-out days at zero.
    assert [p["ts"] for p in series] == ["2026-03-09", "2026-03-10"]
    points = frame.locator("svg.spend-series circle.point")
    assert await points.count() == 7
    drawn = [await points.nth(i).get_attribute("data-ts") for i in range(7)]
    assert drawn == [f"2026-03-{day:02d}" for day in range(4, 11)]
    cents = {ts: await points.nth(i).get_attribute("data-cents") for i, ts in enumerate(drawn)}
    assert {ts for ts, c in cents.items() if c != "0"} == {"2026-03-09", "2026-03-10"}
    assert await frame.locator("svg.spend-series path.series").count() == 1
    labels = await frame.locator("svg.spend-series text.x-label").all_text_contents()
    assert labels == [drawn[0], drawn[-1]]
    structured = result["structuredContent"]
    bars = await frame.locator("svg.drivers text.bar-label").all_text_contents()
    assert bars == [r["key"] for r in structured["by_model"]] + [
        r["key"] for r in structured["by_feature"]]
    assert await frame.locator("svg.drivers rect.bar").count() == len(bars)
    assert "$0.12" in await frame.locator("#summary").inner_text()  # 11.75 cents
    heights = [float(await points.nth(i).get_attribute("cy") or 0) for i in range(7)]
    # The highest spend (10.0 cents on 03-10) is drawn highest: the smallest y.
    assert heights[drawn.index("2026-03-10")] == min(heights)
    log = await page.evaluate("window.hostLog")
    assert log[:2] == ["ui/initialize", "ui/notifications/initialized"]
    assert (await page.evaluate("window.appSize"))["height"] > 0
    assert await ink(page, png) > 2_000  # the screenshot is not blank


async def test_comparison_result_renders_signed_drivers(
        app: Application, seeded: dict[str, str], browser: Any, tmp_path: Path) -> None:
    html, _, _ = await recorded(app)
    async with connect(app) as client:
        result = await client.call_tool(n.COMPARE_PERIODS, {
            "dimension": "model", "current_start": "2026-03-10T00:00:00Z",
            "current_end": "2026-03-11T00:00:00Z", "previous_start": "2026-03-09T00:00:00Z",
            "previous_end": "2026-03-10T00:00:00Z"})
    assert not result.is_error
    comparison = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    data = comparison["structuredContent"]
    rows = data["drivers"] + ([data["other"]] if "other" in data else [])
    changes = [Decimal(str(r["change"]["spend_cents"])) for r in rows]
    assert any(c > 0 for c in changes) and any(c < 0 for c in changes)  # both directions drawn

    page, frame, png = await render(browser, html, comparison, tmp_path / "comparison.png")
    assert await frame.locator("svg.spend-series").count() == 0
    labels = await frame.locator("svg.drivers text.bar-label").all_text_contents()
    assert labels == [r["key"] for r in rows]
    assert await frame.locator("svg.drivers rect.bar.up").count() == sum(c > 0 for c in changes)
    assert await frame.locator("svg.drivers rect.bar.down").count() == sum(c < 0 for c in changes)
    values = await frame.locator("svg.drivers text.bar-value").all_text_contents()
    assert values == [("+" if c > 0 else "-" if c < 0 else "") + f"${abs(c) / 100:,.2f}"
                      for c in changes]
    total = Decimal(str(data["totals"]["change"]["spend_cents"]))
    assert f"${abs(total) / 100:,.2f}" in await frame.locator("#summary").inner_text()
    assert await ink(page, png) > 1_000


async def test_an_error_result_says_there_is_no_chart(browser: Any, tmp_path: Path,
                                                     app: Application) -> None:
    html, _, _ = await recorded(app)
    error = {"content": [{"type": "text", "text": "invalid parameter 'start'"}], "isError": True}
    _, frame, _ = await render(browser, html, error, tmp_path / "error.png")
    assert await frame.locator("#title").inner_text() == "No chart for this result"
    assert await frame.locator("svg").count() == 0
