"""Tenant scope of the MCP server: the shared ``costsight.core.tenant_scope`` (the OTLP receiver
uses the same scopes, and must not import the MCP server)."""

from __future__ import annotations

from costsight.core.tenant_scope import ALL_TENANTS, TenantScope, one_tenant

__all__ = ["ALL_TENANTS", "TenantScope", "one_tenant"]
