"""The Slack body against the shape of Slack's Block Kit: block types, text objects, limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from costsight.core.domain.alerts import (
    AlertSeverity,
    DestinationKind,
    Finding,
    FindingKind,
    NewNotification,
)
from costsight.core.services.alert_payloads import render_body

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
TEXT_TYPES = {"plain_text", "mrkdwn"}


def check_text(obj: Any, *, max_length: int, plain_only: bool = False) -> None:
    assert isinstance(obj, dict) and obj["type"] in TEXT_TYPES, obj
    if plain_only:
        assert obj["type"] == "plain_text"
    assert set(obj) <= {"type", "text", "emoji", "verbatim"}
    assert isinstance(obj["text"], str) and 1 <= len(obj["text"]) <= max_length
    if obj["type"] == "mrkdwn":
        assert "emoji" not in obj


def check_block_kit(message: dict[str, Any]) -> None:
    """Slack's published limits for incoming-webhook messages with blocks."""
    assert set(message) <= {"text", "blocks"}
    assert isinstance(message["text"], str) and message["text"]  # notification fallback
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "context", "divider"}, kind
        if kind == "header":
            assert set(block) == {"type", "text"}
            check_text(block["text"], max_length=150, plain_only=True)
        elif kind == "section":
            assert set(block) <= {"type", "text", "fields", "block_id"}
            assert "text" in block or "fields" in block
            if "text" in block:
                check_text(block["text"], max_length=3000)
            fields = block.get("fields", [])
            assert len(fields) <= 10
            for f in fields:
                check_text(f, max_length=2000)
        elif kind == "context":
            assert set(block) == {"type", "elements"}
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                check_text(element, max_length=2000)


def note(title: str = "BUDGET_EXCEEDED on user u1", summary: str = "Daily budget EXCEEDED",
         **details: Any) -> NewNotification:
    finding = Finding(tenant_id="t1", kind=FindingKind.ANOMALY, finding_id="ca_1",
                      finding_type="BUDGET_EXCEEDED", severity=AlertSeverity.HIGH, title=title,
                      summary=summary, subject="user u1", detected_at=T0, details=details)
    return NewNotification(id="nt_1", tenant_id="t1", route_name="slack", finding=finding,
                           created_at=T0)


def test_a_finding_renders_as_valid_block_kit() -> None:
    message = json.loads(render_body(DestinationKind.SLACK, note(usage_pct=100.0)))
    check_block_kit(message)
    types = [b["type"] for b in message["blocks"]]
    assert types == ["header", "section", "section", "context"]
    assert message["blocks"][0]["text"]["text"] == "BUDGET_EXCEEDED on user u1"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1]
              for f in message["blocks"][1]["fields"]}
    assert fields == {"*Severity*": "high", "*Kind*": "anomaly", "*Type*": "BUDGET_EXCEEDED",
                      "*Subject*": "user u1"}
    assert "nt_1" in message["blocks"][-1]["elements"][0]["text"]


@pytest.mark.parametrize("size", [151, 3001, 50_000])
def test_long_texts_are_cut_to_slack_s_limits(size: int) -> None:
    message = json.loads(render_body(DestinationKind.SLACK, note(
        title="T" * size, summary="S" * size, detail="D" * size)))
    check_block_kit(message)
    assert message["blocks"][0]["text"]["text"].endswith("…")


def test_mrkdwn_control_characters_are_escaped() -> None:
    message = json.loads(render_body(DestinationKind.SLACK, note(summary="<!channel> & <@U1>")))
    text = message["blocks"][1]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text


def test_the_checker_itself_rejects_what_slack_rejects() -> None:
    good = json.loads(render_body(DestinationKind.SLACK, note()))
    bad_header = {**good, "blocks": [{"type": "header", "text": {"type": "mrkdwn",
                                                                  "text": "x"}}]}
    too_long = {**good, "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                  "text": "x" * 3001}}]}
    unknown = {**good, "blocks": [{"type": "banner", "text": "x"}]}
    for message in (bad_header, too_long, unknown):
        with pytest.raises(AssertionError):
            check_block_kit(message)


def test_a_generic_webhook_gets_the_finding_as_json() -> None:
    body = json.loads(render_body(DestinationKind.WEBHOOK, note()))
    assert (body["delivery_id"], body["route"], body["finding"]["severity"]) == (
        "nt_1", "slack", "high")
