"""Contract check with the Agents SDK's own MCP client, `agents.mcp.MCPServerStreamableHttp` (any Agents SDK app)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from todo_harness.accounts import Account

agents_mcp = pytest.importorskip("agents.mcp", reason="openai-agents is not installed")


async def test_the_agents_sdk_client_lists_and_calls_the_tools(mcp_url: str, rest: Any, alice: Account) -> None:
    server = agents_mcp.MCPServerStreamableHttp(
        params={"url": mcp_url, "headers": alice.headers, "timeout": 10},
        client_session_timeout_seconds=10,
        name="todo",
    )
    async with server:
        names = {tool.name for tool in await server.list_tools()}
        added = await server.call_tool("add_task", {"title": "Pay bills", "priority": "high"})
        listed = await server.call_tool("list_tasks", {"status": "pending"})
        missing = await server.call_tool("complete_task", {"task_id": 999})

    assert names == {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}
    created = json.loads(added.content[0].text)
    assert created == {"task_id": created["task_id"], "status": "created", "title": "Pay bills"}
    assert [task["title"] for task in json.loads(listed.content[0].text)] == ["Pay bills"]
    assert missing.is_error and missing.content[0].text == "task 999 not found"
    assert rest.get(alice, created["task_id"])["priority"] == "high"
