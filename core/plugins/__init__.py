"""The plugin system: markers, hookspecs, the plugin-manager factory and the Engines facade.

Plugin authors need only ``from core.plugins import hookimpl`` and the engine types in
``core.engines``; see ``core.plugins.hookspecs`` for every hook.
"""

from core.plugins.markers import PROJECT, hookimpl, hookspec

__all__ = ["PROJECT", "hookimpl", "hookspec"]
