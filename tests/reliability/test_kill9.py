"""SIGKILL each service in turn while a conversation and a stream of writes are going on.

Three writers run against the private stack: REST task creation (backend), `add_task` over MCP
(mcp-server) and chat turns in one conversation (backend → agent → mcp-server). The service is
killed with SIGKILL mid-stream, restarted, and the writers keep going. Then:

- every write that was acknowledged (201, a successful tool result, a 200 chat reply) is stored;
- each acknowledged chat turn's user and assistant messages are in the conversation, in order;
- the conversation continues with its history: "make it high priority" after a restart acts on
  the task the conversation was about.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _stack import Loop, Stack, call_tool, chat

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("victim", ["backend", "mcp-server", "agent"])
def test_kill_9_loses_no_acknowledged_write_and_the_conversation_continues(own_stack: Stack, victim: str) -> None:
    stack = own_stack
    user = stack.signup()
    backend = httpx.Client(base_url=stack.backend.url, timeout=30)
    mcp = httpx.Client(timeout=30)
    mcp_url = stack.mcp.url + "/mcp"

    opening = chat(backend, user, "Add a task to pack the suitcase")
    assert opening.status_code == 200, opening.text
    conversation_id = opening.json()["conversation_id"]

    def rest_step(i: int) -> tuple[str, int | None, Any]:
        title = f"{victim} rest {i}"
        try:
            response = backend.post(user.path(), json={"title": title}, headers=user.headers)
        except httpx.HTTPError as exc:
            time.sleep(0.2)  # the backend is down: don't spin while it restarts
            return title, None, repr(exc)
        return title, response.status_code, response.json() if response.content else None

    def mcp_step(i: int) -> tuple[str, Any]:
        title = f"{victim} mcp {i}"
        outcome = call_tool(mcp, mcp_url, user.token, "add_task", {"title": title})
        if outcome.status is None:
            time.sleep(0.2)
        return title, outcome

    def chat_step(i: int) -> tuple[str, int | None, Any]:
        word = f"errand{i}x{victim}"
        try:
            response = chat(backend, user, f"Add a task to do {word}", conversation_id)
        except httpx.HTTPError as exc:
            time.sleep(0.2)
            return word, None, repr(exc)
        if response.status_code != 200:
            time.sleep(0.2)
        return word, response.status_code, response.json()

    loops = [Loop("rest", rest_step), Loop("mcp", mcp_step), Loop("chat", chat_step, pause=0.05)]
    for loop in loops:
        loop.start()
    time.sleep(1.5)

    service = stack.services[victim]
    killed_at = time.monotonic()
    service.kill()  # SIGKILL to the process group: no cleanup, no drain
    time.sleep(0.5)
    restart_seconds = service.start(timeout=60)
    down_seconds = time.monotonic() - killed_at
    time.sleep(1.5)
    rest_results, mcp_results, chat_results = (loop.finish() for loop in loops)

    # Only the victim's outage may show up, and only as refused/failed requests, never as a 500.
    for title, status, body in rest_results:
        assert status in (201, 503, None), (title, status, body)
    for title, status, body in chat_results:
        assert status in (200, 503, None), (title, status, body)
    for title, outcome in mcp_results:
        assert outcome.ok or outcome.status is None, (title, outcome)

    # ---- every acknowledged write is stored --------------------------------------------------
    acked = {body["id"]: title for title, status, body in rest_results if status == 201}
    acked |= {outcome.json()["task_id"]: title for title, outcome in mcp_results if outcome.ok}
    chat_acked = [(word, body) for word, status, body in chat_results if status == 200]
    for word, body in chat_acked:
        [call] = [c for c in body["tool_calls"] if c["name"] == "add_task"]
        if "error" in call["result"]:  # the tool call hit the outage: reported, not acknowledged
            continue
        assert word in call["result"]["title"].lower(), call
        acked[call["result"]["task_id"]] = call["result"]["title"]
    stack.assert_kept(user, acked, f"after kill -9 of {victim}")

    # ---- the conversation keeps its history and continues -----------------------------------
    messages = backend.get(f"/api/{user.id}/conversations/{conversation_id}/messages", headers=user.headers).json()
    contents = [(m["role"], m["content"]) for m in messages]
    position = 0
    for word, body in chat_acked:  # each acknowledged turn: its user message, then its reply
        turn = contents.index(("user", f"Add a task to do {word}"), position)
        assert contents[turn + 1] == ("assistant", body["response"]), (word, contents[turn : turn + 2])
        position = turn + 1

    follow_up = chat(backend, user, "Add a task to buy sunscreen", conversation_id)
    assert follow_up.status_code == 200, follow_up.text
    sunscreen = follow_up.json()["tool_calls"][0]["result"]["task_id"]
    reply = chat(backend, user, "make it high priority", conversation_id)
    assert reply.status_code == 200, reply.text
    [update] = reply.json()["tool_calls"]
    assert update["name"] == "update_task" and update["arguments"]["task_id"] == sunscreen, update
    assert backend.get(user.path(f"/{sunscreen}"), headers=user.headers).json()["priority"] == "high"

    failed = {
        "rest": sum(1 for _, s, _ in rest_results if s != 201),
        "mcp": sum(1 for _, o in mcp_results if not o.ok),
        "chat": sum(1 for _, s, _ in chat_results if s != 200),
    }
    print(
        f"\nkill -9 {victim}: back after {down_seconds:.1f}s (start {restart_seconds:.1f}s); acknowledged "
        f"rest {len(rest_results) - failed['rest']}, mcp {len(mcp_results) - failed['mcp']}, "
        f"chat turns {len(chat_acked)}; failed during the outage {failed}; lost 0"
    )
    backend.close()
    mcp.close()
