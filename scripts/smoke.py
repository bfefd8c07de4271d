#!/usr/bin/env python3
"""Smoke test of a running stack through its public ports: the one used by
`scripts/verify-images.sh` (compose), the container tier and the cluster tier (port-forwards).

    python3 scripts/smoke.py                      # the default local ports (3000, 8000, 8001, 8002)
    python3 scripts/smoke.py --backend http://127.0.0.1:18000 --mcp http://127.0.0.1:18001 ...

Checks, each printed as one line: health and readiness of every service; sign-up, login and the
current user; task create, list, complete; an MCP `tools/list` and `tools/call` over `/mcp` with
the bearer token (the real streamable-HTTP JSON-RPC exchange: initialize, initialized, calls);
a chat turn that calls a tool, with its effect seen over REST. Exit 1 names every failed check.
Standard library only, so it runs with any python3 3.9+, no venv needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "smoke-test-password-1"
MCP_PROTOCOL_VERSION = "2025-06-18"
TIMEOUT_SECONDS = 60  # a chat turn on a loaded 2-core machine can take a while


class SmokeFailure(AssertionError):
    pass


@dataclass
class Stack:
    """Base URLs of the four services (no trailing slash)."""

    frontend: str = "http://127.0.0.1:3000"
    backend: str = "http://127.0.0.1:8000"
    mcp: str = "http://127.0.0.1:8001"
    agent: str = "http://127.0.0.1:8002"


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    token: str


@dataclass
class SmokeResult:
    account: Account
    task_ids: list[int] = field(default_factory=list)  # every task the run created, in order


def call(method: str, url: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None):
    """(status, parsed JSON or text, response headers) of one HTTP request; never raises on HTTP errors."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw, response_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, response_headers = error.code, error.read(), error.headers
    text = raw.decode(errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, parsed, response_headers


def expect(label: str, condition: bool, detail: object = "") -> None:
    if not condition:
        raise SmokeFailure(f"{label}: {detail}"[:600])
    print(f"ok   {label}")


def wait_until_ready(url: str, seconds: float = 120) -> None:
    """Poll a health URL until it answers 200 (a stack that was just started may still be warming up)."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, body, _ = call("GET", url)
            if status == 200:
                return
            last = (status, body)
        except OSError as error:
            last = error
        time.sleep(1)
    raise SmokeFailure(f"{url} was not ready within {seconds:.0f}s (last answer: {last})")


def check_health(stack: Stack) -> None:
    wait_until_ready(f"{stack.frontend}/api/health")
    expect("frontend /api/health", True)
    for name, base in (("backend", stack.backend), ("mcp-server", stack.mcp), ("agent", stack.agent)):
        status, body, _ = call("GET", f"{base}/health")
        expect(f"{name} /health", status == 200, (status, body))
        wait_until_ready(f"{base}/health/ready")
        expect(f"{name} /health/ready", True)


def sign_up(stack: Stack) -> Account:
    email = f"smoke-{uuid.uuid4().hex[:10]}@example.com"
    status, body, _ = call(
        "POST", f"{stack.backend}/api/auth/signup", {"email": email, "password": PASSWORD, "name": "Smoke"}
    )
    expect("sign-up", status == 201 and body.get("token"), (status, body))
    status, body, _ = call("POST", f"{stack.backend}/api/auth/login", {"email": email, "password": PASSWORD})
    expect("login", status == 200 and body.get("token"), (status, body))
    token = body["token"]
    status, me, _ = call("GET", f"{stack.backend}/api/auth/me", token=token)
    expect("current user", status == 200 and me.get("email") == email, (status, me))
    return Account(email=email, password=PASSWORD, user_id=me["id"], token=token)


def task_titles(stack: Stack, account: Account) -> list[str]:
    status, body, _ = call("GET", f"{stack.backend}/api/{account.user_id}/tasks?limit=200", token=account.token)
    if status != 200:
        raise SmokeFailure(f"task list: {status} {body}")
    return [task["title"] for task in body["items"]]


def check_tasks(stack: Stack, account: Account, result: SmokeResult) -> None:
    api = f"{stack.backend}/api/{account.user_id}/tasks"
    status, task, _ = call(
        "POST", api, {"title": "Smoke test task", "priority": "high", "tags": ["smoke"]}, account.token
    )
    expect("task create", status == 201 and task.get("priority") == "high", (status, task))
    result.task_ids.append(task["id"])
    expect("task list", "Smoke test task" in task_titles(stack, account))
    status, done, _ = call("PATCH", f"{api}/{task['id']}/complete", token=account.token)
    expect("task complete", status == 200 and done.get("completed") is True, (status, done))


class McpSession:
    """The streamable-HTTP exchange a client does: initialize, notifications/initialized, then calls."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token, self.version, self.next_id = url, token, MCP_PROTOCOL_VERSION, 1

    def _post(self, message: dict[str, Any]):
        headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": self.version}
        return call("POST", self.url, message, self.token, headers)

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.next_id += 1
        status, body, _ = self._post(message)
        if status != 200 or not isinstance(body, dict) or "result" not in body:
            raise SmokeFailure(f"MCP {method}: {status} {body}")
        return body["result"]

    def initialize(self) -> None:
        result = self.request(
            "initialize",
            {"protocolVersion": self.version, "capabilities": {}, "clientInfo": {"name": "smoke", "version": "1"}},
        )
        self.version = result["protocolVersion"]
        status, body, _ = self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        if status not in (200, 202):
            raise SmokeFailure(f"MCP notifications/initialized: {status} {body}")


def check_mcp(stack: Stack, account: Account, result: SmokeResult) -> None:
    url = f"{stack.mcp}/mcp"
    status, body, _ = call("POST", url, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    expect("MCP without a token is refused", status == 401, (status, body))
    session = McpSession(url, account.token)
    session.initialize()
    names = {tool["name"] for tool in session.request("tools/list", {})["tools"]}
    wanted = {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}
    expect("MCP tools/list", wanted <= names, sorted(names))
    added = session.request("tools/call", {"name": "add_task", "arguments": {"title": "Added over MCP"}})
    payload = json.loads(added["content"][0]["text"]) if not added.get("isError") else added
    expect("MCP tools/call add_task", payload.get("status") == "created", added)
    result.task_ids.append(payload["task_id"])
    expect("MCP task seen over REST", "Added over MCP" in task_titles(stack, account))
    missing = session.request("tools/call", {"name": "complete_task", "arguments": {"task_id": 987654321}})
    expect("MCP missing task is a tool error", missing.get("isError") and "not found" in json.dumps(missing), missing)


def check_chat(stack: Stack, account: Account) -> None:
    status, body, _ = call(
        "POST", f"{stack.backend}/api/{account.user_id}/chat", {"message": "Add a task to buy groceries"}, account.token
    )
    expect("chat turn", status == 200 and body.get("response"), (status, body))
    expect("chat called add_task", "add_task" in [c["name"] for c in body["tool_calls"]], body)
    expect("chat effect seen over REST", "Buy groceries" in task_titles(stack, account), task_titles(stack, account))
    status, conversations, _ = call("GET", f"{stack.backend}/api/{account.user_id}/conversations", token=account.token)
    expect(
        "conversation stored",
        status == 200 and conversations and conversations[0]["id"] == body["conversation_id"],
        conversations,
    )


def run(stack: Stack) -> SmokeResult:
    """Every check in order; raises SmokeFailure at the first that fails."""
    check_health(stack)
    account = sign_up(stack)
    result = SmokeResult(account=account)
    check_tasks(stack, account, result)
    check_mcp(stack, account, result)
    check_chat(stack, account)
    return result


def main(argv: list[str] | None = None) -> int:
    defaults = Stack()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("frontend", "backend", "mcp", "agent"):
        parser.add_argument(
            f"--{name}", default=getattr(defaults, name), help=f"base URL (default {getattr(defaults, name)})"
        )
    args = parser.parse_args(argv)
    stack = Stack(**{name: getattr(args, name).rstrip("/") for name in ("frontend", "backend", "mcp", "agent")})
    try:
        result = run(stack)
    except (SmokeFailure, OSError) as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    print(f"smoke test passed (user {result.account.email})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
