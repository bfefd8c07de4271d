"""Who may call what: bearer auth before any tool runs, per-user isolation, allowed Host headers."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from mcp.shared.exceptions import MCPError

import todo_core
from todo_core.auth import issue_token
from todo_harness.accounts import Account
from todo_harness.postgres import fetch, run_sync

# Raw JSON-RPC over HTTP, as any client sends it.
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw-test", "version": "0"}},
}
ADD_TASK_CALL = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "tools/call",
    "params": {"name": "add_task", "arguments": {"title": "Sneaky"}},
}


@pytest.fixture
def someone(auth_secret: str) -> Account:
    """A validly signed token for a user id; enough to pass auth (tools are not called with it)."""
    user_id = str(uuid.uuid4())
    return Account(
        id=user_id,
        email="someone@example.com",
        password="",
        token=issue_token(user_id, "someone@example.com", auth_secret, ttl_seconds=3600),
    )


def _post(base_url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        return client.post("/mcp", json=body, headers={**MCP_HEADERS, **(headers or {})})


# ---- authentication ------------------------------------------------------------------------------


def _forged_tokens(account: Account, auth_secret: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": account.id, "email": account.email, "iat": now, "exp": now + 3600}
    return {
        "no header": "",
        "not bearer": f"Basic {account.token}",
        "empty bearer": "Bearer",
        "garbage": "Bearer not-a-jwt",
        "wrong secret": "Bearer " + jwt.encode(claims, "x" * 64, algorithm="HS256"),
        "alg none": "Bearer " + jwt.encode(claims, None, algorithm="none"),
        "expired": "Bearer " + issue_token(account.id, account.email, auth_secret, ttl_seconds=-60),
        "no subject": "Bearer "
        + jwt.encode({k: v for k, v in claims.items() if k != "sub"}, auth_secret, algorithm="HS256"),
    }


@pytest.mark.parametrize(
    "case",
    ["no header", "not bearer", "empty bearer", "garbage", "wrong secret", "alg none", "expired", "no subject"],
)
def test_requests_without_a_valid_token_get_401_json_before_any_tool_runs(
    mcp_base_url: str, db: str, someone: Account, auth_secret: str, case: str
) -> None:
    authorization = _forged_tokens(someone, auth_secret)[case]
    headers = {"Authorization": authorization} if authorization else {}

    for body in (INITIALIZE, ADD_TASK_CALL):
        response = _post(mcp_base_url, body, headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["detail"].startswith("not authenticated")
        assert response.headers["www-authenticate"] == "Bearer"

    assert run_sync(fetch(db, "SELECT count(*) AS n FROM tasks"))[0]["n"] == 0


async def test_the_sdk_client_without_a_token_cannot_connect(mcp: Any) -> None:
    # The raw tests above show the 401; the SDK turns it into an MCPError on initialize.
    with pytest.raises(BaseExceptionGroup) as raised:
        async with mcp.session(None) as session:
            await session.list_tools()
    assert raised.group_contains(MCPError)


def test_a_valid_token_is_accepted_on_a_raw_request(mcp_base_url: str, someone: Account) -> None:
    response = _post(mcp_base_url, INITIALIZE, someone.headers)

    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"] == {
        "name": "todo-mcp-server",
        "title": "Todo Stack tasks",
        "version": todo_core.__version__,
    }


# ---- isolation between users -------------------------------------------------------------------------


async def test_another_users_tasks_are_invisible_and_untouchable(
    mcp: Any, rest: Any, alice: Account, bob: Account
) -> None:
    secret = rest.create(alice, title="Alice's secret plan", tags=["private"], priority="high")
    bobs = rest.create(bob, title="Bob's own task")

    # Listing: no filter and no extra argument reaches Alice's task.
    for arguments in (
        {},
        {"query": "secret"},
        {"tag": "private"},
        {"priority": "high"},
        {"status": "all", "user_id": alice.id},
        {"user_id": alice.id, "owner": alice.email},
    ):
        assert [t["id"] for t in await mcp.ok(bob, "list_tasks", arguments)] in ([bobs["id"]], [])

    # Changing: Alice's id behaves exactly like an id that does not exist, whatever else is passed.
    missing = 4242
    for tool, extra in (("complete_task", {}), ("delete_task", {}), ("update_task", {"title": "Pwned"})):
        for smuggled in ({}, {"user_id": alice.id}):
            arguments = {"task_id": secret["id"], **extra, **smuggled}
            assert await mcp.error(bob, tool, arguments) == f"task {secret['id']} not found"
            assert await mcp.error(bob, tool, {**arguments, "task_id": missing}) == f"task {missing} not found"

    # Adding with a smuggled user id still adds to the caller's own list.
    created = await mcp.ok(bob, "add_task", {"title": "Mine", "user_id": alice.id})
    assert rest.get(bob, created["task_id"]) is not None
    assert rest.get(alice, created["task_id"]) is None

    stored = rest.get(alice, secret["id"])
    assert stored == secret  # not completed, renamed or deleted
    assert [t["id"] for t in rest.list(alice)] == [secret["id"]]


# ---- allowed Host headers (DNS-rebinding protection) ----------------------------------------------------


@pytest.mark.parametrize("host", ["localhost:8001", "127.0.0.1:8001", "[::1]:8001"])
def test_loopback_host_names_are_accepted(mcp_base_url: str, someone: Account, host: str) -> None:
    response = _post(mcp_base_url, INITIALIZE, {**someone.headers, "Host": host})

    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"]["name"] == "todo-mcp-server"


# A deployment's own names are accepted where it lists them (tests/deploy checks the chart and
# compose do; the container and cluster tiers call the server by them); never by default.
@pytest.mark.parametrize(
    "host", ["evil.example:8001", "evil.example", "mcp-service.evil.example:8001", "mcp-service:8001"]
)
def test_an_unlisted_host_gets_421(mcp_base_url: str, someone: Account, host: str) -> None:
    response = _post(mcp_base_url, INITIALIZE, {**someone.headers, "Host": host})

    assert response.status_code == 421, response.text


def test_a_foreign_browser_origin_gets_403(mcp_base_url: str, someone: Account) -> None:
    ok = _post(mcp_base_url, INITIALIZE, {**someone.headers, "Origin": "http://localhost:6274"})
    assert ok.status_code == 200, ok.text

    response = _post(mcp_base_url, INITIALIZE, {**someone.headers, "Origin": "http://evil.example"})
    assert response.status_code == 403, response.text


def test_health_routes_answer_any_host(mcp_base_url: str) -> None:
    with httpx.Client(base_url=mcp_base_url, timeout=10) as client:
        live = client.get("/health", headers={"Host": "10.1.2.3:8001"})  # kubelet probes use the pod IP
        ready = client.get("/health/ready", headers={"Host": "10.1.2.3:8001"})

    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
