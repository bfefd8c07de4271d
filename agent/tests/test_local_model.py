"""LocalModel inside the real Agents SDK `Runner`.

The tools here are a fake: an in-memory task store exposed as SDK function tools with the MCP
tools' names and result shapes, so these tests check the model's state machine through the real
run loop without a database. The same model against the real MCP server is in test_integration.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from agents import Agent, RunConfig, Runner, function_tool

from agent.chat import tool_calls_of
from agent.local_model import LocalModelProvider, read_items

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


class FakeTaskStore:
    """A fake of the MCP server's five tools (same names, arguments and results)."""

    def __init__(self) -> None:
        self.tasks: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def tools(self) -> list[Any]:
        store = self

        def missing(task_id: int) -> str:
            return f"task {task_id} not found"

        @function_tool
        def add_task(
            title: str, description: str | None = None, priority: str | None = None, due_at: str | None = None,
            tags: list[str] | None = None, recurrence: str | None = None,
        ) -> str:  # fmt: skip
            """Add a task."""
            task = {"id": store.next_id, "title": title, "completed": False, "priority": priority or "medium",
                    "due_at": due_at, "tags": tags or []}  # fmt: skip
            store.tasks[store.next_id] = task
            store.next_id += 1
            return json.dumps({"task_id": task["id"], "status": "created", "title": title})

        @function_tool
        def list_tasks(status: str = "all", priority: str | None = None, tag: str | None = None,
                       query: str | None = None) -> str:  # fmt: skip
            """List tasks."""
            found = [
                t for t in store.tasks.values()
                if (status == "all" or t["completed"] == (status == "completed"))
                and (not query or query.lower() in t["title"].lower())
                and (not priority or t["priority"] == priority) and (not tag or tag in t["tags"])
            ]  # fmt: skip
            return json.dumps(found)

        @function_tool
        def complete_task(task_id: int) -> str:
            """Complete a task."""
            if task_id not in store.tasks:
                return missing(task_id)
            store.tasks[task_id]["completed"] = True
            return json.dumps({"task_id": task_id, "status": "completed", "title": store.tasks[task_id]["title"]})

        @function_tool
        def delete_task(task_id: int) -> str:
            """Delete a task."""
            if task_id not in store.tasks:
                return missing(task_id)
            task = store.tasks.pop(task_id)
            return json.dumps({"task_id": task_id, "status": "deleted", "title": task["title"]})

        @function_tool
        def update_task(
            task_id: int,
            title: str | None = None,
            description: str | None = None,
            priority: str | None = None,
            due_at: str | None = None,
            tags: list[str] | None = None,
        ) -> str:
            """Update a task."""
            if task_id not in store.tasks:
                return missing(task_id)
            task = store.tasks[task_id]
            for key, value in {"title": title, "priority": priority, "due_at": due_at, "tags": tags}.items():
                if value is not None:
                    task[key] = value
            return json.dumps({"task_id": task_id, "status": "updated", "title": task["title"]})

        return [add_task, list_tasks, complete_task, delete_task, update_task]


