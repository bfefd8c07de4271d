"""Backend settings, read once from the environment."""

from functools import lru_cache

from pydantic import Field

from todo_core.ratelimit import Limit
from todo_core.settings import AuthSettingsMixin, CommonSettings, DatabaseSettingsMixin


class Settings(CommonSettings, AuthSettingsMixin, DatabaseSettingsMixin):
    PORT: int = Field(default=8000, ge=1, le=65535)
    METRICS_PORT: int = Field(default=9000, ge=0, le=65535)
    AGENT_URL: str = "http://127.0.0.1:8002"
    # A chat turn may run several tool calls; past this the user gets a 503, never a hang.
    AGENT_TIMEOUT_SECONDS: float = Field(default=60.0, gt=0)
    # Brute-force limits on login (failed attempts) and sign-up (every attempt), per account
    # (email) and per client address, in one window; past them 429 with Retry-After.
    AUTH_RATE_WINDOW_SECONDS: int = Field(default=15 * 60, ge=1)
    AUTH_RATE_LIMIT_PER_ACCOUNT: int = Field(default=5, ge=1)
    AUTH_RATE_LIMIT_PER_ADDRESS: int = Field(default=30, ge=1)
    # Proxies whose X-Forwarded-For names the client (uvicorn's setting): the frontend's address(es),
    # comma-separated, or "*" where only the frontend can reach the backend.
    FORWARDED_ALLOW_IPS: str = "127.0.0.1"

    @property
    def login_limits(self) -> tuple[Limit, Limit]:
        window = self.AUTH_RATE_WINDOW_SECONDS
        return Limit(self.AUTH_RATE_LIMIT_PER_ACCOUNT, window), Limit(self.AUTH_RATE_LIMIT_PER_ADDRESS, window)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # DATABASE_URL comes from the environment
