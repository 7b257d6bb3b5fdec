"""The plugin system: markers, hookspecs, the plugin-manager factory and the Engines facade.

Plugin authors need only ``from costsight.core.plugins import hookimpl`` and the engine types in
``costsight.core.engines``; see ``costsight.core.plugins.hookspecs`` for every hook.
"""

from costsight.core.plugins.markers import PROJECT, hookimpl, hookspec

__all__ = ["PROJECT", "hookimpl", "hookspec"]
