"""``costsight alerts``: routes from the command line and from ingest, a test POST, delivery
state; secrets never printed, unsafe URLs refused naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.alerts.receiver import running_receiver

SECRET = "whsec-cli-0123456789abcdef"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERT_SECRET", SECRET)


def test_add_list_remove_a_slack_route_without_ever_printing_the_secret(cli) -> None:
    added = cli("alerts", "add", "--tenant", "acme", "--name", "oncall", "--url", SLACK,
                "--destination", "slack", "--anomaly-types", "ABSOLUTE_SPIKE,BUDGET_EXCEEDED",
                "--pattern-types", "none", "--min-severity", "medium",
                "--secret-env", "ALERT_SECRET", "--json")
    assert added.code == 0, added.err
    route = added.json()["route"]
    assert added.json()["inserted"] is True
    assert (route["destination"], route["anomaly_types"], route["pattern_types"],
            route["prediction_types"], route["min_severity"], route["has_secret"]) == (
        "slack", ["ABSOLUTE_SPIKE", "BUDGET_EXCEEDED"], [], None, "medium", True)
    listed = cli("alerts", "list", "--tenant", "acme", "--json")
    human = cli("alerts", "list", "--tenant", "acme")
    assert [r["name"] for r in listed.json()["routes"]] == ["oncall"]
    assert "oncall" in human.out and "set" in human.out
    for result in (added, listed, human):
        assert SECRET not in result.out + result.err
    assert cli("alerts", "remove", "--tenant", "acme", "--name", "oncall").code == 0
    assert cli("alerts", "list", "--tenant", "acme", "--json").json() == {"routes": []}
    gone = cli("alerts", "remove", "--tenant", "acme", "--name", "oncall")
    assert gone.code == 2 and "not found" in gone.err


@pytest.mark.parametrize(("url", "why"), [
    ("http://hooks.example.com/x", "scheme 'http' is not allowed"),
    ("https://127.0.0.1/x", "private, loopback or link-local"),
    ("https://169.254.169.254/latest", "private, loopback or link-local"),
])
def test_unsafe_urls_are_refused_naming_the_field_and_nothing_is_stored(cli, url: str,
                                                                        why: str) -> None:
    result = cli("alerts", "add", "--tenant", "acme", "--name", "x", "--url", url)
    assert result.code == 2 and "url:" in result.err and why in result.err
    assert cli("alerts", "list", "--tenant", "acme", "--json").json() == {"routes": []}


def test_a_missing_secret_variable_is_an_error_naming_the_option(cli) -> None:
    result = cli("alerts", "add", "--tenant", "acme", "--name", "x", "--url", SLACK,
                 "--secret-env", "NO_SUCH_VARIABLE_SET")
    assert result.code == 2 and "--secret-env" in result.err


def test_routes_arrive_as_alert_route_ingest_lines(cli, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    good = {"type": "alert_route", "tenant_id": "acme", "name": "hook",
            "url": "https://hooks.example.com/costsight", "secret": SECRET,
            "prediction_types": ["failure_likelihood"]}
    path = tmp_path / "routes.jsonl"
    path.write_text(json.dumps(good) + "\n")
    first = cli("ingest", str(path), "--json")
    again = cli("ingest", str(path), "--json")
    assert first.code == 0 and again.code == 0, first.err
    assert SECRET not in first.out + first.err
    [route] = cli("alerts", "list", "--tenant", "acme", "--json").json()["routes"]
    assert (route["name"], route["prediction_types"], route["has_secret"]) == (
        "hook", ["failure_likelihood"], True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**good, "name": "internal",
                               "url": "https://10.0.0.8/hook"}) + "\n")
    rejected = cli("ingest", str(bad))
    assert rejected.code == 1 and "url" in rejected.err + rejected.out
    names = [r["name"] for r in cli("alerts", "list", "--tenant", "acme", "--json")
             .json()["routes"]]
    assert names == ["hook"]


def test_test_posts_a_signed_sample_and_deliveries_show_state(
        cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTSIGHT_ALERTS_ALLOW_PRIVATE", "1")
    with running_receiver() as rx:
        assert cli("alerts", "add", "--tenant", "acme", "--name", "local", "--url", rx.url(),
                   "--secret-env", "ALERT_SECRET").code == 0
        sent = cli("alerts", "test", "--tenant", "acme", "--name", "local", "--json")
        assert sent.code == 0, sent.err
        assert sent.json() == {"ok": True, "status": 200, "error": None}
        [req] = rx.requests
        assert req.headers["costsight-signature"].startswith("sha256=")
        assert json.loads(req.body)["finding"]["title"] == "costsight test alert"
    nothing = cli("alerts", "deliveries", "--tenant", "acme", "--status", "pending", "--json")
    assert nothing.json() == {"notifications": [], "next_cursor": None}
    dispatched = cli("alerts", "dispatch", "--once", "--json")
    assert dispatched.json() == {"sent": 0, "retried": 0, "dead": 0, "stale": 0}
