"""``costsight alerts``: manage alert routes, deliver notifications, show delivery state.

Secrets never appear in output: they are read from an environment variable named by
``--secret-env`` (not from the command line, where ``ps`` and shell history would keep them)
and shown only as ``has_secret``.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from costsight.core.application import Application
    from costsight.core.services.alert_dispatch import AlertDispatcher
    from costsight.settings import Settings

import argparse
import os
import signal
from typing import Any

import anyio
import pydantic
from rich.table import Table

from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    application,
    print_json,
    settings,
    stdout_console,
)
from costsight.core.domain.alerts import AlertRouteView, NewAlertRoute
from costsight.core.errors import ValidationError
from costsight.core.services.alert_routes import AlertRouteService, parse_status

SEVERITIES = ("low", "medium", "high")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "alerts", help="alert routes (webhook, Slack) and notification delivery",
        description="Send findings to people: routes per tenant (a JSON webhook or a Slack "
                    "incoming webhook, filters, an optional HMAC secret), the dispatcher, and "
                    "the state of deliveries.")
    sub = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add or replace a route")
    _tenant(add)
    add.add_argument("--name", required=True, help="the route's name (its key per tenant)")
    add.add_argument("--url", required=True, help="https:// destination URL")
    add.add_argument("--destination", choices=("webhook", "slack"), default="webhook",
                     help="generic JSON webhook (default) or Slack incoming webhook (blocks)")
    for kind in ("anomaly", "prediction", "pattern"):
        add.add_argument(f"--{kind}-types", metavar="TYPES",
                         help=f"comma-separated {kind} types to send (default: all; "
                              "'none' for none)")
    add.add_argument("--min-severity", choices=SEVERITIES, default="low")
    add.add_argument("--secret-env", metavar="VAR",
                     help="name of an environment variable holding the HMAC secret "
                          "(16..256 characters)")
    add.add_argument("--disabled", action="store_true", help="store the route disabled")
    _json(add)
    add.set_defaults(handler=run_add)

    ls = sub.add_parser("list", help="list a tenant's routes (never their secrets)")
    _tenant(ls)
    _json(ls)
    ls.set_defaults(handler=run_list)

    rm = sub.add_parser("remove", help="remove a route")
    _tenant(rm)
    rm.add_argument("--name", required=True)
    _json(rm)
    rm.set_defaults(handler=run_remove)

    test = sub.add_parser("test", help="POST a sample alert to a route now (nothing stored)")
    _tenant(test)
    test.add_argument("--name", required=True)
    _json(test)
    test.set_defaults(handler=run_test)

    dispatch = sub.add_parser("dispatch", help="deliver pending notifications")
    dispatch.add_argument("--once", action="store_true",
                          help="deliver what is due now and exit (default: keep polling)")
    dispatch.add_argument("--poll", type=float, default=5.0, metavar="SECONDS",
                          help="seconds between polls without --once (default 5)")
    _json(dispatch)
    dispatch.set_defaults(handler=run_dispatch)

    deliveries = sub.add_parser("deliveries", help="show notifications and their delivery")
    _tenant(deliveries)
    deliveries.add_argument("--status", choices=("pending", "sent", "dead"))
    deliveries.add_argument("--limit", type=int, default=50)
    _json(deliveries)
    deliveries.set_defaults(handler=run_deliveries)


def _tenant(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tenant", required=True, help="tenant id")


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _types(value: str | None) -> list[str] | None:
    if value is None:
        return None
    if value.strip() == "none":
        return []
    return [t.strip() for t in value.split(",") if t.strip()]


def _service(app: Any) -> AlertRouteService:
    return AlertRouteService(app.storage, app.clock,
                             allow_private=settings().alerts_allow_private)


def _route_table(views: list[AlertRouteView]) -> Table:
    table = Table(title="Alert routes", title_justify="left")
    for column in ("name", "destination", "url", "filters", "min severity", "secret",
                   "enabled"):
        table.add_column(column)
    for v in views:
        filters = "; ".join(f"{kind}: {','.join(types) if types else 'none'}"
                            for kind, types in (("anomaly", v.anomaly_types),
                                                ("prediction", v.prediction_types),
                                                ("pattern", v.pattern_types))
                            if types is not None) or "all"
        table.add_row(v.name, v.destination.value, v.url, filters, v.min_severity.value,
                      "set" if v.has_secret else "-", "yes" if v.enabled else "no")
    return table


async def run_add(args: argparse.Namespace) -> int:
    secret = None
    if args.secret_env:
        secret = os.environ.get(args.secret_env)
        if not secret:
            raise ValidationError("--secret-env", f"environment variable {args.secret_env!r} "
                                  "is not set or empty", allowed="a variable holding the secret")
    try:
        route = NewAlertRoute.model_validate({
            "tenant_id": args.tenant, "name": args.name, "url": args.url,
            "destination": args.destination, "anomaly_types": _types(args.anomaly_types),
            "prediction_types": _types(args.prediction_types),
            "pattern_types": _types(args.pattern_types), "min_severity": args.min_severity,
            "secret": secret, "enabled": not args.disabled})
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc) from None
    async with application() as app:
        view, inserted = await _service(app).add(route)
    if args.json:
        print_json({"route": view.model_dump(mode="json"), "inserted": inserted})
    else:
        stdout_console().print(f"{'added' if inserted else 'replaced'} route {view.name!r} "
                               f"for tenant {view.tenant_id!r} ({view.destination.value})")
    return EXIT_OK


async def run_list(args: argparse.Namespace) -> int:
    async with application() as app:
        views = await _service(app).list_routes(args.tenant)
    if args.json:
        print_json({"routes": [v.model_dump(mode="json") for v in views]})
    else:
        stdout_console().print(_route_table(views))
    return EXIT_OK


async def run_remove(args: argparse.Namespace) -> int:
    async with application() as app:
        await _service(app).remove(args.tenant, args.name)
    if args.json:
        print_json({"removed": args.name, "tenant_id": args.tenant})
    else:
        stdout_console().print(f"removed route {args.name!r} of tenant {args.tenant!r}")
    return EXIT_OK


async def run_test(args: argparse.Namespace) -> int:
    config = settings()
    async with application() as app, _alert_dispatcher(app, config) as dispatcher:
        result = await _service(app).send_test(args.tenant, args.name, dispatcher)
    ok = result.status is not None and 200 <= result.status < 300
    if args.json:
        print_json({"ok": ok, "status": result.status, "error": result.error})
    else:
        stdout_console().print(f"route {args.name!r}: " + (
            f"delivered (HTTP {result.status})" if ok else
            f"[red]failed[/] ({result.error or f'HTTP {result.status}'})"))
    return EXIT_OK if ok else EXIT_ERROR


async def run_dispatch(args: argparse.Namespace) -> int:
    config = settings()
    out = stdout_console()
    async with application() as app, _alert_dispatcher(app, config) as dispatcher:
        if args.once:
            report = await dispatcher.dispatch_once()
            if args.json:
                print_json(report.as_dict())
            else:
                out.print(", ".join(f"{k} {v}" for k, v in report.as_dict().items()))
            return EXIT_OK
        async with anyio.create_task_group() as group:
            group.start_soon(_stop_on_signal, group.cancel_scope)
            while True:
                report = await dispatcher.dispatch_once()
                if report.sent or report.retried or report.dead or report.stale:
                    if args.json:
                        print_json(report.as_dict())
                    else:
                        out.print(", ".join(f"{k} {v}" for k, v in report.as_dict().items()))
                await anyio.sleep(max(args.poll, 0.05))
    return EXIT_OK


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()
            return


async def run_deliveries(args: argparse.Namespace) -> int:
    async with application(read_only=True) as app:
        page = await _service(app).deliveries(args.tenant, status=parse_status(args.status),
                                              limit=args.limit)
    if args.json:
        print_json({"notifications": [n.model_dump(mode="json") for n in page.items],
                    "next_cursor": page.next_cursor})
        return EXIT_OK
    table = Table(title="Notifications", title_justify="left")
    for column in ("delivery id", "route", "kind", "severity", "title", "status", "attempts",
                   "last error"):
        table.add_column(column)
    for n in page.items:
        table.add_row(n.delivery_id, n.route_name, n.kind.value, n.severity.value, n.title,
                      n.status.value, str(n.attempts), n.last_error or "")
    stdout_console().print(table)
    return EXIT_OK


def _alert_dispatcher(app: Application, config: Settings
                      ) -> AbstractAsyncContextManager[AlertDispatcher]:
    """``costsight.alerting.alert_dispatcher``, imported here: it loads httpx, which the other
    commands (ingest above all) need not pay for at start-up."""
    from costsight.alerting import alert_dispatcher

    return alert_dispatcher(app, config)
