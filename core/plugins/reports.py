"""What the plugin system reports: engines that failed in a cycle, plugins that did not load,
and where each loaded plugin came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineFailure:
    """An engine that raised or returned something invalid while running for a tenant.

    A failing detector, predictor or pattern detector loses its findings of that run; a failing
    cause deriver is skipped and the next deriver is tried. The other engines are unaffected.
    """

    engine: str
    tenant_id: str
    error: str

    def describe(self) -> str:
        return f"tenant {self.tenant_id!r}: engine {self.engine!r} failed: {self.error}"


@dataclass(frozen=True)
class PluginLoadError:
    """A plugin skipped for the whole process: its import raised, it registered something
    malformed, or an allowed name matched no plugin."""

    plugin: str
    error: str


#: Where a plugin came from.
BUILT_IN, ENTRY_POINT, IN_CODE = "built-in", "entry point", "in code"


@dataclass(frozen=True)
class PluginOrigin:
    """``source`` is ``built-in``, ``entry point`` (with the distribution's name and version)
    or ``in code`` (registered on the manager by embedding code or a test)."""

    source: str
    distribution: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its name, origin and the hooks it implements (sorted)."""

    name: str
    origin: PluginOrigin
    hooks: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        entry: dict[str, object] = {"name": self.name, "source": self.origin.source,
                                    "hooks": list(self.hooks)}
        if self.origin.source == ENTRY_POINT:
            entry |= {"distribution": self.origin.distribution, "version": self.origin.version}
        return entry


def describe_exception(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
