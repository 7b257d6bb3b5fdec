"""Alembic environment: runs on a connection handed over by ``costsight.adapters.sql.migrate``.

``costsight migrate`` (and the test fixtures) call ``costsight.adapters.sql.migrate.upgrade(url)``, which
opens an async engine and passes its sync-facing connection in ``config.attributes``. Running
the ``alembic`` command directly also works: the URL then comes from ``sqlalchemy.url``.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from costsight.adapters.sql.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(url: str) -> None:
    from costsight.adapters.sql.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic needs a connection or sqlalchemy.url (costsight migrate "
                           "passes the connection)")
    asyncio.run(_run_from_url(url))


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `costsight migrate`")
run_migrations_online()
