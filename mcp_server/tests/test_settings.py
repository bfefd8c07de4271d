"""Settings: defaults, MCP_ALLOWED_HOSTS parsing, production secret checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mcp_server.settings import DEFAULT_ALLOWED_HOSTS, Settings

DB = "postgresql://todo@127.0.0.1:5432/todo"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "MCP_ALLOWED_HOSTS", "ENVIRONMENT", "AUTH_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", DB)


def test_defaults_are_loopback_only() -> None:
    """A deployment names its own hosts (the chart's ConfigMap, compose's environment)."""
    settings = Settings()

    assert settings.PORT == 8001
    assert settings.MCP_ALLOWED_HOSTS == list(DEFAULT_ALLOWED_HOSTS) == ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    assert "https://localhost:*" in settings.allowed_origins


def test_allowed_hosts_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", " mcp.example.com , todo-mcp:*,,localhost:8001 ")

    assert Settings().MCP_ALLOWED_HOSTS == ["mcp.example.com", "todo-mcp:*", "localhost:8001"]


def test_an_empty_allowed_hosts_list_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", " , ")

    with pytest.raises(ValidationError, match="MCP_ALLOWED_HOSTS"):
        Settings()


def test_production_refuses_a_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_SECRET", "changeme")

    with pytest.raises(ValidationError, match="AUTH_SECRET"):
        Settings()

    monkeypatch.setenv("AUTH_SECRET", "s" * 64)
    assert Settings().ENVIRONMENT == "production"
