"""The plugin-manager factory: built-ins by module name, third-party plugins by entry point."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import pluggy

from costsight.core.plugins import hookspecs
from costsight.core.plugins.markers import PROJECT
from costsight.core.settings import EngineSettings

#: Built-in plugins, loaded by module name so ``core`` never imports ``plugins`` statically.
#: The module name is also the plugin name used to disable one.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "costsight.plugins.anomaly.spike",
    "costsight.plugins.anomaly.drift",
    "costsight.plugins.anomaly.budgets",
    "costsight.plugins.anomaly.causes",
    "costsight.plugins.prediction.failure",
    "costsight.plugins.prediction.cost_overrun",
    "costsight.plugins.patterns.failure_signatures",
    "costsight.plugins.patterns.cost_spikes",
)


def build_plugin_manager(settings: EngineSettings, *, load_entrypoints: bool = True,
                         plugins: Iterable[str] = DEFAULT_PLUGINS) -> pluggy.PluginManager:
    """A plugin manager with the hookspecs, the built-ins and (optionally) installed plugins.

    Plugins named in ``settings.disabled_plugins`` (``COSTSIGHT_DISABLED_PLUGINS``: built-in
    module names or entry-point names) are blocked before anything registers, so they never
    load. ``load_entrypoints=False`` skips the ``costsight`` entry-point group (tests).
    Finally ``check_pending`` rejects implementations of hooks that do not exist.
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in settings.disabled_plugins:
        pm.set_blocked(name)
    for module_name in plugins:
        if pm.is_blocked(module_name):
            continue
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(PROJECT)
    pm.check_pending()
    return pm
