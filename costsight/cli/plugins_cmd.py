"""``costsight plugins``: the loaded plugins, where each came from and the hooks it implements.

Loads the plugins exactly as the other commands do (``COSTSIGHT_PLUGINS`` and
``COSTSIGHT_DISABLED_PLUGINS`` apply) but opens no database.
"""

from __future__ import annotations

import argparse

from rich.markup import escape

from costsight.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    print_json,
    settings,
    stderr_console,
    stdout_console,
)
from costsight.cli.render import plugin_table, plugins_json
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("plugins", help="list the loaded plugins and their hooks",
                            description="List every loaded plugin (built-in or installed "
                                        "through the 'costsight' entry points) with the hooks "
                                        "it implements, and the plugins that failed to load. "
                                        "Needs no database.")
    p.add_argument("--json", action="store_true",
                   help='print {"plugins": [{"name", "source", "hooks", ...}], '
                        '"errors": [{"plugin", "error"}]}')
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    engines = Engines(build_plugin_manager(settings().engine_settings()))
    plugins, errors = engines.plugins(), engines.load_errors
    if args.json:
        print_json(plugins_json(plugins, errors))
    else:
        stdout_console().print(plugin_table(plugins))
        err = stderr_console()
        for error in errors:
            err.print("[red]plugin error[/] "
                      + escape(f"plugin {error.plugin!r} skipped: {error.error}"), highlight=False)
    return EXIT_ERROR if errors else EXIT_OK
