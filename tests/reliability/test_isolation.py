"""Isolation matrix: two users, every REST route, every MCP tool and chat → zero cross-user reads
or writes; bad tokens (expired, forged, wrong secret, `alg: none`, ...) rejected by every service.

The route and tool lists come from the running services (`/openapi.json`, `tools/list`), so a new
route or tool that the matrix does not cover fails the test instead of being skipped silently.
Alice's rows are snapshotted from the database before Bob's attempts and compared afterwards.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from todo_core.auth import issue_token
from todo_harness.accounts import Account, signup
from todo_harness.postgres import fetch, run_sync

sys.path.insert(0, str(Path(__file__).parent))
from _stack import MCP_HEADERS, call_tool, rpc

PUBLIC = {"health", "health_ready", "signup", "login"}  # no user data behind them


@pytest.fixture
def client(backend_url: str, agent_url: str, db: str) -> httpx.Client:
    with httpx.Client(base_url=backend_url, timeout=60) as http:
        yield http


@pytest.fixture
def alice(client: httpx.Client) -> Account:
    return signup(client, "alice@example.com")


@pytest.fixture
def bob(client: httpx.Client) -> Account:
    return signup(client, "bob@example.com")


@pytest.fixture
def alice_data(client: httpx.Client, alice: Account) -> dict[str, Any]:
    plain = client.post(alice.path(), json={"title": "Alice secret plan", "tags": ["private"]}, headers=alice.headers)
    repeating = client.post(
        alice.path(), json={"title": "Alice weekly review", "recurrence": "weekly", "priority": "high"},
        headers=alice.headers,
    )  # fmt: skip
    reply = client.post(
        f"/api/{alice.id}/chat", json={"message": "Add a task to hide the treasure"}, headers=alice.headers
    )
    assert reply.status_code == 200, reply.text
    return {
        "task_ids": [plain.json()["id"], repeating.json()["id"]],
        "conversation_id": reply.json()["conversation_id"],
    }


def _snapshot(database_url: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    queries = {
        "users": "SELECT * FROM users WHERE id = $1",
        "tasks": "SELECT * FROM tasks WHERE user_id = $1 ORDER BY id",
        "conversations": "SELECT * FROM conversations WHERE user_id = $1 ORDER BY id",
        "messages": "SELECT * FROM messages WHERE user_id = $1 ORDER BY id",
    }
    return {name: [dict(r) for r in run_sync(fetch(database_url, sql, user_id))] for name, sql in queries.items()}


def _operations(client: httpx.Client) -> dict[str, tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {
        op["operationId"]: (method.upper(), path) for path, ops in spec["paths"].items() for method, op in ops.items()
    }


# Bodies that would be valid for Bob's own resources, so only ownership can stop them.
BODIES: dict[str, Any] = {
    "create_task": {"title": "intruder"},
    "update_task": {"title": "hijacked", "priority": "low"},
    "chat": {"message": "Show me all my tasks"},
}


def test_rest_matrix_no_cross_user_access(
    client: httpx.Client, alice: Account, bob: Account, alice_data: dict[str, Any], db: str
) -> None:
    before = _snapshot(db, alice.id)
    operations = _operations(client)
    covered: set[str] = set()
    alice_task = alice_data["task_ids"][0]

    for op_id, (method, template) in operations.items():
        if op_id in PUBLIC or "{user_id}" not in template:
            continue
        # 1. Bob's token on Alice's path: 403 before anything is read.
        path = template.format(user_id=alice.id, task_id=alice_task, conversation_id=alice_data["conversation_id"])
        response = client.request(method, path, json=BODIES.get(op_id), headers=bob.headers)
        assert response.status_code == 403, (op_id, response.status_code, response.text)
        # 2. Bob's own path with Alice's ids: exactly like ids that never existed.
        if "{task_id}" in template or "{conversation_id}" in template:
            mine = template.format(user_id=bob.id, task_id=alice_task, conversation_id=alice_data["conversation_id"])
            never = template.format(user_id=bob.id, task_id=999_999, conversation_id=999_999)
            theirs = client.request(method, mine, json=BODIES.get(op_id), headers=bob.headers)
            missing = client.request(method, never, json=BODIES.get(op_id), headers=bob.headers)
            assert theirs.status_code == missing.status_code == 404, (op_id, theirs.text, missing.text)
            assert theirs.json()["detail"].replace(str(alice_task), "N").replace(
                str(alice_data["conversation_id"]), "N"
            ) == missing.json()["detail"].replace("999999", "N"), (op_id, theirs.text, missing.text)
        covered.add(op_id)

    # Chat into Alice's conversation from Bob's own path.
    chat = client.post(
        f"/api/{bob.id}/chat",
        json={"message": "show my tasks", "conversation_id": alice_data["conversation_id"]},
        headers=bob.headers,
    )
    assert chat.status_code == 404, chat.text
    # Bob's lists hold nothing of Alice's.
    assert client.get(bob.path(), params={"q": "Alice"}, headers=bob.headers).json()["total"] == 0
    conversations = client.get(f"/api/{bob.id}/conversations", headers=bob.headers).json()
    assert alice_data["conversation_id"] not in {c["id"] for c in conversations}
    # /api/auth/me is the caller, whatever else is sent.
    me = client.get("/api/auth/me", params={"user_id": alice.id}, headers=bob.headers).json()
    assert me["id"] == bob.id and me["email"] == bob.email
    covered.add("me")
    # Login needs Alice's password, and says the same for a wrong password as for no account.
    wrong = client.post("/api/auth/login", json={"email": alice.email, "password": "not-her-password"})
    nobody = client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "not-her-password"})
    assert wrong.status_code == nobody.status_code == 401 and wrong.json() == nobody.json()
    # Signing up with Alice's email (any case) does not take over her account.
    taken = client.post("/api/auth/signup", json={"email": alice.email.upper(), "password": "another-pass-1"})
    assert taken.status_code == 409
    # Logging out ends the caller's own token only: Alice stays signed in.
    assert client.post("/api/auth/logout", headers=bob.headers).status_code == 204
    assert client.get("/api/auth/me", headers=bob.headers).status_code == 401
    assert client.get("/api/auth/me", headers=alice.headers).json()["id"] == alice.id
    covered.add("logout")

    assert covered == set(operations) - PUBLIC, set(operations) - PUBLIC - covered
    assert _snapshot(db, alice.id) == before


def test_mcp_matrix_no_cross_user_access(
    client: httpx.Client, alice: Account, bob: Account, alice_data: dict[str, Any], db: str, mcp_url: str
) -> None:
    before = _snapshot(db, alice.id)
    http = httpx.Client(timeout=30)
    listed = http.post(mcp_url, json=rpc("tools/list"), headers={**MCP_HEADERS, **bob.headers}).json()
    tools = {tool["name"] for tool in listed["result"]["tools"]}
    for tool in listed["result"]["tools"]:
        assert "user_id" not in tool["inputSchema"].get("properties", {}), tool["name"]

    attempts: dict[str, list[dict[str, Any]]] = {
        "list_tasks": [{}, {"query": "Alice"}, {"tag": "private"}, {"priority": "high"}, {"status": "all"}],
        "complete_task": [{"task_id": i} for i in alice_data["task_ids"]],
        "delete_task": [{"task_id": i} for i in alice_data["task_ids"]],
        "update_task": [{"task_id": i, "title": "pwned"} for i in alice_data["task_ids"]],
        "add_task": [{"title": "Bob's own"}],
    }
    assert set(attempts) == tools, tools ^ set(attempts)
    smuggled = [{}, {"user_id": alice.id}, {"user": alice.id, "owner": alice.email}]
    for tool, argument_sets in attempts.items():
        for arguments in argument_sets:
            for extra in smuggled:
                outcome = call_tool(http, mcp_url, bob.token, tool, {**arguments, **extra})
                if tool == "list_tasks":
                    assert outcome.ok and all("Bob" in t["title"] for t in outcome.json()), outcome
                elif tool == "add_task":
                    if outcome.ok:  # extra arguments are ignored or refused; never Alice's list
                        task_id = outcome.json()["task_id"]
                        owner = run_sync(fetch(db, "SELECT user_id FROM tasks WHERE id = $1", task_id))
                        assert owner[0]["user_id"] == bob.id
                else:
                    assert outcome.is_error and outcome.text == f"task {arguments['task_id']} not found", outcome
    http.close()
    assert _snapshot(db, alice.id) == before


def test_chat_matrix_no_cross_user_access(
    client: httpx.Client, alice: Account, bob: Account, alice_data: dict[str, Any], db: str
) -> None:
    before = _snapshot(db, alice.id)
    plain, repeating = alice_data["task_ids"]
    messages = [
        "Show me all my tasks",
        "What's pending?",
        f"Mark task {plain} as complete",
        f"Delete task {repeating}",
        f"Change task {plain} to 'pwned by bob'",
        "I finished the secret plan one",
        "Delete the treasure task",
        f"Show tasks of user {alice.id}",
    ]
    conversation_id = None
    for message in messages:
        body: dict[str, Any] = {"message": message}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        response = client.post(f"/api/{bob.id}/chat", json=body, headers=bob.headers)
        assert response.status_code == 200, response.text
        reply = response.json()
        conversation_id = reply["conversation_id"]
        text = json.dumps(reply).lower()
        for secret in ("secret plan", "weekly review", "treasure"):
            if secret not in message.lower():
                assert secret not in text, (message, reply)
        for call in reply["tool_calls"]:
            result = call["result"]
            if call["name"] == "list_tasks":
                assert result in ([], None) or all("alice" not in t["title"].lower() for t in result), call
    assert _snapshot(db, alice.id) == before
    # Alice's conversation still has only her own messages.
    mine = client.get(
        f"/api/{alice.id}/conversations/{alice_data['conversation_id']}/messages", headers=alice.headers
    ).json()
    assert [m["role"] for m in mine] == ["user", "assistant"]


# ---- tokens every service must refuse -------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(user: Account, secret: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": user.id, "email": user.email, "iat": now, "exp": now + 3600, "jti": "bad-token-test"}
    header, payload, signature = user.token.split(".")
    forged_payload = _b64({**jwt.decode(user.token, options={"verify_signature": False}), "sub": "someone-else"})
    return {
        "expired": issue_token(user.id, user.email, secret, ttl_seconds=-60),
        "forged payload": f"{header}.{forged_payload}.{signature}",
        "forged signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "wrong secret": jwt.encode(claims, "x" * 64, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "alg None, signature kept": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{payload}.{signature}",
        "alg none, empty signature": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg HS512": jwt.encode(claims, secret, algorithm="HS512"),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256"),
        "no jti": jwt.encode({k: v for k, v in claims.items() if k != "jti"}, secret, algorithm="HS256"),
        "no sub": jwt.encode({k: v for k, v in claims.items() if k != "sub"}, secret, algorithm="HS256"),
        "empty sub": jwt.encode({**claims, "sub": ""}, secret, algorithm="HS256"),
        "not yet valid": jwt.encode({**claims, "nbf": now + 3600}, secret, algorithm="HS256"),
        "garbage": "not.a.jwt",
        "empty": "",
    }


def test_bad_tokens_are_rejected_by_every_service(
    client: httpx.Client, alice: Account, alice_data: dict[str, Any], auth_secret: str, db: str,
    mcp_url: str, agent_url: str,
) -> None:  # fmt: skip
    before = _snapshot(db, alice.id)
    operations = _operations(client)
    rejected = 0
    for name, token in bad_tokens(alice, auth_secret).items():
        for scheme in ("Bearer", "bearer"):
            headers = {"Authorization": f"{scheme} {token}".strip()}
            for op_id, (method, template) in operations.items():
                if op_id in PUBLIC:
                    continue
                path = template.format(
                    user_id=alice.id, task_id=alice_data["task_ids"][0], conversation_id=alice_data["conversation_id"]
                )
                response = client.request(method, path, json=BODIES.get(op_id), headers=headers)
                assert response.status_code == 401, (name, op_id, response.status_code, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
                rejected += 1
            for body in (rpc("tools/list"), rpc("tools/call", {"name": "list_tasks", "arguments": {}})):
                response = httpx.post(mcp_url, json=body, headers={**MCP_HEADERS, **headers}, timeout=10)
                assert response.status_code == 401, (name, "mcp", response.text)
                rejected += 1
            response = httpx.post(
                agent_url + "/v1/chat",
                json={"messages": [{"role": "user", "content": "Show me all my tasks"}]},
                headers=headers,
                timeout=30,
            )
            assert response.status_code == 401, (name, "agent", response.text)
            rejected += 1
    assert _snapshot(db, alice.id) == before
    print(f"\nbad tokens: {rejected} requests across backend, mcp-server and agent, all 401")


def test_a_valid_token_of_a_user_that_does_not_exist_gets_no_5xx(
    client: httpx.Client, auth_secret: str, db: str, mcp_url: str
) -> None:
    """Signed with the real secret, but the account is gone (deleted, or a database reset)."""
    ghost = Account(
        id="00000000-0000-4000-8000-000000000000",
        email="ghost@example.com",
        password="",
        token=issue_token("00000000-0000-4000-8000-000000000000", "ghost@example.com", auth_secret, 3600),
    )
    for method, path, body in [
        ("GET", "/api/auth/me", None),
        ("GET", ghost.path(), None),
        ("POST", ghost.path(), {"title": "from a ghost"}),
        ("GET", ghost.path("/1"), None),
        ("POST", f"/api/{ghost.id}/chat", {"message": "Add a task to haunt"}),
        ("GET", f"/api/{ghost.id}/conversations", None),
    ]:
        response = client.request(method, path, json=body, headers=ghost.headers)
        assert response.status_code < 500, (method, path, response.status_code, response.text)
    outcome = call_tool(httpx.Client(timeout=10), mcp_url, ghost.token, "add_task", {"title": "from a ghost"})
    assert outcome.status is not None and outcome.status < 500 and not outcome.ok, outcome
    assert run_sync(fetch(db, "SELECT count(*) AS n FROM tasks"))[0]["n"] == 0
