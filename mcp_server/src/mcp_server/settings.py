"""MCP server settings, read once from the environment."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from todo_core.settings import AuthSettingsMixin, CommonSettings, DatabaseSettingsMixin

# Host headers the /mcp endpoint accepts (DNS-rebinding protection); `name:*` allows any port.
# By default loopback only (local runs, port-forwards); each deployment lists the names it gives
# the server: the chart its Service (short and fully qualified), compose its service name.
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")


class Settings(CommonSettings, AuthSettingsMixin, DatabaseSettingsMixin):
    PORT: int = Field(default=8001, ge=1, le=65535)
    METRICS_PORT: int = Field(default=9001, ge=0, le=65535)
    # Comma-separated `host[:port]` patterns, e.g. `mcp-service:*,mcp.example.com`.
    MCP_ALLOWED_HOSTS: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS))

    @field_validator("MCP_ALLOWED_HOSTS", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple):
            hosts = [str(part).strip() for part in value if str(part).strip()]
            if not hosts:
                raise ValueError(
                    "MCP_ALLOWED_HOSTS must list at least one host pattern, comma-separated "
                    "(e.g. 'mcp-service:*,localhost:*'); unset it to use the defaults"
                )
            return hosts
        return value

    @property
    def allowed_origins(self) -> list[str]:
        """Browser origins allowed alongside the hosts (an `Origin` header is checked only if sent)."""
        return [f"{scheme}://{host}" for host in self.MCP_ALLOWED_HOSTS for scheme in ("http", "https")]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # DATABASE_URL comes from the environment
