"""Settings from ``COSTSIGHT_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from costsight.core.settings import EngineSettings

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./costsight.db"


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseSettings):
    """Runtime configuration; engine thresholds are ``COSTSIGHT_ENGINE__<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="COSTSIGHT_", env_nested_delimiter="__",
                                      extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    #: what the read-only MCP server reads through when set: a read-only role (``costsight
    #: migrate --create-roles``) or a read replica; else ``database_url``
    read_database_url: str | None = None
    #: comma-separated plugin names to block (built-in or third-party)
    disabled_plugins: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)] = ()
    #: comma-separated plugin names to allow; when set, only these load (the block-list wins)
    plugins: Annotated[tuple[str, ...] | None, NoDecode, BeforeValidator(_comma_list)] = None
    mcp_tokens_file: str | None = None
    #: streamable HTTP: the MCP endpoint as clients reach it (behind TLS / a proxy), named in
    #: the OAuth protected-resource metadata; default http://host:port/mcp
    mcp_public_url: str | None = None
    #: streamable HTTP: the OAuth authorization server listed in that metadata
    mcp_authorization_server: str | None = None
    #: streamable HTTP: a session with no request in flight for this long is closed
    mcp_session_idle_seconds: float = Field(default=300.0, gt=0, allow_inf_nan=False)
    #: streamable HTTP: at most this many open sessions; another one gets 503 until one ends
    mcp_max_sessions: int = Field(default=1000, ge=1)
    #: development only: let alert routes call private, loopback and link-local addresses
    #: (and plain http); never set it where the dispatcher could reach internal services
    alerts_allow_private: bool = False
    #: tries of one notification before it is dead-lettered
    alerts_max_attempts: int = Field(default=8, ge=1, le=100)
    alerts_timeout_seconds: float = Field(default=10.0, gt=0, le=120, allow_inf_nan=False)
    alerts_backoff_base_seconds: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    alerts_backoff_max_seconds: float = Field(default=3600.0, ge=0, allow_inf_nan=False)
    #: a claimed notification not recorded within this long is claimed (and sent) again
    alerts_lease_seconds: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    #: concurrent requests to one destination URL
    alerts_per_destination: int = Field(default=4, ge=1, le=64)
    #: `costsight receive`: bearer tokens -> tenant scopes (the MCP tokens-file format)
    receiver_tokens_file: str | None = None
    #: `costsight receive`: largest request body, compressed or decompressed (413 above)
    receiver_max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    #: `costsight receive`: requests admitted at once; another one gets 503 + Retry-After
    receiver_max_pending: int = Field(default=64, ge=1)
    #: `costsight receive`: units of work writing at once
    receiver_write_concurrency: int = Field(default=4, ge=1, le=64)
    engine: EngineSettings = Field(default_factory=EngineSettings)

    def engine_settings(self) -> EngineSettings:
        """Engine settings with the plugin allow- and block-lists folded in (the names of
        ``COSTSIGHT_PLUGINS`` and ``COSTSIGHT_ENGINE__ENABLED_PLUGINS`` together are allowed)."""
        blocked = tuple(dict.fromkeys((*self.engine.disabled_plugins, *self.disabled_plugins)))
        allowed = self.engine.enabled_plugins
        if self.plugins is not None:
            allowed = tuple(dict.fromkeys((*(allowed or ()), *self.plugins)))
        return self.engine.model_copy(update={"disabled_plugins": blocked,
                                              "enabled_plugins": allowed})