class Conversation:
    def __init__(self) -> None:
        self.store = FakeTaskStore()
        self.messages: list[dict[str, str]] = []
        self.agent = Agent(name="todo", instructions="test", tools=self.store.tools(), model="local")
        self.config = RunConfig(model_provider=LocalModelProvider(lambda: NOW), tracing_disabled=True)

    async def say(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        self.messages.append({"role": "user", "content": text})
        result = await Runner.run(self.agent, list(self.messages), run_config=self.config, max_turns=8)
        reply = str(result.final_output)
        self.messages.append({"role": "assistant", "content": reply})
        return reply, tool_calls_of(result.new_items)


@pytest.fixture
def chat() -> Conversation:
    return Conversation()


async def test_every_contract_row_through_the_runner(chat: Conversation) -> None:
    reply, calls = await chat.say("Add a task to buy groceries")
    assert reply == "Added 'Buy groceries' (task 1)."
    assert calls == [{"name": "add_task", "arguments": {"title": "Buy groceries"},
                      "result": {"task_id": 1, "status": "created", "title": "Buy groceries"}}]  # fmt: skip

    reply, calls = await chat.say("I need to remember to pay bills")
    assert [c["arguments"]["title"] for c in calls] == ["Pay bills"]

    reply, calls = await chat.say("Add a high priority task to file taxes due Friday")
    assert reply == "Added 'File taxes' (task 3), high priority, due Fri 27 Nov."
    assert chat.store.tasks[3]["priority"] == "high"
    assert chat.store.tasks[3]["due_at"] == "2026-11-27T12:00:00+00:00"

    reply, calls = await chat.say("Show me all my tasks")
    assert calls[0]["name"] == "list_tasks" and calls[0]["arguments"] == {"status": "all"}
    assert len(calls[0]["result"]) == 3 and "You have 3 tasks:" in reply

    reply, calls = await chat.say("Mark task 3 as complete")
    assert reply == "Marked 'File taxes' (task 3) as done. Nice work!"
    assert chat.store.tasks[3]["completed"]

    reply, calls = await chat.say("What's pending?")
    assert calls[0]["arguments"] == {"status": "pending"}
    assert "You have 2 pending tasks:" in reply and "File taxes" not in reply

    reply, calls = await chat.say("What have I completed?")
    assert "File taxes (task 3)" in reply

    reply, calls = await chat.say("I finished the groceries one")
    assert [c["name"] for c in calls] == ["list_tasks", "complete_task"]
    assert reply == "Marked 'Buy groceries' (task 1) as done. Nice work!"

    await chat.say("add a task for the team meeting")
    reply, calls = await chat.say("Delete the meeting task")
    assert [c["name"] for c in calls] == ["list_tasks", "delete_task"]
    assert calls[1]["arguments"] == {"task_id": 4}
    assert 4 not in chat.store.tasks

    reply, calls = await chat.say("Change task 1 to 'Call mom tonight'")
    assert calls == [{"name": "update_task", "arguments": {"task_id": 1, "title": "Call mom tonight"},
                      "result": {"task_id": 1, "status": "updated", "title": "Call mom tonight"}}]  # fmt: skip
    assert reply == "Renamed task 1 to 'Call mom tonight'."


async def test_multi_turn_it(chat: Conversation) -> None:
    await chat.say("add buy milk")
    _, calls = await chat.say("make it high priority")
    assert calls[0]["arguments"] == {"task_id": 1, "priority": "high"}
    _, calls = await chat.say("mark it done")
    assert calls[0]["name"] == "complete_task" and chat.store.tasks[1]["completed"]


async def test_ambiguity_over_two_turns(chat: Conversation) -> None:
    await chat.say("add buy groceries")
    await chat.say("add groceries for the party")
    reply, calls = await chat.say("delete the groceries one")
    assert [c["name"] for c in calls] == ["list_tasks"]
    assert "Which one should I delete?" in reply and len(chat.store.tasks) == 2
    reply, calls = await chat.say("task 2")
    assert reply == "Deleted 'Groceries for the party' (task 2)."
    assert list(chat.store.tasks) == [1]


async def test_not_found_and_no_match(chat: Conversation) -> None:
    reply, calls = await chat.say("complete task 7")
    assert reply == "I couldn't find task 7."
    assert calls[0]["result"] == {"error": "task 7 not found"}
    reply, calls = await chat.say("delete the dentist task")
    assert reply.startswith("I couldn't find a task matching 'dentist'")


async def test_greeting_makes_no_tool_call(chat: Conversation) -> None:
    reply, calls = await chat.say("hello!")
    assert calls == [] and reply.startswith("Hi!")


async def test_streamed_run_works_too(chat: Conversation) -> None:
    result = Runner.run_streamed(chat.agent, "add call the bank tomorrow", run_config=chat.config, max_turns=8)
    async for _ in result.stream_events():
        pass
    assert result.final_output == "Added 'Call the bank' (task 1), due Fri 27 Nov."


async def test_missing_tools_mean_no_call() -> None:
    agent = Agent(name="todo", instructions="test", tools=[], model="local")
    config = RunConfig(model_provider=LocalModelProvider(lambda: NOW), tracing_disabled=True)
    result = await Runner.run(agent, "add buy milk", run_config=config)
    assert "can't reach your task list" in str(result.final_output)


def test_read_items_understands_mcp_output_shapes() -> None:
    items: list[Any] = [
        {"role": "user", "content": "add milk"},
        {"type": "function_call", "call_id": "a", "name": "add_task", "arguments": '{"title": "Milk"}'},
        {"type": "function_call_output", "call_id": "a",
         "output": [{"type": "input_text", "text": '{"task_id": 4, "status": "created", "title": "Milk"}'}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Added 'Milk' (task 4)."}]},
        {"role": "user", "content": [{"type": "input_text", "text": "show my tasks"}]},
        {"type": "function_call", "call_id": "b", "name": "list_tasks", "arguments": '{"status": "all"}'},
        {"type": "function_call_output", "call_id": "b", "output": [
            {"type": "input_text", "text": '{"id": 4, "title": "Milk"}'},
            {"type": "input_text", "text": '{"id": 5, "title": "Eggs"}'}]},
    ]  # fmt: skip
    history, steps = read_items(items)
    assert [t.role for t in history] == ["user", "assistant", "user"]
    assert [(c.name, c.result) for c in history[1].calls] == [
        ("add_task", {"task_id": 4, "status": "created", "title": "Milk"})
    ]
    assert history[-1].text == "show my tasks"
    assert len(steps) == 1 and steps[0].name == "list_tasks"
    assert steps[0].result == [{"id": 4, "title": "Milk"}, {"id": 5, "title": "Eggs"}]
