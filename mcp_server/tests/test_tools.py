"""Each tool through the SDK's client over a real socket; effects checked through the REST API."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from todo_core.wording import FIELD_NAMES
from todo_harness.accounts import Account
from todo_harness.postgres import fetch

SUMMARY_KEYS = {"id", "title", "completed", "priority", "due_at", "tags"}


async def test_the_tool_list_may_be_shared_across_users(mcp: Any, alice: Account) -> None:
    """It is the same for every caller, and says so (2026-07-28 cache hints; the agent keeps it per process)."""
    headers = {"Authorization": f"Bearer {alice.token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http,
        Client(streamable_http_client(mcp.url, http_client=http), cache=None) as client,
    ):
        listed = await client.session.list_tools()
    assert len(listed.tools) == 5
    assert (listed.cache_scope, listed.ttl_ms) == ("public", 300_000)


async def test_lists_the_five_tools_with_llm_ready_schemas(mcp: Any, alice: Account) -> None:
    async with mcp.session(alice.token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}

    assert set(tools) == {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}
    for tool in tools.values():
        assert "Example" in (tool.description or ""), tool.name
        assert "user_id" not in tool.input_schema["properties"], tool.name  # the user comes from the token
    assert tools["add_task"].input_schema["required"] == ["title"]
    assert set(tools["add_task"].input_schema["properties"]) == {
        "title",
        "description",
        "priority",
        "due_at",
        "tags",
        "recurrence",
    }
    assert set(tools["list_tasks"].input_schema["properties"]) == {"status", "priority", "tag", "query"}
    assert tools["list_tasks"].input_schema.get("required", []) == []
    for name in ("complete_task", "delete_task"):
        assert set(tools[name].input_schema["properties"]) == {"task_id"}
        assert tools[name].input_schema["required"] == ["task_id"]
    assert set(tools["update_task"].input_schema["properties"]) == {
        "task_id",
        "title",
        "description",
        "priority",
        "due_at",
        "tags",
        "completed",
    }
    assert tools["update_task"].input_schema["required"] == ["task_id"]
    schema = str(tools["list_tasks"].input_schema)
    assert "'pending'" in schema and "'completed'" in schema and "'high'" in schema
    assert "date-time" in str(tools["add_task"].input_schema["properties"]["due_at"])
    assert tools["list_tasks"].annotations.read_only_hint is True
    assert tools["delete_task"].annotations.destructive_hint is True


async def test_add_task_creates_the_task_with_every_field(mcp: Any, rest: Any, alice: Account) -> None:
    result = await mcp.ok(
        alice,
        "add_task",
        {
            "title": "  File taxes ",
            "description": "Form 1040",
            "priority": "high",
            "due_at": "2030-04-15T17:00:00Z",
            "tags": ["Finance", "finance", "home"],
            "recurrence": "monthly",
        },
    )

    assert result == {"task_id": result["task_id"], "status": "created", "title": "File taxes"}
    task = rest.get(alice, result["task_id"])
    assert task is not None
    assert task["title"] == "File taxes"
    assert task["description"] == "Form 1040"
    assert task["priority"] == "high"
    assert task["due_at"].startswith("2030-04-15T17:00:00")
    assert task["tags"] == ["finance", "home"]
    assert task["recurrence"] == "monthly"
    assert task["completed"] is False


async def test_add_task_with_only_a_title_uses_the_defaults(mcp: Any, rest: Any, alice: Account) -> None:
    # Models often send null for every optional argument: null means "not given".
    result = await mcp.ok(alice, "add_task", {"title": "Buy groceries", "priority": None, "tags": None})

    assert result["status"] == "created" and result["title"] == "Buy groceries"
    task = rest.get(alice, result["task_id"])
    assert task is not None
    assert (task["priority"], task["tags"], task["due_at"], task["recurrence"], task["description"]) == (
        "medium",
        [],
        None,
        "none",
        None,
    )


async def test_list_tasks_returns_the_contract_shape_with_filters(mcp: Any, rest: Any, alice: Account) -> None:
    groceries = rest.create(alice, title="Buy groceries", tags=["errands"], due_at="2030-01-02T10:00:00Z")
    meeting = rest.create(alice, title="Team meeting", description="Quarterly planning", priority="high")
    bills = rest.create(alice, title="Pay bills", priority="low", tags=["home", "errands"])
    rest.complete(alice, bills["id"])

    everything = await mcp.ok(alice, "list_tasks", {})
    assert [task["id"] for task in everything] == [groceries["id"], meeting["id"], bills["id"]]
    assert all(set(task) == SUMMARY_KEYS for task in everything)
    assert everything[0] == {
        "id": groceries["id"],
        "title": "Buy groceries",
        "completed": False,
        "priority": "medium",
        "due_at": everything[0]["due_at"],
        "tags": ["errands"],
    }
    assert everything[0]["due_at"].startswith("2030-01-02T10:00:00")
    assert everything[2]["completed"] is True

    async with mcp.session(alice.token) as session:  # one session for the many filter checks

        async def ids(**arguments: Any) -> list[int]:
            result = await session.call_tool("list_tasks", arguments)
            assert not result.is_error, result.content
            return [task["id"] for task in json.loads(result.content[0].text)]

        assert await ids(status="all") == [groceries["id"], meeting["id"], bills["id"]]
        assert await ids(status="pending") == [groceries["id"], meeting["id"]]
        assert await ids(status="completed") == [bills["id"]]
        assert await ids(priority="high") == [meeting["id"]]
        assert await ids(tag="Errands") == [groceries["id"], bills["id"]]
        assert await ids(query="PLANNING") == [meeting["id"]]  # description text, case-insensitive
        assert await ids(query="groceries", status="pending") == [groceries["id"]]
        assert await ids(status=None, priority=None, tag=None, query=None) == [
            groceries["id"],
            meeting["id"],
            bills["id"],
        ]
        assert await ids(query="nothing like this") == []


async def test_list_tasks_on_an_empty_list_returns_an_empty_json_list(mcp: Any, rest: Any, alice: Account) -> None:
    assert await mcp.ok(alice, "list_tasks", {"status": "pending"}) == []


async def test_complete_task_marks_it_completed_and_is_idempotent(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(alice, title="Buy groceries")

    for _ in range(2):  # "mark it complete" twice must not toggle it back
        result = await mcp.ok(alice, "complete_task", {"task_id": task["id"]})
        assert result == {"task_id": task["id"], "status": "completed", "title": "Buy groceries"}
        stored = rest.get(alice, task["id"])
        assert stored is not None and stored["completed"] is True and stored["completed_at"] is not None


async def test_complete_task_on_a_recurring_task_creates_the_next_one(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(alice, title="Water plants", recurrence="weekly", due_at="2030-01-01T09:00:00Z")

    await mcp.ok(alice, "complete_task", {"task_id": task["id"]})

    tasks = rest.list(alice)
    nxt = [t for t in tasks if t["id"] != task["id"]]
    assert len(nxt) == 1 and nxt[0]["title"] == "Water plants" and not nxt[0]["completed"]
    assert nxt[0]["due_at"].startswith("2030-01-08T09:00:00")


async def test_delete_task_removes_it(mcp: Any, rest: Any, alice: Account) -> None:
    keep = rest.create(alice, title="Keep me")
    task = rest.create(alice, title="Team meeting")

    result = await mcp.ok(alice, "delete_task", {"task_id": task["id"]})

    assert result == {
        "task_id": task["id"], "status": "deleted", "title": "Team meeting",
        "previous": {"title": "Team meeting", "description": None, "priority": "medium", "due_at": None, "tags": [],
                     "recurrence": "none", "completed": False},
    }  # fmt: skip
    assert rest.get(alice, task["id"]) is None
    assert rest.get(alice, keep["id"]) is not None
    assert await mcp.error(alice, "delete_task", {"task_id": task["id"]}) == f"task {task['id']} not found"


async def test_update_task_changes_only_the_given_fields(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(
        alice, title="Call mom", description="Sunday", priority="low", tags=["family"], due_at="2030-05-01T18:00:00Z"
    )

    result = await mcp.ok(
        alice,
        "update_task",
        {"task_id": task["id"], "title": "Call mom tonight", "description": None, "priority": None},
    )

    assert result == {
        "task_id": task["id"],
        "status": "updated",
        "title": "Call mom tonight",
        "previous": {"title": "Call mom"},
    }
    stored = rest.get(alice, task["id"])
    assert stored is not None
    assert stored["title"] == "Call mom tonight"
    assert (stored["description"], stored["priority"], stored["tags"]) == ("Sunday", "low", ["family"])
    assert stored["due_at"].startswith("2030-05-01T18:00:00")

    await mcp.ok(
        alice,
        "update_task",
        {"task_id": task["id"], "priority": "high", "tags": ["Family", "phone"], "due_at": "2030-05-02T08:30:00+02:00"},
    )
    stored = rest.get(alice, task["id"])
    assert stored is not None
    assert (stored["priority"], stored["tags"]) == ("high", ["family", "phone"])
    assert stored["due_at"].startswith("2030-05-02T06:30:00")


async def test_update_task_clears_description_due_date_and_tags(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(alice, title="Call mom", description="Sunday", tags=["family"], due_at="2030-05-01T18:00:00Z")

    await mcp.ok(alice, "update_task", {"task_id": task["id"], "description": "", "due_at": "", "tags": []})

    stored = rest.get(alice, task["id"])
    assert stored is not None
    assert (stored["title"], stored["description"], stored["due_at"], stored["tags"]) == ("Call mom", None, None, [])


async def test_update_task_without_changes_is_an_error(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(alice, title="Call mom")

    message = await mcp.error(alice, "update_task", {"task_id": task["id"], "title": None})

    assert "nothing to change" in message and "title" in message
    assert rest.get(alice, task["id"])["updated_at"] == task["updated_at"]  # type: ignore[index]


async def test_update_task_completed_false_reopens_and_true_completes(mcp: Any, rest: Any, alice: Account) -> None:
    task = rest.create(alice, title="Water plants", recurrence="weekly", due_at="2030-01-01T09:00:00Z")
    await mcp.ok(alice, "complete_task", {"task_id": task["id"]})

    result = await mcp.ok(alice, "update_task", {"task_id": task["id"], "completed": False})

    assert result == {"task_id": task["id"], "status": "updated", "title": "Water plants",
                      "previous": {"completed": True}}  # fmt: skip
    stored = rest.get(alice, task["id"])
    assert stored is not None and stored["completed"] is False and stored["completed_at"] is None
    result = await mcp.ok(alice, "update_task", {"task_id": task["id"], "completed": True, "priority": "high"})
    assert result["previous"] == {"completed": False, "priority": "medium"}
    stored = rest.get(alice, task["id"])
    assert stored is not None and (stored["completed"], stored["priority"]) == (True, "high")
    # Completing through update_task rolls a repeating task over, as complete_task does.
    assert len([t for t in rest.list(alice) if t["title"] == "Water plants"]) == 3


@pytest.mark.parametrize("tool", ["complete_task", "delete_task", "update_task"])
async def test_a_missing_task_is_a_tool_error(mcp: Any, rest: Any, alice: Account, tool: str) -> None:
    arguments: dict[str, Any] = {"task_id": 4242}
    if tool == "update_task":
        arguments["title"] = "New title"

    assert await mcp.error(alice, tool, arguments) == "task 4242 not found"


@pytest.mark.parametrize(
    ("tool", "arguments", "argument"),
    [
        ("add_task", {"title": ""}, "title"),
        ("add_task", {"title": "   "}, "title"),
        ("add_task", {"title": "x" * 201}, "title"),
        ("add_task", {}, "title"),
        ("add_task", {"title": "Ok", "priority": "urgent"}, "priority"),
        ("add_task", {"title": "Ok", "due_at": "next friday"}, "due_at"),
        ("add_task", {"title": "Ok", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ("add_task", {"title": "Ok", "tags": ["x" * 33]}, "tags"),
        ("add_task", {"title": "Ok", "recurrence": "hourly"}, "recurrence"),
        ("add_task", {"title": "Ok", "description": "d" * 1001}, "description"),
        ("list_tasks", {"status": "done"}, "status"),
        ("list_tasks", {"priority": "urgent"}, "priority"),
        ("list_tasks", {"query": "q" * 201}, "query"),
        ("complete_task", {"task_id": "three"}, "task_id"),
        ("complete_task", {}, "task_id"),
        ("delete_task", {"task_id": 0}, "task_id"),
        ("update_task", {"task_id": 1, "title": "  "}, "title"),
        ("update_task", {"task_id": 1, "priority": "urgent"}, "priority"),
        ("update_task", {"task_id": 1, "due_at": "soon"}, "due_at"),
        ("update_task", {"task_id": 1, "completed": "maybe"}, "completed"),
    ],
)
async def test_invalid_arguments_are_a_tool_error_naming_the_argument(
    mcp: Any, rest: Any, alice: Account, database_url: str, tool: str, arguments: dict[str, Any], argument: str
) -> None:
    rest.create(alice, title="Existing")  # task 1, so update_task's failures come from validation
    before = await fetch(database_url, "SELECT id, title, priority, tags, due_at, updated_at FROM tasks")

    message = await mcp.error(alice, tool, arguments)

    # One sentence naming the argument in words, never the SDK's or pydantic's own text.
    assert FIELD_NAMES[argument].split()[0] in message, message
    assert not any(raw in message for raw in ("validation error", "pydantic", "[type=", "Arguments", "_")), message
    after = await fetch(database_url, "SELECT id, title, priority, tags, due_at, updated_at FROM tasks")
    assert [dict(r) for r in after] == [dict(r) for r in before]
