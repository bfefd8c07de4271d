"""Backend settings, read once from the environment."""

from functools import lru_cache

from pydantic import Field

from todo_core.settings import AuthSettingsMixin, CommonSettings, DatabaseSettingsMixin


class Settings(CommonSettings, AuthSettingsMixin, DatabaseSettingsMixin):
    PORT: int = Field(default=8000, ge=1, le=65535)
    AGENT_URL: str = "http://127.0.0.1:8002"
    # A chat turn may run several tool calls; past this the user gets a 503, never a hang.
    AGENT_TIMEOUT_SECONDS: float = Field(default=60.0, gt=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # DATABASE_URL comes from the environment
