"""MCP server test fixtures: the SDK's own client against the real `python -m mcp_server` process.

`mcp_url` (from todo_core's test plugin) is the running server's exact `/mcp` endpoint; the
backend process shares its database, so effects are checked through the REST API.
Helpers come as fixtures (tests are imported with `--import-mode=importlib`, so no helper module).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from todo_harness.accounts import Account, signup
from todo_harness.postgres import fetch, run_sync


@asynccontextmanager
async def mcp_session(
    url: str, token: str | None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> AsyncIterator[ClientSession]:
    """An initialised MCP client session sending `Authorization: Bearer <token>`.

    Open it inside the test body, not in a fixture: its anyio task group must be entered and
    left by the same task.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0), transport=transport) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@dataclass
class McpClient:
    """Tool calls as a given account, each over its own client session (the server is stateless)."""

    url: str
    transport: httpx2.AsyncBaseTransport | None = None

    def session(self, token: str | None) -> Any:
        return mcp_session(self.url, token, transport=self.transport)

    async def call(self, account: Account | str, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        token = account if isinstance(account, str) else account.token
        async with self.session(token) as session:
            return await session.call_tool(tool, arguments)

    async def ok(self, account: Account | str, tool: str, arguments: dict[str, Any]) -> Any:
        """The JSON a successful call returned in its one text block."""
        result = await self.call(account, tool, arguments)
        assert not result.is_error, result.content
        assert len(result.content) == 1
        return json.loads(result.content[0].text)  # type: ignore[union-attr]

    async def error(self, account: Account | str, tool: str, arguments: dict[str, Any]) -> str:
        """The message of a call that must fail as a tool error (isError), not a protocol error."""
        result = await self.call(account, tool, arguments)
        assert result.is_error, result.content
        assert len(result.content) == 1
        return result.content[0].text  # type: ignore[union-attr]


def _eventually(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} not visible after {timeout}s"
        time.sleep(0.02)


@dataclass
class Rest:
    """The backend's REST API, to set up data and to see what the tools really changed.

    The backend commits after its response is sent (FastAPI runs a request-scoped `yield`
    dependency's exit after the response), so a write it answered may not be visible yet to
    the next request; setup writes here wait until they are, so tests never race it.
    """

    client: httpx.Client
    database_url: str

    def signup(self, email: str) -> Account:
        """A new account (call from a sync fixture: it reads the database with asyncio.run)."""
        account = signup(self.client, email)

        def committed() -> bool:
            return bool(run_sync(fetch(self.database_url, "SELECT 1 FROM users WHERE id = $1", account.id)))

        _eventually(committed, f"user {email}")
        return account

    def create(self, account: Account, **fields: Any) -> dict[str, Any]:
        response = self.client.post(account.path(), json=fields, headers=account.headers)
        assert response.status_code == 201, response.text
        task: dict[str, Any] = response.json()
        _eventually(lambda: self.get(account, task["id"]) is not None, f"task {task['id']}")
        return task

    def complete(self, account: Account, task_id: int) -> None:
        response = self.client.patch(account.path(f"/{task_id}/complete"), headers=account.headers)
        assert response.status_code == 200, response.text
        _eventually(lambda: (self.get(account, task_id) or {}).get("completed") is True, f"task {task_id} done")

    def get(self, account: Account, task_id: int) -> dict[str, Any] | None:
        """The task, or None when the backend answers 404 for this user."""
        response = self.client.get(account.path(f"/{task_id}"), headers=account.headers)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def list(self, account: Account) -> list[dict[str, Any]]:
        response = self.client.get(account.path(), params={"limit": 200}, headers=account.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def rest(backend_url: str, db: str) -> Iterator[Rest]:
    """The REST API over a clean database (the MCP server's database too)."""
    with httpx.Client(base_url=backend_url, timeout=10) as client:
        yield Rest(client, db)


@pytest.fixture
def mcp(mcp_url: str) -> McpClient:
    return McpClient(mcp_url)


@pytest.fixture
def alice(rest: Rest) -> Account:
    return rest.signup("alice@example.com")


@pytest.fixture
def bob(rest: Rest) -> Account:
    return rest.signup("bob@example.com")
