"""``costsight demo``: load the sample workload, replay detection, report what was found."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from costsight.bootstrap import migrate_database
from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    application,
    expected_audit_duplicates,
    print_json,
    settings,
    stdout_console,
)
from costsight.cli.render import anomaly_table, findings_json, pattern_table, prediction_table
from costsight.core.domain.alerts import NewNotification
from costsight.core.timeutil import SystemClock, parse_instant
from costsight.demo import DEFAULT_DAYS, DEFAULT_SEED, DemoWorkload, generate_workload
from costsight.demo.alerts import DEMO_ROUTE, route_preview
from costsight.demo.catalog import QUIET_TENANT, TENANTS
from costsight.demo.generator import REPLAY_DAYS, default_end
from costsight.demo.replay import DayFindings, load_workload, replay_detection

MUST_SHOW = ("ABSOLUTE_SPIKE", "SUSTAINED_DRIFT", "BUDGET_EXCEEDED", "failure_likelihood")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "demo", help="load a sample workload with planted incidents and show what is found",
        description="Write a seeded, deterministic three-tenant workload into the configured "
                    "database (running it again stores nothing twice), replay detection day "
                    "by day over the last days, and report the findings.")
    p.add_argument("--end", metavar="ISO-8601",
                   help="the instant the workload ends at (default: the latest 20:00 UTC)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS,
                   help=f"days of history, at least 30 (default {DEFAULT_DAYS})")
    p.add_argument("--replay-days", type=int, default=REPLAY_DAYS,
                   help=f"days detection is replayed over (default {REPLAY_DAYS})")
    p.add_argument("--write-jsonl", metavar="PATH",
                   help="only write the workload as an ingest file, touch no database")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from costsight.core.errors import ValidationError

    end = parse_instant(args.end, field="--end") if args.end else default_end(SystemClock().now())
    if args.days < 30:
        raise ValidationError("--days", f"{args.days} is too few", allowed=">= 30")
    if not 1 <= args.replay_days <= 14:
        raise ValidationError("--replay-days", f"{args.replay_days}", allowed="1..14")
    workload = generate_workload(end=end, seed=args.seed, days=args.days)
    if args.write_jsonl:
        _write_jsonl(Path(args.write_jsonl), workload)
        stdout_console().print(f"wrote the demo workload to {args.write_jsonl}")
        return EXIT_OK
    config = settings()
    await migrate_database(config.database_url)
    out = stdout_console()
    if not args.json:
        out.print(f"Loading the demo workload (seed {args.seed}, {args.days} days ending "
                  f"{end.isoformat()}) into {_where(config.database_url)} ...")
    async with application(config) as app:
        with expected_audit_duplicates():
            report = await load_workload(app, workload)
        if not report.written:
            for rejection in report.rejections:
                out.print(f"[red]rejected[/] {rejection.describe()}")
            return EXIT_ERROR
        days = await replay_detection(app, workload, days=args.replay_days)
    if args.json:
        print_json({"end": end.isoformat(), "seed": args.seed, "ingest": report.as_dict(),
                    "days": [{"as_of": d.as_of.isoformat(),
                              **findings_json(d.anomalies, d.predictions, d.patterns)}
                             for d in days],
                    "alert_route_preview": {
                        "route": DEMO_ROUTE.name, "tenant_id": DEMO_ROUTE.tenant_id,
                        "notifications": [_preview_dict(n) for n in route_preview(days)]}})
        return EXIT_OK
    out.print(f"stored: {report.inserted} new rows, {report.duplicates} already present "
              f"(cost records, runs, tags, budgets, provenance, audit)")
    _report(days)
    _alert_preview(days)
    _connect_help(config.database_url)
    return EXIT_OK


def _preview_dict(n: NewNotification) -> dict[str, Any]:
    f = n.finding
    return {"as_of": n.created_at.isoformat(), "kind": f.kind.value, "finding_id": f.finding_id,
            "type": f.finding_type, "severity": f.severity.value, "title": f.title}


def _alert_preview(days: list[DayFindings]) -> None:
    out = stdout_console()
    notes = route_preview(days)
    out.print()
    r = DEMO_ROUTE
    out.print(f"[bold]Alerts[/] the route {r.name!r} of tenant {r.tenant_id!r} ({r.destination.value}, "
              f"severity >= {r.min_severity.value}, no patterns) would receive "
              f"{len(notes)} notification(s) over these days:")
    table = Table(title_justify="left")
    for column in ("as of", "kind", "type", "severity", "title"):
        table.add_column(column)
    for n in notes:
        f = n.finding
        table.add_row(f"{n.created_at:%Y-%m-%d}", f.kind.value, f.finding_type,
                      f.severity.value, f.title)
    out.print(table)
    out.print(f"  add it for real: costsight alerts add --tenant {r.tenant_id} --name {r.name} "
              "--destination slack --min-severity high --pattern-types none "
              "--url https://hooks.slack.com/services/... --secret-env ALERT_SECRET",
              soft_wrap=True)


def _write_jsonl(path: Path, workload: DemoWorkload) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in workload.jsonl():
            out.write(line + "\n")


def _report(days: list[DayFindings]) -> None:
    out = stdout_console()
    out.print()
    out.print("[bold]Tenants[/]")
    for tenant in TENANTS:
        out.print(f"  {tenant.tenant_id:<8} {tenant.summary}")
    for day in days:
        out.print()
        out.rule(f"detection as of {day.as_of:%a %Y-%m-%d %H:%M} UTC")
        if not (day.anomalies or day.predictions or day.patterns):
            out.print("nothing found")
            continue
        if day.anomalies:
            out.print(anomaly_table(day.anomalies))
        if day.predictions:
            out.print(prediction_table(day.predictions))
        if day.patterns:
            out.print(pattern_table(day.patterns))
        for error in day.errors:
            out.print(f"[red]engine error[/] {error}")
    found = {a.anomaly_type.value for d in days for a in d.anomalies} | \
        {p.prediction_type for d in days for p in d.predictions}
    quiet = [tenant for d in days
             for tenant in (*(a.tenant_id for a in d.anomalies),
                            *(p.tenant_id for p in d.predictions),
                            *(f.tenant_id for f in d.patterns))
             if tenant == QUIET_TENANT]
    out.print()
    out.print("[bold]Summary[/]")
    for kind in MUST_SHOW:
        mark = "[green]found[/]" if kind in found else "[red]missing[/]"
        out.print(f"  {kind:<20} {mark}")
    out.print(f"  quiet tenant {QUIET_TENANT!r}: "
              + ("[green]no findings[/]" if not quiet else f"[red]{len(quiet)} findings[/]"))


def _where(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def _absolute(url: str) -> str:
    """An SQLite URL with an absolute path, so an MCP client started elsewhere finds the file."""
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + os.path.abspath(url[len(prefix):])
    return url


def _executable() -> str:
    """The absolute path of this ``costsight`` (MCP clients do not start inside the venv)."""
    found = shutil.which("costsight")
    return os.path.abspath(found) if found else os.path.join(sys.prefix, "bin", "costsight")


def _connect_help(url: str) -> None:
    url = _absolute(url)
    exe = _executable()
    config = {"mcpServers": {"costsight": {
        "command": exe, "args": ["serve", "--all-tenants"],
        "env": {"COSTSIGHT_DATABASE_URL": url}}}}
    out = stdout_console()
    out.print()
    out.rule("Connect an MCP client (read-only tools over the same database)")
    out.print("stdio, e.g. in a Claude Desktop / Claude Code MCP configuration:", soft_wrap=True)
    out.print(json.dumps(config, indent=2), soft_wrap=True, markup=False)
    out.print(f"from a shell:     COSTSIGHT_DATABASE_URL={url} {exe} serve --all-tenants",
              soft_wrap=True, markup=False)
    out.print(f"streamable HTTP:  {exe} serve --transport streamable-http --all-tenants "
              "--tokens-file tokens.json   (then http://127.0.0.1:8765/mcp)",
              soft_wrap=True, markup=False)
    out.print('try asking: "any open cost anomalies for acme?", "which workers are predicted '
              'to fail?", "how far does the V2 cost simulator drift from V1 for globex?"',
              soft_wrap=True, markup=False)
