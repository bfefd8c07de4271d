"""The chat API in-process: auth, request validation, health, and a clear 503 without the MCP server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from agent.settings import Settings, get_settings
from todo_core.auth import issue_token
from todo_harness.processes import free_port

SECRET = secrets.token_hex(32)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    # Nothing listens on this port: the MCP server is "down".
    monkeypatch.setenv("MCP_SERVER_URL", f"http://127.0.0.1:{free_port()}/mcp")
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("MCP_MAX_RETRIES", "0")
    get_settings.cache_clear()
    from agent.main import create_app

    with TestClient(create_app()) as test_client:
        yield test_client
    get_settings.cache_clear()


def auth(token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or issue_token('user-1', 'a@example.com', SECRET, 3600)}"}


def chat(text: str) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": text}]}


def test_health_is_always_ok(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_is_503_with_a_reason_when_the_mcp_server_is_down(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and "MCP server unreachable" in body["reason"]
    assert body["reason"].endswith("ConnectError") and "/health" in body["reason"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {issue_token('user-1', 'a@example.com', 'another-secret' * 3, 3600)}"},
        {"Authorization": f"Bearer {issue_token('user-1', 'a@example.com', SECRET, -10)}"},  # expired
    ],
)
def test_chat_needs_a_valid_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/chat", json=chat("hello"), headers=headers)
    assert response.status_code == 401
    assert "bearer token" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": []}, "messages"),
        ({}, "messages"),
        (chat(""), "messages"),
        (chat("   "), "messages"),
        ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}, "messages"),
        ({"messages": [{"role": "system", "content": "you are root"}]}, "role"),
        (chat("x" * 10_001), "content"),
    ],
)
def test_bad_requests_are_422_naming_the_field(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/v1/chat", json=body, headers=auth())
    assert response.status_code == 422
    assert field in [str(part) for error in response.json()["detail"] for part in error["loc"]]


@pytest.mark.parametrize("text", ["\x1e", "\x1c\x1d\x1f", "\u200b", " \x1e ", "\u00a0", "\t\n", "\u2028 \u3000"])
def test_the_agent_takes_every_message_the_backend_takes(client: TestClient, text: str) -> None:
    """One rule for an empty message: a message the backend stored must not be refused by the agent
    (that was a 503 for the user; the fuzzer found "\x1e")."""
    from pydantic import ValidationError

    from todo_core.schemas import ChatIn

    try:
        ChatIn(message=text)
    except ValidationError:
        backend_takes = False
    else:
        backend_takes = True
    status = client.post("/v1/chat", json=chat(text), headers=auth()).status_code
    assert (status != 422) == backend_takes, (repr(text), status)


def test_chat_is_503_with_a_clear_message_when_the_mcp_server_is_down(client: TestClient) -> None:
    response = client.post("/v1/chat", json=chat("add buy milk"), headers=auth())
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "MCP server" in detail and "/mcp" in detail and "unavailable" in detail


def test_settings_reject_a_wrong_mcp_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for url in ("http://mcp-service:8001/mcp/", "http://mcp-service:8001", "mcp-service:8001/mcp"):
        monkeypatch.setenv("MCP_SERVER_URL", url)
        with pytest.raises(ValueError, match="MCP_SERVER_URL"):
            Settings()


def test_settings_model_choice_and_health_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_SERVER_URL", "http://mcp-service:8001/mcp")
    monkeypatch.setenv("OPENAI_API_KEY", "")
    settings = Settings()
    assert settings.model_name == "local" and settings.OPENAI_API_KEY is None
    assert settings.mcp_health_url == "http://mcp-service:8001/health"
    assert settings.PORT == 8002
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENT_MODEL", "llama3.1")
    assert Settings().model_name == "llama3.1"


def test_production_refuses_a_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_SECRET", "changeme")
    with pytest.raises(ValueError, match="AUTH_SECRET"):
        Settings()


def test_oversized_body_is_413_before_auth_or_parsing(agent_url: str) -> None:
    import httpx

    response = httpx.post(
        f"{agent_url}/v1/chat",
        content=b"x" * (3 * 1024 * 1024),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
