"""The composition root: every dependency of the application is a parameter with a default.

The database URL picks the adapter family:

``memory://``                      -> ``costsight.adapters.memory.MemoryStorage``
``sqlite+aiosqlite:///path``       -> ``costsight.adapters.sql.storage.SqlStorage`` (schema
                                      created on first use)
``postgresql+asyncpg://...``       -> ``costsight.adapters.sql.storage.SqlStorage`` (schema
                                      must be migrated)

Tests and embedding code inject what they need (a storage, a clock, the engines) through
:func:`bootstrap`, never through module globals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costsight.core.errors import ValidationError
from costsight.settings import Settings

if TYPE_CHECKING:
    from costsight.core.application import Application
    from costsight.core.plugins.facade import Engines
    from costsight.core.ports import Storage
    from costsight.core.timeutil import Clock

ALLOWED_URLS = "memory://, sqlite+aiosqlite:///PATH, postgresql+asyncpg://USER@HOST:PORT/DB"


def _check_url(url: str) -> None:
    if not url.startswith(("memory://", "sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValidationError("database_url", f"unsupported database URL {url!r}",
                              allowed=ALLOWED_URLS)


async def open_storage(url: str, *, read_only: bool = False,
                       create_schema: bool = True) -> Storage:
    """Open the storage named by ``url``.

    ``read_only`` makes every SQL session refuse writes (MCP server). ``create_schema`` lets an
    empty embedded SQLite database be migrated on first use; a stale schema is refused with
    ``SchemaOutOfDate`` naming ``costsight migrate``.
    """
    _check_url(url)
    if url.startswith("memory://"):
        from costsight.adapters.memory import MemoryStorage

        return MemoryStorage()
    from costsight.adapters.sql.storage import SqlStorage

    return await SqlStorage.open(url, read_only=read_only, create_schema=create_schema)


async def bootstrap(settings_or_url: Settings | str | None = None, *,
                    storage: Storage | None = None, clock: Clock | None = None,
                    plugins: Engines | None = None, read_only: bool = False,
                    create_schema: bool = True, load_entrypoints: bool = True) -> Application:
    """The whole application.

    ``settings_or_url``: a :class:`Settings`, a database URL (other settings from the
    environment), or ``None`` (``COSTSIGHT_*`` environment variables).
    ``storage``: an already open storage (for example ``MemoryStorage()``); when given, the
    URL is not opened. ``clock``: defaults to the system clock. ``plugins``: the engines; by
    default the built-in plugins plus installed third-party ones (entry-point group
    ``costsight``, skipped with ``load_entrypoints=False``), filtered by the settings'
    allow- and block-lists. ``read_only`` and ``create_schema`` are passed to
    :func:`open_storage`.
    """
    # Imported here: a caller that only opens a storage (``costsight ingest``) starts without
    # the engines, the plugins and every service.
    from costsight.core.application import Application
    from costsight.core.plugins.facade import Engines
    from costsight.core.plugins.manager import build_plugin_manager

    if isinstance(settings_or_url, str):
        _check_url(settings_or_url)
        settings = Settings(database_url=settings_or_url)
    else:
        settings = settings_or_url or Settings()
    engine_settings = settings.engine_settings()
    engines = plugins or Engines(build_plugin_manager(engine_settings,
                                                      load_entrypoints=load_entrypoints))
    if storage is None:
        storage = await open_storage(settings.database_url, read_only=read_only,
                                     create_schema=create_schema)
    return Application(storage, clock=clock, settings=engine_settings, engines=engines)


async def migrate_database(url: str) -> tuple[str | None, str | None]:
    """Create or upgrade the schema named by ``url`` (idempotent).

    Returns the schema revision before and after; ``memory://`` has no schema: (None, None).
    """
    _check_url(url)
    if url.startswith("memory://"):
        return None, None
    from costsight.adapters.sql.migrate import current_revision, upgrade

    before = await current_revision(url)
    await upgrade(url)
    return before, await current_revision(url)
