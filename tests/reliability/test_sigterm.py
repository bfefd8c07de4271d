"""SIGTERM with requests in flight: they complete, then the process exits within the grace period.

The chart gives pods `terminationGracePeriodSeconds: 30` (5 s of it a preStop sleep); the shared
launcher (`todo_core.server`) tells uvicorn to drain for at most 20 s. A request is held in flight
with a slow upload: the headers and part of the body go out, SIGTERM is sent, then the rest of
the body trickles in. Each service is tested on its own, with the services it calls still up.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import pytest

from todo_core.server import GRACEFUL_SHUTDOWN_SECONDS
from todo_harness.processes import ServiceProcess, http_status

sys.path.insert(0, str(Path(__file__).parent))
from _stack import MCP_HEADERS, SlowRequest, Stack, tool_call

CHART_GRACE_SECONDS = 30
UPLOAD_SECONDS = 2.0
# uvicorn finishes its graceful shutdown and then re-raises the signal it caught, so a clean exit
# after SIGTERM shows as -15 (a SIGKILL after the grace period would be -9).
EXITED_ON_SIGTERM = (0, -signal.SIGTERM)

pytestmark = pytest.mark.slow


def _json_body(payload: object, size: int = 4096) -> bytes:
    """`payload` as JSON, padded with whitespace (still valid JSON) so it can be sent in pieces."""
    return json.dumps(payload).encode().ljust(size)


def _sigterm(service: ServiceProcess) -> float:
    service.signal(signal.SIGTERM)
    return time.monotonic()


def _wait_exit(service: ServiceProcess, since: float) -> tuple[int, float]:
    assert service.process is not None
    code = service.process.wait(timeout=CHART_GRACE_SECONDS + 5)
    seconds = time.monotonic() - since
    service.process = None
    return code, seconds


def _drain(service: ServiceProcess, requests: list[SlowRequest]) -> tuple[list[tuple[int, dict, bytes]], int, float]:
    for request in requests:
        request.send(200)  # headers and the start of the body: the request is in flight
    time.sleep(0.2)
    signalled = _sigterm(service)
    time.sleep(0.3)
    # Draining: the listening socket is closed, so a load balancer's new connections go elsewhere.
    assert http_status(service.url + "/health", timeout=1) is None
    for request in requests:
        request.finish_slowly(UPLOAD_SECONDS / len(requests))
    responses = [request.response() for request in requests]
    code, seconds = _wait_exit(service, signalled)
    return responses, code, seconds


def test_backend_finishes_a_task_write_and_a_chat_turn_then_exits(own_stack: Stack) -> None:
    stack = own_stack
    user = stack.signup()
    headers = {"Content-Type": "application/json", **user.headers}
    task = SlowRequest(stack.backend.url, user.path(), _json_body({"title": "written while draining"}), headers)
    turn = SlowRequest(
        stack.backend.url, f"/api/{user.id}/chat", _json_body({"message": "Add a task to lock the door"}), headers
    )

    (task_response, chat_response), code, seconds = _drain(stack.backend, [task, turn])

    assert task_response[0] == 201, task_response
    assert chat_response[0] == 200, chat_response
    created = json.loads(task_response[2])
    reply = json.loads(chat_response[2])
    stored = {r["title"] for r in stack.query("SELECT title FROM tasks WHERE user_id = $1", user.id)}
    assert {created["title"], "Lock the door"} <= stored
    roles = [r["role"] for r in stack.query("SELECT role FROM messages WHERE user_id = $1 ORDER BY id", user.id)]
    assert roles == ["user", "assistant"] and reply["conversation_id"]
    assert code in EXITED_ON_SIGTERM, code
    assert seconds < UPLOAD_SECONDS + 5, f"exited {seconds:.1f}s after SIGTERM; the requests were done long before"
    print(f"\nSIGTERM backend: 2 in-flight requests completed, exit code {code} after {seconds:.2f}s")


def test_mcp_server_finishes_a_tool_call_then_exits(own_stack: Stack) -> None:
    stack = own_stack
    user = stack.signup()
    call = SlowRequest(
        stack.mcp.url,
        "/mcp",
        _json_body(tool_call("add_task", {"title": "added while draining"})),
        {**MCP_HEADERS, **user.headers},
    )

    [(status, _headers, body)], code, seconds = _drain(stack.mcp, [call])

    assert status == 200, body
    result = json.loads(body)["result"]
    assert not result.get("isError"), result
    task_id = json.loads(result["content"][0]["text"])["task_id"]
    assert stack.query("SELECT title FROM tasks WHERE id = $1", task_id)[0]["title"] == "added while draining"
    assert code in EXITED_ON_SIGTERM, code
    assert seconds < UPLOAD_SECONDS + 5
    print(f"\nSIGTERM mcp-server: in-flight tool call completed, exit code {code} after {seconds:.2f}s")


def test_agent_finishes_a_chat_turn_then_exits(own_stack: Stack) -> None:
    stack = own_stack
    user = stack.signup()
    turn = SlowRequest(
        stack.agent.url,
        "/v1/chat",
        _json_body({"messages": [{"role": "user", "content": "Add a task to feed the cat"}]}),
        {"Content-Type": "application/json", **user.headers},
    )

    [(status, _headers, body)], code, seconds = _drain(stack.agent, [turn])

    assert status == 200, body
    [call] = json.loads(body)["tool_calls"]
    assert call["name"] == "add_task" and call["result"]["title"] == "Feed the cat"
    assert stack.query("SELECT count(*) AS n FROM tasks WHERE user_id = $1", user.id)[0]["n"] == 1
    assert code in EXITED_ON_SIGTERM, code
    assert seconds < UPLOAD_SECONDS + 5
    print(f"\nSIGTERM agent: in-flight chat turn completed, exit code {code} after {seconds:.2f}s")


def test_a_request_that_never_finishes_is_cut_at_the_drain_deadline(own_stack: Stack) -> None:
    """A stuck client cannot hold the pod past its grace period: uvicorn gives up after 20 s."""
    stack = own_stack
    user = stack.signup()
    stuck = SlowRequest(
        stack.backend.url,
        user.path(),
        _json_body({"title": "never sent in full"}),
        {"Content-Type": "application/json", **user.headers},
    )
    stuck.send(100)
    time.sleep(0.2)
    signalled = _sigterm(stack.backend)
    code, seconds = _wait_exit(stack.backend, signalled)

    assert GRACEFUL_SHUTDOWN_SECONDS - 1 <= seconds < CHART_GRACE_SECONDS, seconds
    assert code in EXITED_ON_SIGTERM, code
    # uvicorn cancels the request at the deadline; it answers a plain 500 and closes the connection.
    stuck.sock.settimeout(5)
    answer = b""
    while chunk := stuck.sock.recv(65536):
        answer += chunk
    stuck.sock.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 500 "), answer[:200]
    assert stack.query("SELECT count(*) AS n FROM tasks WHERE user_id = $1", user.id)[0]["n"] == 0
    print(f"\nSIGTERM backend with a stuck upload: exit code {code} after {seconds:.2f}s (drain limit 20 s)")
