"""Frozen pydantic models of every costsight entity and value object."""
