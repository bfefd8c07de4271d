"""Logout revokes the token on every service that accepts tokens: backend, MCP server, agent.

Real processes over real HTTP (the session's backend, mcp-server and agent, one PostgreSQL).
The MCP server and the agent learn of the revocation through PostgreSQL LISTEN/NOTIFY
(todo_core.revocation), so their check is polled for a few seconds before it must say 401.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from todo_harness.accounts import Account, signup
from todo_harness.plugin import LOG_DIR
from todo_harness.postgres import fetch, run_sync
from todo_harness.processes import ServiceProcess

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PROPAGATION_WAIT_SECONDS = 5.0  # generous: how long a notice may take to reach another process


def _mcp_list(mcp_url: str, token: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_tasks", "arguments": {}}}
    return httpx.post(mcp_url, json=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"}, timeout=10)


def _agent_chat(agent_url: str, token: str, message: str = "hello", route: str = "/v1/chat") -> httpx.Response:
    body = {"messages": [{"role": "user", "content": message}]}  # "hello": a turn that needs no tool
    return httpx.post(f"{agent_url}{route}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _seconds_until(check: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < PROPAGATION_WAIT_SECONDS, "the revocation did not arrive"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_revoked_token_is_401_on_every_service(
    client: httpx.Client, alice: Account, mcp_url: str, agent_url: str, db: str
) -> None:
    other = signup(client, "alice-second-device@example.com")  # a different user's token, unaffected
    second = client.post("/api/auth/login", json={"email": alice.email, "password": alice.password}).json()["token"]

    assert client.get("/api/auth/me", headers=alice.headers).status_code == 200
    assert _mcp_list(mcp_url, alice.token).json()["result"]["isError"] is False
    assert _agent_chat(agent_url, alice.token).status_code == 200

    logout = client.post("/api/auth/logout", headers=alice.headers)
    assert logout.status_code == 204, logout.text
    rows = run_sync(fetch(db, "SELECT jti, expires_at FROM revoked_tokens"))
    assert len(rows) == 1

    # The backend that revoked it refuses it at once, on every protected route.
    for method, path in [("GET", "/api/auth/me"), ("GET", alice.path()), ("POST", "/api/auth/logout"),
                         ("GET", f"/api/{alice.id}/conversations")]:  # fmt: skip
        response = client.request(method, path, headers=alice.headers)
        assert response.status_code == 401, (path, response.text)
        assert "revoked" in response.json()["detail"] and response.headers["www-authenticate"] == "Bearer"

    mcp_seconds = _seconds_until(lambda: _mcp_list(mcp_url, alice.token).status_code == 401)
    assert "revoked" in _mcp_list(mcp_url, alice.token).json()["detail"]
    agent_seconds = _seconds_until(lambda: _agent_chat(agent_url, alice.token).status_code == 401)
    assert "revoked" in _agent_chat(agent_url, alice.token).json()["detail"]
    # A turn that calls a tool (the MCP server refuses it) and a streamed turn are refused as plainly.
    for message, route in (("add buy milk", "/v1/chat"), ("hello", "/v1/chat/stream")):
        refused = _agent_chat(agent_url, alice.token, message, route)
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"], (route, refused.text)
    assert client.get(alice.path(), headers={"Authorization": f"Bearer {second}"}).json()["items"] == []
    print(f"\nrevocation seen by mcp-server after {mcp_seconds * 1000:.0f} ms, agent {agent_seconds * 1000:.0f} ms")

    # Only that token: her session on another device and other users carry on.
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    assert _mcp_list(mcp_url, second).status_code == 200
    assert _agent_chat(agent_url, second).status_code == 200
    assert client.get("/api/auth/me", headers=other.headers).status_code == 200


def test_a_restarted_service_still_refuses_a_token_revoked_while_it_was_down(
    client: httpx.Client, alice: Account, service_env: dict[str, str]
) -> None:
    """Revocations are loaded from the table at start, not only heard as notices."""
    assert client.post("/api/auth/logout", headers=alice.headers).status_code == 204
    fresh = ServiceProcess.python_module("mcp-after-logout", "mcp_server", service_env, log_dir=LOG_DIR)
    with fresh.running():
        response = _mcp_list(fresh.url + "/mcp", alice.token)
        assert response.status_code == 401 and "revoked" in response.json()["detail"], response.text


def test_a_fresh_agent_refuses_a_revoked_token_before_it_has_the_tool_catalogue(
    client: httpx.Client, alice: Account, service_env: dict[str, str], mcp_url: str
) -> None:
    """A new agent fetches the MCP tool catalogue with its first caller's token: when the MCP server
    refuses that token, the caller hears 401 "revoked", not 503 "the task service is unavailable"."""
    assert client.post("/api/auth/logout", headers=alice.headers).status_code == 204
    _seconds_until(lambda: _mcp_list(mcp_url, alice.token).status_code == 401)  # the session's MCP server knows
    fresh = ServiceProcess.python_module("agent-after-logout", "agent", service_env, log_dir=LOG_DIR)
    with fresh.running():
        for message, route in (("add buy milk", "/v1/chat"), ("hello", "/v1/chat/stream")):
            refused = _agent_chat(fresh.url, alice.token, message, route)
            assert refused.status_code == 401 and "revoked" in refused.json()["detail"], (route, refused.text)
