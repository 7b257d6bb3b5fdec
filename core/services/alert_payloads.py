"""What a delivery's body looks like: generic JSON, or Slack Block Kit for Slack webhooks.

Slack's limits (https://api.slack.com/reference/block-kit/blocks): a header's plain_text at
most 150 characters, a section's text at most 3000, a section's fields at most 10 of 2000
each, a context block at most 10 elements, a message at most 50 blocks.
"""

from __future__ import annotations

import json
from typing import Any

from costsight.core.domain.alerts import DestinationKind, Finding, NewNotification

HEADER_MAX, SECTION_MAX, FIELD_MAX, FALLBACK_MAX = 150, 3000, 2000, 4000
_EMOJI = {"low": ":large_blue_circle:", "medium": ":large_orange_circle:",
          "high": ":red_circle:"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _mrkdwn_escape(text: str) -> str:
    # Slack mrkdwn treats &, < and > as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(n: NewNotification) -> dict[str, Any]:
    return {"delivery_id": n.id, "tenant_id": n.tenant_id, "route": n.route_name,
            "created_at": n.created_at.isoformat(),
            "finding": n.finding.model_dump(mode="json")}


def slack_body(n: NewNotification) -> dict[str, Any]:
    f: Finding = n.finding
    fields = [{"type": "mrkdwn", "text": _cut(f"*{label}*\n{_mrkdwn_escape(str(value))}",
                                              FIELD_MAX)}
              for label, value in (("Severity", f.severity.value), ("Kind", f.kind.value),
                                   ("Type", f.finding_type), ("Subject", f.subject or "-"))]
    details = [f"{k}: {v}" for k, v in sorted(f.details.items())]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": _cut(f.title, HEADER_MAX)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            f"{_EMOJI[f.severity.value]} {_mrkdwn_escape(f.summary)}", SECTION_MAX)},
         "fields": fields},
    ]
    if details:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(
            _mrkdwn_escape("\n".join(details)), SECTION_MAX)}})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": _cut(_mrkdwn_escape(
            f"tenant {n.tenant_id} · route {n.route_name} · {f.finding_id} · "
            f"detected {f.detected_at:%Y-%m-%d %H:%M} UTC · delivery {n.id}"), FIELD_MAX)}]})
    return {"text": _cut(f"[{f.severity.value}] {f.title}: {f.summary}", FALLBACK_MAX),
            "blocks": blocks}


def render_body(destination: DestinationKind, n: NewNotification) -> bytes:
    """The exact bytes POSTed (and signed)."""
    body = slack_body(n) if destination is DestinationKind.SLACK else webhook_body(n)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
