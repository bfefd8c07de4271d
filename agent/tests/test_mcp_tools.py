"""The MCP client side of a chat turn against the real MCP server: what goes over the wire, whose
token each request carries, and what an outage looks like.

Requests are observed, not altered: the pool the agent uses is the real one, wrapped to record
each request's `Mcp-Method` and `Authorization` headers before passing it on.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import httpx2
import pytest
from agents import Agent, RunContextWrapper
from agents.mcp import MCPUtil
from fastapi.testclient import TestClient

from agent.chat import build_provider, run_chat
from agent.mcp_tools import TodoMCP
from agent.settings import Settings, get_settings
from todo_harness.accounts import Account, signup
from todo_harness.processes import ServiceProcess

pytestmark = pytest.mark.slow


class Recording(httpx2.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []  # (Mcp-Method, Authorization)
        self.in_flight = self.most_in_flight = 0  # requests sent and not yet answered

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append((request.headers.get("mcp-method", ""), request.headers.get("authorization", "")))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


@pytest.fixture
def backend(backend_url: str, db: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=30) as client:
        yield client


def settings_for(service_env: dict[str, str], mcp_url: str, **extra: str) -> Settings:
    env = {**service_env, "MCP_SERVER_URL": mcp_url, **extra}
    return Settings(**{k: v for k, v in env.items() if k in Settings.model_fields})


def titles(backend: httpx.Client, account: Account) -> set[str]:
    response = backend.get(account.path(), params={"status": "all", "limit": 200}, headers=account.headers)
    assert response.status_code == 200, response.text
    return {task["title"] for task in response.json()["items"]}


def say(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_a_turn_is_one_tools_call_once_the_catalogue_is_known(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    alice, bob = signup(backend), signup(backend)
    settings = settings_for(service_env, mcp_url)
    pool = Recording()
    mcp = TodoMCP(settings, pool)
    provider = build_provider(settings)
    for account, text in [(alice, "add water plants"), (bob, "add feed the cat"), (alice, "add call grandma")]:
        result = await run_chat(say(text), account.token, settings, provider, mcp)
        assert [c["name"] for c in result.tool_calls] == ["add_task"], result
    await pool.aclose()

    # discover and the tool list once (with the first caller's token), then one request per tool call
    assert [method for method, _ in pool.seen] == ["server/discover", "tools/list", *["tools/call"] * 3]
    assert [auth for _, auth in pool.seen] == [f"Bearer {t}" for t in [alice.token] * 3 + [bob.token, alice.token]]
    assert titles(backend, alice) == {"Water plants", "Call grandma"}
    assert titles(backend, bob) == {"Feed the cat"}


async def test_given_to_an_agent_as_mcp_servers_it_lists_the_real_tools_inside_a_turn(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    dave = signup(backend)
    mcp = TodoMCP(settings_for(service_env, mcp_url), pool := Recording())
    with pytest.raises(RuntimeError, match="outside a chat turn"):
        await mcp.list_tools()
    async with mcp.turn(dave.token):
        agent = Agent(name="probe", mcp_servers=[mcp])
        function_tools = await MCPUtil.get_all_function_tools([mcp], False, RunContextWrapper(None), agent)
        prompts = await mcp.list_prompts()
    await pool.aclose()
    assert {t.name for t in function_tools} == {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}
    assert prompts.prompts == []  # the server publishes tools only
    assert [auth for _, auth in pool.seen] == [f"Bearer {dave.token}"] * len(pool.seen)


async def test_the_catalogue_is_fetched_again_when_it_expires(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    carol = signup(backend)
    settings = settings_for(service_env, mcp_url, MCP_CATALOGUE_SECONDS="0")
    pool = Recording()
    mcp, provider = TodoMCP(settings, pool), build_provider(settings)
    for text in ("add wash the car", "add walk the dog"):
        await run_chat(say(text), carol.token, settings, provider, mcp)
    await pool.aclose()
    assert [method for method, _ in pool.seen] == ["server/discover", "tools/list", "tools/call"] * 2


async def test_concurrent_tool_calls_of_one_turn_share_its_one_session(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    """With the catalogue known, a turn's session is opened by its first call; calls made at the same
    time must wait for that session, not close it half-open (that left the first call waiting forever)."""
    erin = signup(backend)
    settings = settings_for(service_env, mcp_url)
    pool = Recording()
    mcp, provider = TodoMCP(settings, pool), build_provider(settings)
    await run_chat(say("add warm up"), erin.token, settings, provider, mcp)  # the catalogue, once
    pool.seen.clear()
    async with asyncio.timeout(20), mcp.turn(erin.token):  # three calls take well under a second
        results = await asyncio.gather(*(mcp.call_tool("add_task", {"title": t}) for t in ("one", "two", "three")))
    await pool.aclose()
    assert [r.is_error for r in results] == [False] * 3, results
    assert [method for method, _ in pool.seen] == ["tools/call"] * 3, "one session, no second handshake"
    assert pool.most_in_flight > 1, "the three calls were meant to overlap"
    assert titles(backend, erin) == {"Warm up", "one", "two", "three"}


async def test_a_turns_tool_calls_run_one_after_another_in_the_order_asked(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    frank = signup(backend)
    settings = settings_for(service_env, mcp_url)
    pool = Recording()
    mcp, provider = TodoMCP(settings, pool), build_provider(settings)
    result = await run_chat(say("add three tasks: wash car, pay rent, book flights"), frank.token, settings,
                            provider, mcp)  # fmt: skip
    await pool.aclose()
    assert [c["arguments"]["title"] for c in result.tool_calls] == ["Wash car", "Pay rent", "Book flights"]
    ids = [c["result"]["task_id"] for c in result.tool_calls]
    assert ids == sorted(ids), "ids in the order the user listed the tasks"
    assert pool.most_in_flight == 1, "each call waited for the one before it"


async def test_concurrent_turns_of_different_users_each_carry_their_own_token(
    backend: httpx.Client, service_env: dict[str, str], mcp_url: str
) -> None:
    users = [signup(backend) for _ in range(4)]
    settings = settings_for(service_env, mcp_url)
    pool = Recording()
    mcp, provider = TodoMCP(settings, pool), build_provider(settings)
    words = {user.id: [secrets.token_hex(3) for _ in range(5)] for user in users}
    turns = [(user, f"add errand {word}") for i in range(5) for user in users for word in [words[user.id][i]]]
    results = await asyncio.gather(*(run_chat(say(text), user.token, settings, provider, mcp) for user, text in turns))
    await pool.aclose()

    for (_, text), result in zip(turns, results, strict=True):
        [call] = result.tool_calls
        assert call["result"]["title"].lower() == text.removeprefix("add ").lower(), (text, call)
    for user in users:
        assert titles(backend, user) == {f"Errand {word}" for word in words[user.id]}
    tokens = {f"Bearer {user.token}" for user in users}
    assert {auth for _, auth in pool.seen} <= tokens


def test_an_mcp_outage_is_a_503_and_the_agent_recovers_after_it(
    backend: httpx.Client, service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dave = signup(backend)
    mcp_process = ServiceProcess.python_module("mcp-outage", "mcp_server", service_env)
    mcp_process.start()
    for key, value in {**service_env, "MCP_SERVER_URL": f"{mcp_process.url}/mcp", "MCP_MAX_RETRIES": "0"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    from agent.main import create_app

    try:
        with TestClient(create_app()) as agent:

            def chat(text: str) -> httpx2.Response:
                return agent.post("/v1/chat", json={"messages": say(text)}, headers=dave.headers)

            assert chat("add first errand").status_code == 200
            mcp_process.stop()  # the agent now knows the tools, but the server is gone
            down = chat("add second errand")
            assert down.status_code == 503, down.text
            assert "MCP server" in down.json()["detail"] and "ConnectError" in down.json()["detail"]
            assert chat("hello").status_code == 200  # a turn without a tool call does not need the server
            mcp_process.start()  # same port
            again = chat("add third errand")
            assert again.status_code == 200, again.text
            assert again.json()["tool_calls"][0]["result"]["title"] == "Third errand"
    finally:
        mcp_process.stop()
        get_settings.cache_clear()
    assert titles(backend, dave) == {"First errand", "Third errand"}


def test_parallel_chats_through_the_agent_process_stay_isolated(backend: httpx.Client, agent_url: str) -> None:
    users = [signup(backend) for _ in range(3)]

    def turn(user: Account, i: int) -> dict[str, object]:
        response = httpx.post(
            f"{agent_url}/v1/chat", json={"messages": say(f"add {user.id[:8]} job {i}")}, headers=user.headers,
            timeout=60,
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda args: turn(*args), [(u, i) for i in range(4) for u in users]))
    for user in users:
        assert {t.lower() for t in titles(backend, user)} == {f"{user.id[:8]} job {i}" for i in range(4)}
