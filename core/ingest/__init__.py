"""Streaming ingest: line sources, record parsing and validation, batched port writes."""
