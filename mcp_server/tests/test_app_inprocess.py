"""In-process tests of the ASGI app (httpx2.ASGITransport): failure paths that need no real database.

A database that does not answer must give tool errors and a 503 readiness within the
configured timeouts, never a hang.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from mcp_server.settings import Settings, get_settings
from todo_core.auth import issue_token

SECRET = "t" * 64
BASE = "http://127.0.0.1:8001"


@pytest.fixture
def silent_database() -> Iterator[str]:
    """A port that accepts TCP connections and never answers: the worst kind of outage."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"postgresql://todo:todo@127.0.0.1:{listener.getsockname()[1]}/todo"


@pytest.fixture
def create_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Settings], Starlette]]:
    # Importing mcp_server.main builds the module-level app from the environment; give it a URL
    # (that app is never started here).
    monkeypatch.setenv("DATABASE_URL", "postgresql://unused@127.0.0.1:1/unused")
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    from mcp_server.main import create_app

    # ...and configures process-wide JSON logging to the current stderr: keep pytest's instead.
    root.handlers[:], root.level = handlers, level
    yield create_app
    get_settings.cache_clear()


def _settings(database_url: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url, AUTH_SECRET=SECRET, DB_CONNECT_TIMEOUT=0.5, DB_POOL_TIMEOUT=0.5,
        MCP_ALLOWED_HOSTS=["127.0.0.1:*", "mcp-service:*"],
    )  # fmt: skip


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE, timeout=20) as client,
    ):
        yield client


def _token() -> str:
    return issue_token("user-1", "user@example.com", SECRET, ttl_seconds=600)


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


async def test_health_is_200_and_readiness_503_json_when_the_database_does_not_answer(
    create_app: Callable[[Settings], Starlette], silent_database: str
) -> None:
    async with running(create_app(_settings(silent_database))) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        started = time.monotonic()
        ready = await client.get("/health/ready")

    assert time.monotonic() - started < 5
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable" and "database" in ready.json()["reason"]


async def test_a_tool_call_during_a_database_outage_is_a_prompt_tool_error(
    create_app: Callable[[Settings], Starlette], silent_database: str
) -> None:
    async with running(create_app(_settings(silent_database))) as client:
        started = time.monotonic()
        response = await client.post(
            "/mcp", json=_call("add_task", {"title": "Buy milk"}),
            headers={**MCP_HEADERS, "Authorization": f"Bearer {_token()}"},
        )  # fmt: skip

    assert time.monotonic() - started < 10
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["isError"] is True
    assert result["content"][0]["text"] == "database unavailable, try again shortly"


async def test_auth_and_host_checks_in_process(
    create_app: Callable[[Settings], Starlette], silent_database: str
) -> None:
    body = _call("list_tasks", {})
    async with running(create_app(_settings(silent_database))) as client:
        unauthenticated = await client.post("/mcp", json=body, headers=MCP_HEADERS)
        wrong_host = await client.post(
            "/mcp", json=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {_token()}", "Host": "evil:8001"}
        )
        trailing_slash = await client.post("/mcp/", json=body, headers=MCP_HEADERS)

    assert unauthenticated.status_code == 401
    assert unauthenticated.json() == {"detail": "not authenticated: missing Authorization header"}
    assert wrong_host.status_code == 421
    assert trailing_slash.status_code == 307  # the endpoint is exactly /mcp
    assert json.loads((await _not_found(create_app, silent_database)).text) == {"detail": "Not Found"}


async def _not_found(create_app: Callable[[Settings], Starlette], database_url: str) -> httpx2.Response:
    async with running(create_app(_settings(database_url))) as client:
        return await client.get("/nope")
