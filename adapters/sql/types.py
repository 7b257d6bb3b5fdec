"""Portable column types: aware-UTC timestamps, JSON, and the database clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on Postgres; on SQLite fixed-width UTC text that sorts in time order.

    Binding a naive datetime raises ``ValueError``: every timestamp must carry an offset.
    Values read back are aware UTC on both dialects.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"expected an aware datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} refused: timestamps must carry a UTC offset")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite's DATETIME storage is 'YYYY-MM-DD HH:MM:SS.ffffff' without offset: UTC.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSONB on Postgres, JSON (text) on SQLite.
PortableJson = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class utc_now(FunctionElement[datetime]):  # named like the SQL function it renders
    """The database's current instant, as a UtcDateTime (server defaults, ``updated_at``)."""

    type = UtcDateTime()
    inherit_cache = True


@compiles(utc_now, "postgresql")
def _utc_now_pg(element: utc_now, compiler: Any, **kw: Any) -> str:
    return "now()"


@compiles(utc_now, "sqlite")
def _utc_now_sqlite(element: utc_now, compiler: Any, **kw: Any) -> str:
    # Same 26-character layout as bound values, so text comparison stays chronological.
    return "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))"
