"""Settings shared by every Python service (pydantic-settings, read from the environment)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that ship in examples and docs; a production process refuses to start with any of them.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "dev-insecure-secret", "replace-me"}
)
DEV_AUTH_SECRET = "dev-insecure-secret"
MIN_SECRET_LENGTH = 32


class CommonSettings(BaseSettings):
    """Fields every service has. Subclasses add their own and set a PORT default."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=True)

    ENVIRONMENT: Literal["development", "production"] = "development"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    HOST: str = "0.0.0.0"
    PORT: int = Field(default=8000, ge=1, le=65535)
    RELOAD: bool = False
    # Request bodies past this get 413 before they are parsed (todo_core.asgi.BodySizeLimit).
    MAX_BODY_BYTES: int = Field(default=64 * 1024, ge=1024)
    # Prometheus metrics on a port of their own (todo_core.metrics): each service sets its default;
    # 0 picks a free port (tests).
    METRICS_ENABLED: bool = True
    METRICS_PORT: int = Field(default=9000, ge=0, le=65535)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def check_secret(settings: BaseSettings, name: str) -> None:
    """Refuse a placeholder or short secret outside development, naming the variable."""
    value = getattr(settings, name)
    raw = value.get_secret_value() if isinstance(value, SecretStr) else (value or "")
    if getattr(settings, "ENVIRONMENT", "production") == "development":
        return
    if raw.strip().lower() in PLACEHOLDER_SECRETS or len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{name} must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
            f"when ENVIRONMENT=production (generate one with: openssl rand -hex 32)"
        )


class AuthSettingsMixin(BaseSettings):
    AUTH_SECRET: SecretStr = SecretStr(DEV_AUTH_SECRET)
    # Token lifetime; the contract's default is 7 days.
    AUTH_TOKEN_TTL_SECONDS: int = Field(default=7 * 24 * 3600, ge=60)

    @model_validator(mode="after")
    def _reject_placeholder_auth_secret(self) -> AuthSettingsMixin:
        check_secret(self, "AUTH_SECRET")
        return self


class DatabaseSettingsMixin(BaseSettings):
    DATABASE_URL: str = Field(min_length=1)
    # Every wait on the database is bounded, so a request that cannot be served gets its 503 in
    # under 5 s even when PostgreSQL hangs (todo_core.db.create_engine): at most DB_POOL_TIMEOUT
    # + DB_CONNECT_TIMEOUT to get a connection (4.5 s), or DB_STATEMENT_TIMEOUT_MS + 0.5 s for
    # one statement on a connection already held.
    # The pool keeps every connection it opens: an overflow connection is closed as soon as it is
    # handed back, so a steady load above the pool size opened and closed one per request (a
    # PostgreSQL backend process each time): creates at c=32 ran at 445 req/s with 10 + 5
    # overflow, 650 with 15 + 0 (make bench). The same 15 connections at most, per process.
    DB_POOL_SIZE: int = Field(default=15, ge=1, le=100)
    DB_MAX_OVERFLOW: int = Field(default=0, ge=0, le=100)
    DB_POOL_TIMEOUT: float = Field(default=2.5, gt=0)
    DB_CONNECT_TIMEOUT: float = Field(default=2.0, gt=0)
    DB_STATEMENT_TIMEOUT_MS: int = Field(default=3_000, ge=100)


class MigrationSettings(CommonSettings, DatabaseSettingsMixin):
    """Settings of the one-shot migration entry point (`python -m todo_core.migrate`)."""

    MIGRATION_WAIT_SECONDS: float = Field(default=60.0, gt=0)
