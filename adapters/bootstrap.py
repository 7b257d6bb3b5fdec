"""Composition root: the database URL picks the adapter family.

``memory://``                      -> adapters.memory.MemoryStorage
``sqlite+aiosqlite:///path``       -> adapters.sql.storage.SqlStorage (schema created on first use)
``postgresql+asyncpg://...``       -> adapters.sql.storage.SqlStorage (schema must be migrated)
"""

from __future__ import annotations

from core.errors import ValidationError
from core.ports import Storage

ALLOWED_URLS = "memory://, sqlite+aiosqlite:///PATH, postgresql+asyncpg://USER@HOST:PORT/DB"


async def open_storage(url: str, *, read_only: bool = False,
                       create_schema: bool = True) -> Storage:
    """Open the storage named by ``url``.

    ``read_only`` makes every SQL session refuse writes (MCP server). ``create_schema`` lets an
    empty embedded SQLite database be migrated on first use; a stale schema is refused with
    ``SchemaOutOfDate`` naming ``costsight migrate``.
    """
    if url.startswith("memory://"):
        from adapters.memory import MemoryStorage

        return MemoryStorage()
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        from adapters.sql.storage import SqlStorage

        return await SqlStorage.open(url, read_only=read_only, create_schema=create_schema)
    raise ValidationError("database_url", f"unsupported database URL {url!r}", allowed=ALLOWED_URLS)


async def build_application(settings: object | None = None, *, read_only: bool = False,
                            clock: object | None = None, create_schema: bool = True,
                            load_entrypoints: bool = True):
    """The whole application from settings (default: ``COSTSIGHT_*`` environment variables).

    Storage from ``database_url``; engines from the built-in plugins plus installed
    third-party ones (entry-point group ``costsight``), minus ``disabled_plugins``.
    """
    from adapters.settings import Settings
    from core.application import Application

    settings = settings or Settings()
    storage = await open_storage(settings.database_url, read_only=read_only,  # type: ignore[attr-defined]
                                 create_schema=create_schema)
    return Application(storage, clock=clock, settings=settings.engine_settings(),  # type: ignore[attr-defined]
                       load_entrypoints=load_entrypoints)


async def migrate_database(url: str) -> tuple[str | None, str | None]:
    """Create or upgrade the schema named by ``url`` (idempotent).

    Returns the schema revision before and after; ``memory://`` has no schema: (None, None).
    """
    if url.startswith("memory://"):
        return None, None
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValidationError("database_url", f"unsupported database URL {url!r}",
                              allowed=ALLOWED_URLS)
    from adapters.sql.migrate import current_revision, upgrade

    before = await current_revision(url)
    await upgrade(url)
    return before, await current_revision(url)
