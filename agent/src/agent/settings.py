"""Agent settings, read once from the environment."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator

from todo_core.settings import AuthSettingsMixin, CommonSettings


class Settings(CommonSettings, AuthSettingsMixin):
    PORT: int = Field(default=8002, ge=1, le=65535)
    METRICS_PORT: int = Field(default=9002, ge=0, le=65535)
    # The exact streamable-HTTP endpoint: `/mcp` with no trailing slash (`/mcp/` answers 307).
    MCP_SERVER_URL: str = "http://127.0.0.1:8001/mcp"
    # Set → the OpenAI API (or the OpenAI-compatible server at OPENAI_BASE_URL); unset → the local model.
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_BASE_URL: str | None = None
    AGENT_MODEL: str = "gpt-5-mini"
    # The whole conversation (up to AGENT_HISTORY_MESSAGES of up to 10,000 characters) is one request.
    MAX_BODY_BYTES: int = Field(default=2 * 1024 * 1024, ge=1024)
    # Bounds that keep one chat turn well inside the backend's 60 s agent timeout.
    AGENT_MAX_TURNS: int = Field(default=8, ge=2, le=30)
    AGENT_REQUEST_TIMEOUT_SECONDS: float = Field(default=45.0, gt=0)
    AGENT_HISTORY_MESSAGES: int = Field(default=40, ge=1, le=500)
    MCP_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)
    MCP_MAX_RETRIES: int = Field(default=2, ge=0, le=10)
    # How long the MCP server's tool list is reused before a turn fetches it again (0: every turn).
    MCP_CATALOGUE_SECONDS: float = Field(default=300.0, ge=0)
    OPENAI_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0)
    OPENAI_MAX_RETRIES: int = Field(default=2, ge=0, le=10)

    @field_validator("OPENAI_API_KEY", "OPENAI_BASE_URL", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("MCP_SERVER_URL")
    @classmethod
    def _exact_mcp_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc or not parts.path.endswith("/mcp"):
            raise ValueError(
                f"MCP_SERVER_URL must be the MCP server's exact endpoint, like http://mcp-service:8001/mcp "
                f"(no trailing slash), got {value!r}"
            )
        return value.strip()

    @property
    def uses_openai(self) -> bool:
        return self.OPENAI_API_KEY is not None

    @property
    def model_name(self) -> str:
        return self.AGENT_MODEL if self.uses_openai else "local"

    def _next_to_mcp(self, path: str) -> str:
        parts = urlsplit(self.MCP_SERVER_URL)
        return urlunsplit((parts.scheme, parts.netloc, parts.path[: -len("/mcp")] + path, "", ""))

    @property
    def mcp_health_url(self) -> str:
        """The MCP server's liveness route, next to its `/mcp` endpoint."""
        return self._next_to_mcp("/health")

    @property
    def mcp_token_check_url(self) -> str:
        """Where the agent asks whether a token was revoked (mcp_server.auth.token_check)."""
        return self._next_to_mcp("/auth/check")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
