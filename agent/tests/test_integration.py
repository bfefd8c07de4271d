"""End to end over real sockets: the agent process → the real MCP server process → PostgreSQL.

Users are created through the real backend; task state is checked through its REST API.
The OpenAI path runs the real `OpenAIChatCompletionsModel` against a FAKE OpenAI-compatible
Chat Completions server started by the test (there is no LLM here); the tool it asks for really
runs through MCP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from todo_core.limits import MESSAGE_MAX
from todo_harness.accounts import Account, signup
from todo_harness.fake_openai import FakeChatCompletions
from todo_harness.plugin import LOG_DIR
from todo_harness.processes import ServiceProcess
from todo_harness.sse import TimedEvent, post_stream

pytestmark = pytest.mark.slow

TOKYO = ZoneInfo("Asia/Tokyo")


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


def test_a_message_of_the_longest_allowed_length_gets_a_reply(backend: httpx.Client, agent: httpx.Client) -> None:
    text = ("what is pending " * MESSAGE_MAX)[:MESSAGE_MAX]
    body = Chat(agent, signup(backend)).say(text)
    assert body["response"].strip()


def test_multi_turn_conversation(backend: httpx.Client, agent: httpx.Client) -> None:
    bob = signup(backend)
    chat = Chat(agent, bob)
    chat.say("add buy milk")
    chat.say("make it high priority")
    chat.say("mark it done")
    [milk] = tasks(backend, bob)
    assert (milk["title"], milk["priority"], milk["completed"]) == ("Buy milk", "high", True)


def stream_events(client: httpx.Client, account: Account, text: str) -> list[TimedEvent]:
    """A streamed turn's events, each with the seconds after the request it arrived."""
    body = {"messages": [{"role": "user", "content": text}]}
    return post_stream(client, "/v1/chat/stream", body, account.headers)[0]


def test_a_streamed_turn_ends_with_done_and_nothing_after(backend: httpx.Client, agent: httpx.Client) -> None:
    erin = signup(backend)
    events = stream_events(agent, erin, "add two tasks: call the plumber and renew the passport")
    names = [e[0] for e in events]
    # the SDK announces every call of a model response, then reports each result as it comes
    assert names[:4] == ["tool_call", "tool_call", "tool_result", "tool_result"], names
    assert set(names[4:-1]) == {"text"} and names[-1] == "done", names  # no `error` after the end
    done = events[-1][1]
    assert "".join(e[1]["delta"] for e in events if e[0] == "text") == done["response"]
    assert [c["result"]["title"] for c in done["tool_calls"]] == ["Call the plumber", "Renew the passport"]
    assert [t["title"] for t in tasks(backend, erin)] == ["Call the plumber", "Renew the passport"]


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


def test_openai_path_with_a_fake_llm_runs_the_tool_through_mcp(
    backend: httpx.Client, service_env: dict[str, str], mcp_server_process: ServiceProcess
) -> None:
    carol = signup(backend)
    with FakeChatCompletions() as fake:
        env = {**service_env, **fake.agent_env}
        agent_process = ServiceProcess.python_module("agent-openai", "agent", env, log_dir=LOG_DIR)
        with agent_process.running():
            with httpx.Client(base_url=agent_process.url, timeout=60) as client:
                before = datetime.now(TOKYO)
                response = client.post(
                    "/v1/chat",
                    headers=carol.headers,
                    json={"messages": [{"role": "user", "content": "I need oat milk, it's urgent"}],
                          "timezone": "Asia/Tokyo"},
                )  # fmt: skip
                after = datetime.now(TOKYO)
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
    # ...and the user's zone with their local date and time in the instructions, to read "tomorrow at 9am" in
    system = fake.requests[0]["messages"][0]
    assert system["role"] == "system" and "Asia/Tokyo" in system["content"] and "UTC+09:00" in system["content"]
    assert any(f"{now:%A %Y-%m-%d}" in system["content"] for now in (before, after)), system["content"]


def test_openai_path_streams_the_fake_llms_text_as_it_is_written(
    backend: httpx.Client, service_env: dict[str, str], mcp_server_process: ServiceProcess
) -> None:
    """The SDK's streamed run over the real `OpenAIChatCompletionsModel` against a FAKE streaming
    Chat Completions server: the tool runs through MCP, then the reply's pieces leave the agent as
    the fake writes them (0.2 s apart), not all at once at the end."""
    dora = signup(backend)
    with FakeChatCompletions(text_delay=0.2) as fake:
        env = {**service_env, **fake.agent_env}
        agent_process = ServiceProcess.python_module("agent-openai-stream", "agent", env, log_dir=LOG_DIR)
        with agent_process.running():
            with httpx.Client(base_url=agent_process.url, timeout=60) as client:
                events = stream_events(client, dora, "I need oat milk, it's urgent")

    names = [e[0] for e in events]
    assert names[:2] == ["tool_call", "tool_result"] and names[-1] == "done", names
    assert set(names[2:-1]) == {"text"}, names
    done = events[-1][1]
    [call] = done["tool_calls"]
    task_id = call["result"]["task_id"]
    assert call["name"] == "add_task" and call["arguments"] == {"title": "Buy oat milk", "priority": "high"}
    assert done["response"] == f"Done: added 'Buy oat milk' (task {task_id})."
    assert "".join(e[1]["delta"] for e in events if e[0] == "text") == done["response"]
    texts = [t for name, _, t in events if name == "text"]
    assert len(texts) == len(re.findall(r"\S+\s*", done["response"])) == 7, "one event per piece the fake sent"
    # seven pieces 0.2 s apart: relayed as they come, they spread over more than a second
    assert texts[-1] - texts[0] > 0.6, f"the pieces arrived together ({texts[-1] - texts[0]:.2f} s apart): buffered"
    [task] = tasks(backend, dora)
    assert (task["id"], task["title"], task["priority"]) == (task_id, "Buy oat milk", "high")
    assert [r.get("stream") for r in fake.requests] == [True, True], "both model calls were streamed"
