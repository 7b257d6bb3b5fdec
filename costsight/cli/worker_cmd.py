"""``costsight worker``: the detection jobs under their leader locks, periodically."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable

import anyio

from costsight.alerting import alert_dispatcher
from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    application,
    print_json,
    settings,
    stdout_console,
)
from costsight.core.services.jobs import JobOutcome, JobRunner, default_jobs

DEFAULT_INTERVAL = 300.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "worker", help="run the detection jobs periodically under leader locks",
        description="Run anomaly detection, forecasts, predictions, patterns and alert "
                    "delivery every interval, each "
                    "under its leader lock: with several workers on one database each job "
                    "runs once per interval. Stops cleanly on SIGTERM / SIGINT.")
    p.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                   help=f"seconds between runs (default {DEFAULT_INTERVAL:g})")
    p.add_argument("--once", action="store_true", help="run every job once and exit")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per job outcome (JSON Lines), or one object with --once")
    p.set_defaults(handler=run)


def _printer(as_json: bool) -> Callable[[JobOutcome], None]:
    out = stdout_console()

    def show(outcome: JobOutcome) -> None:
        if as_json:
            print_json(outcome.as_dict())
        elif not outcome.ran:
            out.print(f"{outcome.tick:%Y-%m-%d %H:%M:%S} {outcome.job}: another worker leads")
        elif outcome.error:
            out.print(f"{outcome.tick:%Y-%m-%d %H:%M:%S} {outcome.job}: [red]failed[/] "
                      f"{outcome.error}")
        else:
            detail = ", ".join(f"{k} {v}" for k, v in outcome.summary.items() if k != "errors")
            out.print(f"{outcome.tick:%Y-%m-%d %H:%M:%S} {outcome.job}: {detail}")
    return show


async def run(args: argparse.Namespace) -> int:
    config = settings()
    async with application(config) as app, alert_dispatcher(app, config) as dispatcher:
        runner = JobRunner(app, default_jobs(app, dispatcher=dispatcher), interval=args.interval)
        if args.once:
            outcomes = await runner.run_once()
            if args.json:
                print_json({"jobs": [o.as_dict() for o in outcomes]})
            else:
                show = _printer(False)
                for outcome in outcomes:
                    show(outcome)
            return EXIT_ERROR if any(o.error for o in outcomes) else EXIT_OK
        async with anyio.create_task_group() as group:
            group.start_soon(_stop_on_signal, group.cancel_scope)
            await runner.run_forever(_printer(args.json))
    return EXIT_OK


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()
            return
