"""PostgreSQL stops while REST and MCP writes are flowing, then comes back.

- during the outage every request fails fast (well under the 3 s connect timeout + margin) with a
  503 JSON body (REST) or a clean "database unavailable" tool error (MCP), never a 500 or a hang;
  readiness answers 503, liveness 200;
- after PostgreSQL is back, backend, mcp-server and the chat path work again within 5 s, with
  the same processes (no restart);
- every write acknowledged before or during the outage is in the database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _stack import Loop, Stack, call_tool, chat, wait_status, wait_until

FAIL_FAST_SECONDS = 5.0  # DB_CONNECT_TIMEOUT is 3 s; a unix socket that is gone fails at once
RECOVERY_SECONDS = 5.0

pytestmark = pytest.mark.slow


def _rest_writer(client: httpx.Client, user: Any) -> Loop:
    def step(i: int) -> tuple[int | None, str, Any, float]:
        title = f"rest write {i}"
        started = time.monotonic()
        try:
            response = client.post(user.path(), json={"title": title}, headers=user.headers)
        except httpx.HTTPError as exc:
            return None, title, repr(exc), time.monotonic() - started
        return response.status_code, title, response.json(), time.monotonic() - started

    return Loop("rest-writer", step)


def _mcp_writer(client: httpx.Client, mcp_url: str, user: Any) -> Loop:
    def step(i: int) -> tuple[str, Any]:
        title = f"mcp write {i}"
        return title, call_tool(client, mcp_url, user.token, "add_task", {"title": title})

    return Loop("mcp-writer", step)


def test_database_outage_fails_fast_and_recovers_without_restart(own_stack: Stack) -> None:
    stack = own_stack
    user = stack.signup()
    pids = {name: svc.process.pid for name, svc in stack.services.items() if svc.process}
    mcp_url = stack.mcp.url + "/mcp"
    backend = httpx.Client(base_url=stack.backend.url, timeout=30)
    mcp = httpx.Client(timeout=30)
    agent = httpx.Client(base_url=stack.agent.url, timeout=30)

    first = chat(backend, user, "Add a task to water the plants")
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]
    task = backend.post(user.path(), json={"title": "before the outage"}, headers=user.headers).json()

    rest_loop, mcp_loop = _rest_writer(backend, user), _mcp_writer(mcp, mcp_url, user)
    rest_loop.start()
    mcp_loop.start()
    time.sleep(1.0)

    stopped_at = time.monotonic()
    stack.stop_db()
    stop_seconds = time.monotonic() - stopped_at

    # ---- during the outage -----------------------------------------------------------------
    probes: dict[str, tuple[int, float, Any]] = {}

    def probe(name: str, method: str, url: str, client: httpx.Client = backend, **kwargs: Any) -> None:
        started = time.monotonic()
        response = client.request(method, url, **kwargs)
        seconds = time.monotonic() - started
        body = response.json()  # JSON, whatever the status
        probes[name] = (response.status_code, seconds, body)

    h = user.headers
    probe("list tasks", "GET", user.path(), headers=h)
    probe("create task", "POST", user.path(), json={"title": "during"}, headers=h)
    probe("get task", "GET", user.path(f"/{task['id']}"), headers=h)
    probe("update task", "PUT", user.path(f"/{task['id']}"), json={"title": "x"}, headers=h)
    probe("toggle task", "PATCH", user.path(f"/{task['id']}/complete"), headers=h)
    probe("delete task", "DELETE", user.path(f"/{task['id']}"), headers=h)
    probe("me", "GET", "/api/auth/me", headers=h)
    probe("login", "POST", "/api/auth/login", json={"email": user.email, "password": user.password})
    probe("signup", "POST", "/api/auth/signup", json={"email": "new@example.com", "password": "long-enough-1"})
    probe("conversations", "GET", f"/api/{user.id}/conversations", headers=h)
    probe("messages", "GET", f"/api/{user.id}/conversations/{conversation_id}/messages", headers=h)
    probe("chat", "POST", f"/api/{user.id}/chat", json={"message": "show my tasks"}, headers=h)
    for name, (status, seconds, body) in probes.items():
        assert status == 503, (name, status, body)
        assert body["detail"] == "database unavailable, try again shortly" and body["request_id"], (name, body)
        assert seconds < FAIL_FAST_SECONDS, (name, seconds)

    tool = call_tool(mcp, mcp_url, user.token, "list_tasks", {})
    assert tool.status == 200 and tool.is_error and "database unavailable" in tool.text, tool
    assert tool.seconds < FAIL_FAST_SECONDS
    probes["mcp list_tasks"] = (200, tool.seconds, tool.text)

    started = time.monotonic()
    direct = agent.post("/v1/chat", json={"messages": [{"role": "user", "content": "Show me all my tasks"}]}, headers=h)
    probes["agent chat"] = (direct.status_code, time.monotonic() - started, direct.json())
    assert direct.status_code in (200, 503), direct.text
    assert probes["agent chat"][1] < FAIL_FAST_SECONDS * 2  # one MCP tool call and a reply

    for svc in (stack.backend, stack.mcp):
        started = time.monotonic()
        ready = httpx.get(svc.url + "/health/ready", timeout=10)
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable", ready.text
        assert time.monotonic() - started < 3.0
    for svc in stack.services.values():
        assert httpx.get(svc.url + "/health", timeout=2).status_code == 200

    time.sleep(1.0)  # the writers keep going against the dead database
    outage_seconds = time.monotonic() - stopped_at

    # ---- PostgreSQL back ------------------------------------------------------------------
    restarted_at = time.monotonic()
    stack.start_db()
    db_start_seconds = time.monotonic() - restarted_at
    up = time.monotonic()
    recovery = {
        "backend ready": wait_status(stack.backend.url + "/health/ready", 200, RECOVERY_SECONDS),
        "mcp ready": wait_status(stack.mcp.url + "/health/ready", 200, RECOVERY_SECONDS),
        "agent ready": wait_status(stack.agent.url + "/health/ready", 200, RECOVERY_SECONDS),
    }
    recovery["backend write"] = wait_until(
        lambda: backend.post(user.path(), json={"title": "after"}, headers=h).status_code == 201, RECOVERY_SECONDS
    )
    recovery["mcp write"] = wait_until(
        lambda: call_tool(mcp, mcp_url, user.token, "add_task", {"title": "after (mcp)"}).ok, RECOVERY_SECONDS
    )
    recovery["chat"] = wait_until(
        lambda: chat(backend, user, "Add a task to call the plumber", conversation_id).status_code == 200,
        RECOVERY_SECONDS,
    )
    total_recovery = time.monotonic() - up
    assert total_recovery < RECOVERY_SECONDS, recovery
    time.sleep(0.5)
    rest_results = rest_loop.finish()
    mcp_results = mcp_loop.finish()

    # Same processes: nothing was restarted.
    assert {name: svc.process.pid for name, svc in stack.services.items() if svc.process} == pids

    # ---- what the writers saw, and what is stored ------------------------------------------
    for status, title, body, seconds in rest_results:
        assert status in (201, 503), (title, status, body)
        assert seconds < FAIL_FAST_SECONDS, (title, seconds)
        if status == 503:
            assert body["detail"] == "database unavailable, try again shortly" and body["request_id"], body
    for title, outcome in mcp_results:
        assert outcome.ok or (outcome.status == 200 and "database unavailable" in outcome.text), (title, outcome)
        assert outcome.seconds < FAIL_FAST_SECONDS, (title, outcome)

    acked = {body["id"]: title for status, title, body, _ in rest_results if status == 201}
    acked |= {o.json()["task_id"]: title for title, o in mcp_results if o.ok}
    acked[task["id"]] = "before the outage"
    stack.assert_kept(user, acked, "after the outage")
    failed = sum(1 for s, *_ in rest_results if s == 503) + sum(1 for _, o in mcp_results if not o.ok)
    messages = backend.get(f"/api/{user.id}/conversations/{conversation_id}/messages", headers=h).json()
    assert [m["role"] for m in messages][:2] == ["user", "assistant"]
    assert messages[-1]["role"] == "assistant" and "plumber" in messages[-1]["content"].lower()

    slowest = max(s for _, s, _ in probes.values())
    print(
        f"\nDB outage: pg stop {stop_seconds:.2f}s, outage {outage_seconds:.1f}s, pg start {db_start_seconds:.2f}s; "
        f"slowest failing request {slowest * 1000:.0f} ms; "
        f"writes acked {len(acked)} (rest {sum(1 for s, *_ in rest_results if s == 201)}, "
        f"mcp {sum(1 for _, o in mcp_results if o.ok)}), refused {failed}, lost 0; "
        + ", ".join(f"{k} {v:.2f}s" for k, v in recovery.items())
        + f"; all recovered {total_recovery:.2f}s after PostgreSQL was up"
    )
    for client in (backend, mcp, agent):
        client.close()
