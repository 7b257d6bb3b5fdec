"""The plugin-manager factory: built-ins by module name, third-party plugins by entry point.

Loading never raises for a plugin's fault: a module whose import raises, an entry point that
fails to load, a plugin implementing an unknown hook, or an allowed name that matches no plugin
is recorded in ``PluginManager.load_errors`` (and logged once), and the other plugins load.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
from collections.abc import Callable, Iterable, Iterator

import pluggy

from costsight.core.plugins import hookspecs
from costsight.core.plugins.markers import PROJECT
from costsight.core.plugins.reports import (
    BUILT_IN,
    ENTRY_POINT,
    PluginLoadError,
    PluginOrigin,
    describe_exception,
)
from costsight.core.settings import EngineSettings

log = logging.getLogger(__name__)

#: Built-in plugins, loaded by module name so ``core`` never imports ``plugins`` statically.
#: The module name is also the plugin name used to allow or block one.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "costsight.plugins.anomaly.spike",
    "costsight.plugins.anomaly.drift",
    "costsight.plugins.anomaly.budgets",
    "costsight.plugins.anomaly.causes",
    "costsight.plugins.prediction.failure",
    "costsight.plugins.prediction.cost_overrun",
    "costsight.plugins.prediction.budget_breach",
    "costsight.plugins.patterns.failure_signatures",
    "costsight.plugins.patterns.cost_spikes",
    "costsight.plugins.forecast.exponential",
)


class PluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers where each plugin came from and which failed to load."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, PluginOrigin] = {}
        self.load_errors: list[PluginLoadError] = []

    def load(self, name: str, origin: PluginOrigin, importer: Callable[[], object]) -> bool:
        """Import and register one plugin under ``name``; False (and a load error) on failure."""
        try:
            plugin = importer()
            self.register(plugin, name=name)
            unknown = sorted(c.name for c in self.get_hookcallers(plugin) or ()
                             if not c.has_spec())
            if unknown:
                self.unregister(plugin)
                raise LookupError(f"implements unknown hook(s) {', '.join(unknown)}; "
                                  f"known hooks are costsight_register_*")
        except Exception as exc:  # a broken plugin must not stop the others from loading
            self.report(name, describe_exception(exc))
            return False
        self.origins[name] = origin
        return True

    def report(self, plugin: str, error: str) -> None:
        log.warning("plugin %s skipped: %s", plugin, error)
        self.load_errors.append(PluginLoadError(plugin, error))


def build_plugin_manager(settings: EngineSettings, *, load_entrypoints: bool = True,
                         plugins: Iterable[str] = DEFAULT_PLUGINS) -> PluginManager:
    """A plugin manager with the hookspecs, the built-ins and (optionally) installed plugins.

    ``settings.disabled_plugins`` (``COSTSIGHT_DISABLED_PLUGINS``) blocks plugins by name:
    built-in module names or entry-point names. ``settings.enabled_plugins``
    (``COSTSIGHT_PLUGINS``), when not None, is an allow-list: only the plugins it names load,
    and a name matching no built-in and no entry point is a load error. A plugin named in
    both lists is blocked (the block-list wins). ``load_entrypoints=False`` skips the
    ``costsight`` entry-point group (tests).
    """
    pm = PluginManager()
    for name in settings.disabled_plugins:
        pm.set_blocked(name)
    allowed = settings.enabled_plugins
    seen: set[str] = set()

    def wanted(name: str) -> bool:
        seen.add(name)
        return not pm.is_blocked(name) and (allowed is None or name in allowed)

    for module_name in plugins:
        if wanted(module_name):
            pm.load(module_name, PluginOrigin(BUILT_IN),
                    functools.partial(importlib.import_module, module_name))
    if load_entrypoints:
        _load_entry_points(pm, wanted)
    for name in allowed or ():
        if name not in seen:
            pm.report(name, "named in the allow-list (COSTSIGHT_PLUGINS) but no built-in "
                            f"plugin or '{PROJECT}' entry point has this name")
    return pm


def _entry_points() -> Iterator[tuple[importlib.metadata.Distribution,
                                      importlib.metadata.EntryPoint]]:
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group == PROJECT:
                yield dist, ep


def _load_entry_points(pm: PluginManager, wanted: Callable[[str], bool]) -> None:
    # pluggy's load_setuptools_entrypoints stops at the first entry point that fails to
    # import; loading them one by one keeps the others.
    loaded: dict[str, str] = {}
    for dist, ep in _entry_points():
        distribution = dist.metadata["name"]
        if loaded.get(ep.name) == distribution:
            continue  # the same distribution found twice on sys.path
        owner = loaded.get(ep.name) or ("a built-in plugin" if ep.name in pm.origins else None)
        if owner is not None:
            pm.report(ep.name, f"entry point of {distribution} skipped: the name is already "
                               f"used by {owner}")
            continue
        if not wanted(ep.name):
            continue
        loaded[ep.name] = distribution
        pm.load(ep.name, PluginOrigin(ENTRY_POINT, distribution, dist.version), ep.load)
