"""``costsight detect``: run the anomaly, forecast, prediction and pattern cycles once."""

from __future__ import annotations

import argparse

from rich.markup import escape

from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    application,
    as_of_arg,
    print_json,
    stderr_console,
    stdout_console,
)
from costsight.cli.render import (
    anomaly_table,
    engine_error_dict,
    findings_json,
    pattern_table,
    plugin_error_dict,
    prediction_table,
)
from costsight.cli.render_forecasts import forecast_dict, forecast_table
from costsight.core.services.jobs import detect_all


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("detect", help="run the detection cycles once and print findings",
                            description="Run anomaly, prediction and pattern detection and "
                                        "the spend forecasts once, for one tenant or all, as "
                                        "of an instant (default now).")
    p.add_argument("--tenant", metavar="T", help="one tenant (default: every tenant)")
    p.add_argument("--as-of", metavar="ISO-8601",
                   help="the instant to run as of, with offset, e.g. 2026-01-31T20:00:00+00:00")
    p.add_argument("--json", action="store_true",
                   help='print {"anomalies": [...], "predictions": [...], "patterns": [...], '
                        '"forecasts": [{tenant snapshot summary, "projections": [...]}], '
                        '"engine_errors": [{"engine", "tenant_id", "error"}], '
                        '"plugin_errors": [{"plugin", "error"}]}')
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    as_of = as_of_arg(args.as_of)
    async with application() as app:
        instant = as_of or app.clock.now()
        found = await detect_all(app, args.tenant, instant)
        plugin_errors = app.engines.load_errors
    anomalies, predictions, patterns = found.anomalies, found.predictions, found.patterns
    forecasts = found.forecasts.forecasts
    # In the order the cycles ran: patterns, anomalies, forecasts, predictions.
    engine_errors = found.engine_errors
    err = stderr_console()
    for plugin_error in plugin_errors:
        err.print("[red]plugin error[/] " + escape(f"plugin {plugin_error.plugin!r} skipped: "
                                                   f"{plugin_error.error}"), highlight=False)
    for failure in engine_errors:
        err.print("[red]engine error[/] " + escape(failure.describe()), highlight=False)
    if args.json:
        print_json(findings_json(anomalies.anomalies, predictions.predictions, patterns.feedback)
                   | {"forecasts": [forecast_dict(f) for f in forecasts],
                      "engine_errors": [engine_error_dict(f) for f in engine_errors],
                      "plugin_errors": [plugin_error_dict(e) for e in plugin_errors]})
    else:
        out = stdout_console()
        scope = args.tenant or f"{len(anomalies.tenant_ids)} tenant(s)"
        out.print(f"Detection as of {instant.isoformat()} for {scope}")
        out.print(anomaly_table(anomalies.anomalies))
        out.print(prediction_table(predictions.predictions))
        out.print(pattern_table(patterns.feedback))
        out.print(forecast_table(forecasts))
    return EXIT_ERROR if engine_errors or plugin_errors else EXIT_OK
