"""Driven adapters: memory (the shipped fakes) and sql (SQLAlchemy Core on Postgres and SQLite).

``costsight.bootstrap`` is the composition root that picks a family from a database URL.
"""
