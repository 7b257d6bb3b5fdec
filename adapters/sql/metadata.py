"""The one SQLAlchemy ``MetaData`` every costsight table belongs to, with its naming convention
(``tables`` and ``rollup_tables`` define the tables; the migrations build exactly them)."""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
