"""``costsight worker``: the detection jobs under their leader locks, periodically."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from costsight.core.application import Application
    from costsight.core.services.alert_dispatch import AlertDispatcher
    from costsight.settings import Settings

import argparse
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio

from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    application,
    print_json,
    settings,
    stdout_console,
)
from costsight.core.ports.leader_election import JobLock
from costsight.core.services.jobs import Job, JobOutcome, JobRunner, default_jobs

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
    async with application(config) as app, _alert_dispatcher(app, config) as dispatcher:
        jobs = [partition_job(app), *default_jobs(app, dispatcher=dispatcher)]
        runner = JobRunner(app, jobs, interval=args.interval)
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


def partition_job(app: Application) -> Job:
    """The monthly partitions of cost_records ahead of the tick (SQL storage; a no-op on
    SQLite and memory), first at every tick under its own leader lock."""

    async def partitions(as_of: datetime) -> dict[str, Any]:
        from costsight.adapters.sql.storage import SqlStorage

        storage = app.storage
        created = (await storage.ensure_partitions(now=as_of)
                   if isinstance(storage, SqlStorage) else [])
        return {"created": created}

    return Job("partitions", JobLock.PARTITION_MAINTENANCE, partitions)


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()
            return


def _alert_dispatcher(app: Application, config: Settings
                      ) -> AbstractAsyncContextManager[AlertDispatcher]:
    """``costsight.alerting.alert_dispatcher``, imported here: it loads httpx, which the other
    commands (ingest above all) need not pay for at start-up."""
    from costsight.alerting import alert_dispatcher

    return alert_dispatcher(app, config)
