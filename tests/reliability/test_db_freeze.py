"""PostgreSQL frozen mid-flight (SIGSTOP), then thawed (SIGCONT)

A frozen server is the nasty kind of outage: sockets stay open and connects are accepted by the
kernel, but nothing ever answers, so only the client's own timeouts end a wait. While REST and
MCP writers run:

- every request that needs the database answers the usual 503 (REST) or "database unavailable"
  tool error (MCP) within 5 s - also 30 requests at once, more than the pool holds, so pool
  checkout is bounded too - and readiness says 503;
- after the thaw the same processes serve again by themselves;
- every acknowledged write is stored.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _stack import Loop, Stack, call_tool, chat, wait_status, wait_until

FAIL_FAST_SECONDS = 5.0  # the bound for a request while the database is frozen
RECOVERY_SECONDS = 10.0  # generous: how long the test waits for the stack to serve again
DB_UNAVAILABLE = "database unavailable, try again shortly"


def _unavailable(status: int, body: object) -> bool:
    """The 503 a user gets while the database cannot answer, with the request id to quote (issue 19)."""
    return status == 503 and isinstance(body, dict) and body.get("detail") == DB_UNAVAILABLE and "request_id" in body


pytestmark = pytest.mark.slow


def _timed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[int | None, float, Any]:
    started = time.monotonic()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        return None, time.monotonic() - started, repr(exc)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return response.status_code, time.monotonic() - started, body


def test_frozen_database_fails_fast_with_503_and_recovers_on_thaw(own_stack: Stack) -> None:
    stack = own_stack
    user = stack.signup()
    h = user.headers
    pids = {name: svc.process.pid for name, svc in stack.services.items() if svc.process}
    mcp_url = stack.mcp.url + "/mcp"
    backend = httpx.Client(base_url=stack.backend.url, timeout=60)
    mcp = httpx.Client(timeout=60)
    task = backend.post(user.path(), json={"title": "before the freeze"}, headers=h).json()
    first = chat(backend, user, "Add a task to water the plants")
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]

    def rest_step(i: int) -> tuple[int | None, str, Any, float]:
        title = f"rest write {i}"
        status, seconds, body = _timed(backend, "POST", user.path(), json={"title": title}, headers=h)
        return status, title, body, seconds

    def mcp_step(i: int) -> tuple[str, Any]:
        title = f"mcp write {i}"
        return title, call_tool(mcp, mcp_url, user.token, "add_task", {"title": title})

    writers = [Loop("rest-writer", rest_step), Loop("mcp-writer", mcp_step)]
    for writer in writers:
        writer.start()
    time.sleep(1.0)

    frozen = stack.freeze_db()
    assert frozen >= 2, "expected the postmaster and its backends"
    frozen_at = time.monotonic()
    try:
        # ---- one of each kind of request ------------------------------------------------------
        probes = {
            "list tasks": _timed(backend, "GET", user.path(), headers=h),
            "create task": _timed(backend, "POST", user.path(), json={"title": "during"}, headers=h),
            "update task": _timed(backend, "PUT", user.path(f"/{task['id']}"), json={"title": "x"}, headers=h),
            "toggle task": _timed(backend, "PATCH", user.path(f"/{task['id']}/complete"), headers=h),
            "me": _timed(backend, "GET", "/api/auth/me", headers=h),
            "login": _timed(backend, "POST", "/api/auth/login", json={"email": user.email, "password": user.password}),
            "conversations": _timed(backend, "GET", f"/api/{user.id}/conversations", headers=h),
            "chat": _timed(backend, "POST", f"/api/{user.id}/chat", json={"message": "show my tasks"}, headers=h),
        }
        for name, (status, seconds, body) in probes.items():
            assert _unavailable(status, body), (name, status, body, seconds)
            assert seconds < FAIL_FAST_SECONDS, (name, seconds)

        # ---- more requests at once than the pool holds (15) ------------------------------------
        with ThreadPoolExecutor(max_workers=30) as pool:
            burst = list(pool.map(lambda _: _timed(backend, "GET", user.path(), headers=h), range(30)))
        assert all(_unavailable(status, body) for status, _, body in burst), burst
        burst_slowest = max(seconds for _, seconds, _ in burst)
        assert burst_slowest < FAIL_FAST_SECONDS, burst

        tool = call_tool(mcp, mcp_url, user.token, "list_tasks", {})
        assert tool.status == 200 and tool.is_error and "database unavailable" in tool.text, tool
        assert tool.seconds < FAIL_FAST_SECONDS, tool

        readiness = {}
        for svc in (stack.backend, stack.mcp):
            status, seconds, body = _timed(httpx.Client(timeout=30), "GET", svc.url + "/health/ready")
            assert status == 503 and body["status"] == "unavailable", (svc.name, status, body)
            assert seconds < FAIL_FAST_SECONDS, (svc.name, seconds)
            readiness[svc.name] = seconds
        for svc in stack.services.values():
            assert httpx.get(svc.url + "/health", timeout=5).status_code == 200, svc.name
        frozen_for = time.monotonic() - frozen_at
    finally:
        stack.thaw_db()
    thawed_at = time.monotonic()

    # ---- thawed: the same processes serve again ---------------------------------------------
    recovery = {
        "backend ready": wait_status(stack.backend.url + "/health/ready", 200, RECOVERY_SECONDS),
        "mcp ready": wait_status(stack.mcp.url + "/health/ready", 200, RECOVERY_SECONDS),
        "rest write": wait_until(
            lambda: backend.post(user.path(), json={"title": "after"}, headers=h).status_code == 201, RECOVERY_SECONDS
        ),
        "mcp write": wait_until(
            lambda: call_tool(mcp, mcp_url, user.token, "add_task", {"title": "after (mcp)"}).ok, RECOVERY_SECONDS
        ),
        "chat": wait_until(
            lambda: chat(backend, user, "Add a task to call the plumber", conversation_id).status_code == 200,
            RECOVERY_SECONDS,
        ),
    }
    recovered_in = time.monotonic() - thawed_at
    time.sleep(0.5)
    rest_results = writers[0].finish()
    mcp_results = writers[1].finish()
    assert {name: svc.process.pid for name, svc in stack.services.items() if svc.process} == pids

    # ---- what the writers saw, and what is stored --------------------------------------------
    for status, title, body, seconds in rest_results:
        assert status in (201, 503), (title, status, body)
        assert seconds < FAIL_FAST_SECONDS, (title, seconds)
    for title, outcome in mcp_results:
        assert outcome.ok or (outcome.status == 200 and "database unavailable" in outcome.text), (title, outcome)
        assert outcome.seconds < FAIL_FAST_SECONDS, (title, outcome)
    acked = {body["id"]: title for status, title, body, _ in rest_results if status == 201}
    acked |= {o.json()["task_id"]: title for title, o in mcp_results if o.ok}
    acked[task["id"]] = "before the freeze"
    stored = stack.assert_kept(user, acked, "after the freeze")
    refused = [t for s, t, *_ in rest_results if s == 503] + [t for t, o in mcp_results if not o.ok]
    stored_anyway = sorted(set(refused) & set(stored.values()))
    messages = backend.get(f"/api/{user.id}/conversations/{conversation_id}/messages", headers=h).json()
    assert messages[-1]["role"] == "assistant" and "plumber" in messages[-1]["content"].lower()

    slowest = max(seconds for _, seconds, _ in probes.values())
    print(
        f"\nDB frozen {frozen_for:.1f}s ({frozen} processes): slowest request {slowest:.2f}s, "
        f"30-request burst slowest {burst_slowest:.2f}s, MCP tool error {tool.seconds:.2f}s, "
        + ", ".join(f"{k} readiness {v:.2f}s" for k, v in readiness.items())
        + f"; writes acked {len(acked)}, refused {len(refused)} (of which committed after the thaw: "
        f"{len(stored_anyway)}), lost 0; recovery: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in recovery.items())
        + f"; all within {recovered_in:.2f}s of the thaw"
    )
    for client in (backend, mcp):
        client.close()
