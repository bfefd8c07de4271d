"""Chat end to end over real sockets: backend → agent (local model) → MCP server → PostgreSQL."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from todo_harness.accounts import Account
from todo_harness.postgres import fetch
from todo_harness.processes import ServiceProcess


@pytest.fixture
def chat_client(backend_url: str, agent_url: str, db: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=60) as http:
        yield http


def say(client: httpx.Client, user: Account, message: str, conversation_id: int | None = None) -> dict:
    body: dict = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    response = client.post(f"/api/{user.id}/chat", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


def tasks(client: httpx.Client, user: Account, **params: str) -> list[dict]:
    return client.get(user.path(), params={"sort": "created", "order": "asc", **params}, headers=user.headers).json()[
        "items"
    ]


def tool_names(reply: dict) -> list[str]:
    return [c["name"] for c in reply["tool_calls"]]


@pytest.fixture
def user(chat_client: httpx.Client) -> Account:
    from todo_harness.accounts import signup

    return signup(chat_client, "chatter@example.com")


@pytest.mark.parametrize(
    ("message", "title"),
    [("Add a task to buy groceries", "Buy groceries"), ("I need to remember to pay bills", "Pay bills")],
)
def test_add_task(chat_client: httpx.Client, user: Account, message: str, title: str) -> None:
    reply = say(chat_client, user, message)
    assert tool_names(reply) == ["add_task"]
    assert [t["title"] for t in tasks(chat_client, user)] == [title]
    assert title in reply["response"]


def test_add_with_priority_and_due_date(chat_client: httpx.Client, user: Account) -> None:
    reply = say(chat_client, user, "Add a high priority task to file taxes due Friday")
    assert tool_names(reply) == ["add_task"]
    [task] = tasks(chat_client, user)
    assert task["title"] == "File taxes" and task["priority"] == "high"
    due = datetime.fromisoformat(task["due_at"])
    assert due.weekday() == 4 and timedelta(0) < due - datetime.now(UTC) <= timedelta(days=8)


def test_list_all_pending_completed(chat_client: httpx.Client, user: Account) -> None:
    for title in ("Alpha report", "Beta review"):
        chat_client.post(user.path(), json={"title": title}, headers=user.headers)
    chat_client.patch(user.path("/1/complete"), headers=user.headers)

    everything = say(chat_client, user, "Show me all my tasks")
    pending = say(chat_client, user, "What's pending?")
    completed = say(chat_client, user, "What have I completed?")
    assert [c["arguments"].get("status", "all") for r in (everything, pending, completed) for c in r["tool_calls"]] == [
        "all",
        "pending",
        "completed",
    ]
    assert "Alpha report" in everything["response"] and "Beta review" in everything["response"]
    assert "Beta review" in pending["response"] and "Alpha report" not in pending["response"]
    assert "Alpha report" in completed["response"] and "Beta review" not in completed["response"]


def test_complete_by_id_and_by_title(chat_client: httpx.Client, user: Account) -> None:
    for title in ("Walk the dog", "Buy groceries", "Read a book"):
        chat_client.post(user.path(), json={"title": title}, headers=user.headers)
    by_id = say(chat_client, user, "Mark task 3 as complete")
    assert tool_names(by_id) == ["complete_task"]
    by_title = say(chat_client, user, "I finished the groceries one")
    assert tool_names(by_title) == ["list_tasks", "complete_task"]
    done = {t["title"] for t in tasks(chat_client, user, status="completed")}
    assert done == {"Read a book", "Buy groceries"}


def test_delete_by_title(chat_client: httpx.Client, user: Account) -> None:
    for title in ("Team meeting prep", "Buy stamps"):
        chat_client.post(user.path(), json={"title": title}, headers=user.headers)
    reply = say(chat_client, user, "Delete the meeting task")
    assert tool_names(reply) == ["list_tasks", "delete_task"]
    assert [t["title"] for t in tasks(chat_client, user)] == ["Buy stamps"]


def test_update_title(chat_client: httpx.Client, user: Account) -> None:
    chat_client.post(user.path(), json={"title": "Call mom"}, headers=user.headers)
    reply = say(chat_client, user, "Change task 1 to 'Call mom tonight'")
    assert tool_names(reply) == ["update_task"]
    assert tasks(chat_client, user)[0]["title"] == "Call mom tonight"


def test_missing_task_is_said_plainly(chat_client: httpx.Client, user: Account) -> None:
    reply = say(chat_client, user, "Mark task 42 as complete")
    assert "task 42" in reply["response"]
    assert any(words in reply["response"].lower() for words in ("not found", "couldn't find", "could not find"))


def test_multi_turn_conversation_is_stored(chat_client: httpx.Client, user: Account) -> None:
    first = say(chat_client, user, "add buy milk")
    cid = first["conversation_id"]
    say(chat_client, user, "make it high priority", cid)
    say(chat_client, user, "mark it done", cid)
    [task] = tasks(chat_client, user)
    assert (task["title"], task["priority"], task["completed"]) == ("Buy milk", "high", True)

    conversations = chat_client.get(f"/api/{user.id}/conversations", headers=user.headers).json()
    assert [c["id"] for c in conversations] == [cid]
    messages = chat_client.get(f"/api/{user.id}/conversations/{cid}/messages", headers=user.headers).json()
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
    assert messages[0]["content"] == "add buy milk"
    assert messages[1]["tool_calls"][0]["name"] == "add_task"


def test_conversation_survives_backend_and_agent_restart(
    chat_client: httpx.Client, user: Account, backend_server: ServiceProcess, agent_server: ServiceProcess
) -> None:
    cid = say(chat_client, user, "add water the plants")["conversation_id"]
    backend_server.restart()
    agent_server.restart()
    say(chat_client, user, "make it high priority", cid)
    [task] = tasks(chat_client, user)
    assert (task["title"], task["priority"]) == ("Water the plants", "high")
    messages = chat_client.get(f"/api/{user.id}/conversations/{cid}/messages", headers=user.headers).json()
    assert len(messages) == 4


def test_tokens_scope_chat_to_the_caller(chat_client: httpx.Client, user: Account) -> None:
    from todo_harness.accounts import signup

    chat_client.post(user.path(), json={"title": "Private plan"}, headers=user.headers)
    intruder = signup(chat_client, "intruder@example.com")
    for message in ("Mark task 1 as complete", "Delete task 1", "Change task 1 to 'pwned'", "Show me all my tasks"):
        reply = say(chat_client, intruder, message)
        assert "Private plan" not in reply["response"]
    [task] = tasks(chat_client, user)
    assert (task["title"], task["completed"]) == ("Private plan", False)
    assert tasks(chat_client, intruder) == []


async def test_bad_input_is_4xx_and_stores_nothing(chat_client: httpx.Client, user: Account, db: str) -> None:
    other = say(chat_client, user, "hello")["conversation_id"]
    from todo_harness.accounts import signup

    stranger = signup(chat_client, "stranger@example.com")
    cases = [
        (user, {"message": ""}, 422, "message"),
        (user, {"message": "   "}, 422, "message"),
        (user, {"message": "x" * 10_001}, 422, "message"),
        (user, {"message": "hi", "conversation_id": 999}, 404, None),
        (stranger, {"message": "hi", "conversation_id": other}, 404, None),
        (user, {"message": "hi", "conversation_id": "abc"}, 422, "conversation_id"),
    ]
    before = (await fetch(db, "SELECT count(*) AS n FROM messages"))[0]["n"]
    for account, body, code, field in cases:
        response = chat_client.post(f"/api/{account.id}/chat", json=body, headers=account.headers)
        assert response.status_code == code, (body, response.text)
        if field:
            assert field in response.json()["detail"][0]["loc"]
        else:
            assert response.json()["detail"] == f"conversation {body['conversation_id']} not found"
    assert (await fetch(db, "SELECT count(*) AS n FROM messages"))[0]["n"] == before
    assert (
        chat_client.get(f"/api/{stranger.id}/conversations/{other}/messages", headers=stranger.headers).status_code
        == 404
    )


async def test_agent_down_is_503_and_keeps_the_message(
    chat_client: httpx.Client, user: Account, agent_server: ServiceProcess, db: str
) -> None:
    agent_server.stop()
    try:
        response = chat_client.post(f"/api/{user.id}/chat", json={"message": "add buy bread"}, headers=user.headers)
        assert response.status_code == 503
        assert "unreachable" in response.json()["detail"] and "saved" in response.json()["detail"]
        rows = await fetch(db, "SELECT role, content FROM messages")
        assert [(r["role"], r["content"]) for r in rows] == [("user", "add buy bread")]
    finally:
        agent_server.start()


async def test_an_agent_that_never_answers_is_503_took_too_long_and_keeps_the_message(
    service_env: dict[str, str], user: Account, db: str
) -> None:
    """The agent accepts the connection and says nothing: after AGENT_TIMEOUT_SECONDS without a
    byte, both chat routes give up with a 503 that says so, before any stream starts."""
    from todo_harness.plugin import LOG_DIR

    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts or answers
        env = {**service_env, "AGENT_URL": f"http://127.0.0.1:{silent.getsockname()[1]}", "AGENT_TIMEOUT_SECONDS": "1"}
        backend = ServiceProcess.python_module("backend-silent-agent", "backend", env, log_dir=LOG_DIR)
        with backend.running():
            for route in ("chat", "chat/stream"):
                response = httpx.post(
                    f"{backend.url}/api/{user.id}/{route}", json={"message": f"via {route}"}, headers=user.headers,
                    timeout=30,  # the backend's own timeout is 1 s
                )  # fmt: skip
                assert response.status_code == 503, (route, response.text)
                assert "took too long" in response.json()["detail"] and "saved" in response.json()["detail"]
    rows = await fetch(db, "SELECT content FROM messages WHERE user_id = $1 ORDER BY id", user.id)
    assert [r["content"] for r in rows] == ["via chat", "via chat/stream"]
