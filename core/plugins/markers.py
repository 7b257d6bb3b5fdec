"""The project name and the pluggy markers built from it (one constant, as in pytest and tox)."""

from __future__ import annotations

import pluggy

#: Project name: the pluggy project, the hook prefix and the entry-point group.
PROJECT = "costsight"

#: Marks a hook specification (used only by ``costsight.core.plugins.hookspecs``).
hookspec = pluggy.HookspecMarker(PROJECT)

#: Marks a hook implementation; plugins do ``from costsight.core.plugins import hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT)
