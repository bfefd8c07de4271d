"""End to end over real sockets: the agent process → the real MCP server process → PostgreSQL.

Users are created through the real backend; task state is checked through its REST API.
The OpenAI path runs the real `OpenAIChatCompletionsModel` against a FAKE OpenAI-compatible
Chat Completions server started by the test (there is no LLM here); the tool it asks for really
runs through MCP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from todo_core.testing.accounts import Account, signup
from todo_core.testing.processes import ServiceProcess, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def backend(backend_url: str, db: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=30) as client:
        yield client


@pytest.fixture
def agent(agent_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=agent_url, timeout=60) as client:
        yield client


class Chat:
    def __init__(self, agent: httpx.Client, account: Account) -> None:
        self.agent, self.account = agent, account
        self.messages: list[dict[str, str]] = []

    def say(self, text: str) -> dict[str, Any]:
        self.messages.append({"role": "user", "content": text})
        response = self.agent.post("/v1/chat", json={"messages": self.messages}, headers=self.account.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        self.messages.append({"role": "assistant", "content": body["response"]})
        return body


def tasks(backend: httpx.Client, account: Account) -> list[dict[str, Any]]:
    response = backend.get(account.path(), params={"status": "all", "sort": "created", "order": "asc"},
                           headers=account.headers)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_ready_when_the_mcp_server_is_up(agent: httpx.Client) -> None:
    response = agent.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["mcp_server"] == "ok"


def test_contract_rows_through_the_agent_process(backend: httpx.Client, agent: httpx.Client) -> None:
    alice = signup(backend)
    chat = Chat(agent, alice)

    body = chat.say("Add a task to buy groceries")
    assert [c["name"] for c in body["tool_calls"]] == ["add_task"]
    groceries_id = body["tool_calls"][0]["result"]["task_id"]
    assert body["response"] == f"Added 'Buy groceries' (task {groceries_id})."

    chat.say("I need to remember to pay bills")
    body = chat.say("Add a high priority task to file taxes due Friday #finance")
    taxes_id = body["tool_calls"][0]["result"]["task_id"]
    state = {t["title"]: t for t in tasks(backend, alice)}
    assert set(state) == {"Buy groceries", "Pay bills", "File taxes"}
    assert state["File taxes"]["priority"] == "high" and state["File taxes"]["tags"] == ["finance"]
    assert state["File taxes"]["due_at"] is not None

    body = chat.say("Show me all my tasks")
    assert body["tool_calls"][0]["name"] == "list_tasks" and len(body["tool_calls"][0]["result"]) == 3
    assert "You have 3 tasks:" in body["response"]

    body = chat.say(f"Mark task {taxes_id} as complete")
    assert body["tool_calls"][0]["result"]["status"] == "completed"
    assert {t["title"]: t["completed"] for t in tasks(backend, alice)}["File taxes"] is True

    assert "You have 2 pending tasks:" in chat.say("What's pending?")["response"]
    assert "File taxes" in chat.say("What have I completed?")["response"]

    body = chat.say("I finished the groceries one")
    assert [c["name"] for c in body["tool_calls"]] == ["list_tasks", "complete_task"]
    assert body["tool_calls"][1]["arguments"] == {"task_id": groceries_id}

    chat.say("add a task for the team meeting on Monday")
    body = chat.say("Delete the meeting task")
    assert [c["name"] for c in body["tool_calls"]] == ["list_tasks", "delete_task"]
    assert "Team meeting" not in {t["title"] for t in tasks(backend, alice)}

    body = chat.say(f"Change task {groceries_id} to 'Call mom tonight'")
    assert body["tool_calls"][0]["name"] == "update_task"
    assert body["response"] == f"Renamed task {groceries_id} to 'Call mom tonight'."
    assert "Call mom tonight" in {t["title"] for t in tasks(backend, alice)}

    body = chat.say("complete task 999999")
    assert body["response"] == "I couldn't find task 999999."


def test_multi_turn_conversation(backend: httpx.Client, agent: httpx.Client) -> None:
    bob = signup(backend)
    chat = Chat(agent, bob)
    chat.say("add buy milk")
    chat.say("make it high priority")
    chat.say("mark it done")
    [milk] = tasks(backend, bob)
    assert (milk["title"], milk["priority"], milk["completed"]) == ("Buy milk", "high", True)


def test_a_user_never_reaches_another_users_tasks(backend: httpx.Client, agent: httpx.Client) -> None:
    alice, mallory = signup(backend), signup(backend)
    task_id = Chat(agent, alice).say("add alice's secret plan")["tool_calls"][0]["result"]["task_id"]
    chat = Chat(agent, mallory)
    assert chat.say(f"delete task {task_id}")["response"] == f"I couldn't find task {task_id}."
    assert chat.say(f"Change task {task_id} to 'hacked'")["response"] == f"I couldn't find task {task_id}."
    assert "secret" not in chat.say("show me all my tasks")["response"]
    [task] = tasks(backend, alice)
    assert (task["title"], task["completed"]) == ("Alice's secret plan", False)


# ---------------------------------------------------------------- the OpenAI path, with a FAKE LLM


class FakeChatCompletions:
    """A FAKE OpenAI-compatible Chat Completions server: first a tool call, then text."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.complete)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def complete(self, request: Request) -> dict[str, Any]:
        body = await request.json()
        self.requests.append(body)
        tool_messages = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_messages:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_fake_1",
                        "type": "function",
                        "function": {
                            "name": "add_task",
                            "arguments": json.dumps({"title": "Buy oat milk", "priority": "high"}),
                        },
                    }
                ],
            }
            finish = "tool_calls"
        else:
            content = tool_messages[-1]["content"]
            text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
            result = json.loads(text)
            message = {"role": "assistant", "content": f"Done: added '{result['title']}' (task {result['task_id']})."}
            finish = "stop"
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip

    def __enter__(self) -> FakeChatCompletions:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise TimeoutError("fake chat completions server did not start")

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def test_openai_path_with_a_fake_llm_runs_the_tool_through_mcp(
    backend: httpx.Client, service_env: dict[str, str], mcp_server_process: ServiceProcess
) -> None:
    carol = signup(backend)
    with FakeChatCompletions() as fake:
        env = {**service_env, "OPENAI_API_KEY": "sk-fake-key", "OPENAI_BASE_URL": fake.base_url,
               "AGENT_MODEL": "fake-model", "OPENAI_MAX_RETRIES": "0"}  # fmt: skip
        agent_process = ServiceProcess.python_module("agent-openai", "agent", env)
        agent_process.start()
        try:
            with httpx.Client(base_url=agent_process.url, timeout=60) as client:
                response = client.post(
                    "/v1/chat",
                    headers=carol.headers,
                    json={"messages": [{"role": "user", "content": "I need oat milk, it's urgent"}]},
                )
        finally:
            agent_process.stop()
    assert response.status_code == 200, response.text
    body = response.json()
    [call] = body["tool_calls"]
    assert call["name"] == "add_task" and call["arguments"] == {"title": "Buy oat milk", "priority": "high"}
    task_id = call["result"]["task_id"]
    assert body["response"] == f"Done: added 'Buy oat milk' (task {task_id})."
    [task] = tasks(backend, carol)
    assert (task["id"], task["title"], task["priority"]) == (task_id, "Buy oat milk", "high")
    # The fake saw the MCP tools, the model name, and on the second call the tool's real output.
    assert len(fake.requests) == 2 and fake.requests[0]["model"] == "fake-model"
    assert {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"} <= {
        tool["function"]["name"] for tool in fake.requests[0]["tools"]
    }
