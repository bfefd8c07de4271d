"""The MCP server's tools for the Agents SDK: the catalogue once per process, a session per chat turn.

Per process: one connection pool to the MCP server and its catalogue (the `server/discover`
result and the tool list, the same for every user), fetched in the first turn with that caller's
token and refreshed every MCP_CATALOGUE_SECONDS. Per turn: an MCP session whose HTTP client
carries only that turn's token, adopting the known protocol version, so a tool call is one
`tools/call` request. The SDK's function tools are built once; a call goes to the session of the
turn it runs in (a ContextVar, copied into every task the run starts), never to another turn's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from agents import RunContextWrapper, Tool
from agents.mcp import MCPServer, MCPUtil
from agents.tool import default_tool_error_function
from mcp import Client, ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from agent.metrics import TOOL_CALLS, TOOL_DURATION
from agent.settings import Settings
from todo_core.metrics import bounded, timer
from todo_core.observability import request_id_headers

log = logging.getLogger("agent.mcp")

SERVER_NAME = "todo-mcp"


class MCPUnavailable(Exception):
    """The MCP server could not be reached: no tool list, or a turn's first request could not connect."""


@dataclass(frozen=True)
class Catalogue:
    discover: types.DiscoverResult | None  # None: a pre-2026 server, which needs `initialize` per session
    version: str
    mcp_tools: list[types.Tool]  # as the server lists them
    tools: list[Tool]  # the same, as the SDK's function tools
    expires_at: float


class _Lent(httpx2.AsyncBaseTransport):
    """The shared pool lent to one turn's client: closing that client must not close the pool."""

    def __init__(self, pool: httpx2.AsyncBaseTransport) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        pass


class TurnSession:
    """One chat turn's MCP session. It runs in a task of its own: a transport failure ends that
    task (the caller's request fails with the cause) and the next request opens a new session.

    The SDK runs a turn's tool calls concurrently, so opening is single-flight: the first call
    opens the session, the others wait for it and share it."""

    def __init__(self, mcp: TodoMCP, token: str) -> None:
        self._mcp = mcp
        self._token = token
        self._request_id = request_id_headers()  # of the chat request this turn serves
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()
        self._opening = asyncio.Lock()
        self.session: ClientSession | None = None
        self.answered = False  # the MCP server answered a request of this turn (so it accepted the token)
        self.tools: list[Tool] = []  # the agent's tools, set by `TodoMCP.turn`

    async def _open(self, catalogue: Catalogue | None) -> ClientSession:
        settings = self._mcp.settings
        http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {self._token}", **self._request_id},
            timeout=httpx2.Timeout(settings.MCP_TIMEOUT_SECONDS, read=settings.MCP_TIMEOUT_SECONDS * 3),
            transport=_Lent(self._mcp.pool),
        )
        discover = catalogue.discover if catalogue else None
        client = Client(
            streamable_http_client(settings.MCP_SERVER_URL, http_client=http),
            mode=catalogue.version if catalogue and discover else "auto",  # a version is adopted: no round trip
            prior_discover=discover,
            cache=None,
            read_timeout_seconds=settings.MCP_TIMEOUT_SECONDS,
        )
        ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._done = asyncio.Event()

        async def hold() -> None:
            try:
                async with http, client:
                    ready.set_result(client.session)
                    await self._done.wait()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                    return
                raise

        def ended(task: asyncio.Task[None]) -> None:
            # Cancelled before it ran, `hold` never reached its `except`: the opener must not wait forever.
            if not ready.done():
                ready.set_exception(ConnectionError("the MCP session ended before it was open"))

        self._task = asyncio.create_task(hold())
        self._task.add_done_callback(ended)
        self.session = await ready
        return self.session

    async def _live(self, catalogue: Catalogue | None) -> tuple[ClientSession, asyncio.Task[None] | None]:
        """The open session and the task holding it, opening one if there is none or it ended."""
        async with self._opening:
            if self.session is None or self._task is None or self._task.done():
                await self.close()  # reap a session that ended (its error went to the request it broke)
                await self._open(catalogue)
            assert self.session is not None
            return self.session, self._task

    async def close(self) -> None:
        task, opened = self._task, self.session is not None
        self._task, self.session = None, None
        if task is None:
            return
        self._done.set()
        if not opened:  # cancelled while connecting: don't wait for the handshake
            task.cancel()
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:  # reported to the request it broke
            log.debug("MCP session ended with an error", exc_info=task.exception())

    @staticmethod
    async def _cause(exc: BaseException, task: asyncio.Task[None] | None) -> BaseException:
        """The transport error that ended the session `task` held, when it did (the request only sees
        'Connection closed')."""
        if task is None or not (isinstance(exc, MCPError) and exc.error.code == types.CONNECTION_CLOSED):
            return exc
        await asyncio.wait({task}, timeout=1.0)  # it is ending: let it report why
        return (task.done() and not task.cancelled() and task.exception()) or exc

    async def request(self, call: Any, catalogue: Catalogue | None) -> Any:
        """`call(session)`, retried like the SDK's MCP client did (MCP_MAX_RETRIES, exponential backoff)."""
        settings = self._mcp.settings
        for attempt in range(settings.MCP_MAX_RETRIES + 1):
            task = None
            try:
                session, task = await self._live(catalogue)
                result = await call(session)
            except Exception as exc:
                cause = await self._cause(exc, task)
                if attempt == settings.MCP_MAX_RETRIES:
                    if not self.answered and is_connection_failure(cause):
                        raise MCPUnavailable(describe(cause)) from None
                    raise cause from None
                await asyncio.sleep(min(0.25 * 2**attempt, 2.0))
            else:
                self.answered = True
                return result
        raise AssertionError("unreachable")


_turn: ContextVar[TurnSession | None] = ContextVar("mcp_turn", default=None)


def _tool_error(context: RunContextWrapper[Any], error: Exception) -> str:
    """Model-visible tool errors as the SDK words them, except an unreachable server: that ends the turn."""
    if isinstance(error.__cause__, MCPUnavailable):
        raise error.__cause__
    return default_tool_error_function(context, error)


class TodoMCP(MCPServer):
    """The MCP server as every run's agent sees it. It holds no token: see the module docstring."""

    def __init__(self, settings: Settings, pool: httpx2.AsyncBaseTransport) -> None:
        super().__init__(failure_error_function=_tool_error)
        self.settings = settings
        self.pool = pool
        self._catalogue: Catalogue | None = None
        self._refresh = asyncio.Lock()

    @property
    def name(self) -> str:
        return SERVER_NAME

    @contextlib.asynccontextmanager
    async def turn(self, token: str) -> AsyncIterator[TurnSession]:
        """This turn's session for the tool calls made inside the block, with the agent's tools."""
        session = TurnSession(self, token)
        previous = _turn.get()
        _turn.set(session)
        try:
            session.tools = await self._tools(session)
            yield session
        finally:
            # Not `_turn.reset(token)`: a streamed turn's first step runs in the request handler and the
            # rest in the response's task (a copy of that context), where reset raises ValueError.
            _turn.set(previous)
            await session.close()

    async def _tools(self, session: TurnSession) -> list[Tool]:
        catalogue = self._catalogue
        if catalogue is not None and (catalogue.expires_at > time.monotonic() or self._refresh.locked()):
            return catalogue.tools  # (a stale one while another turn fetches the new one)
        async with self._refresh:  # concurrent first turns fetch it once
            if self._catalogue is catalogue:
                try:
                    self._catalogue = await session.request(self._fetch, None)
                except MCPUnavailable:
                    raise
                except Exception as exc:  # without its tools the turn cannot start, whatever the cause
                    raise MCPUnavailable(describe(exc)) from None
            return self._catalogue.tools  # type: ignore[union-attr]

    async def _fetch(self, session: ClientSession) -> Catalogue:
        tools: list[types.Tool] = []
        cursor: str | None = None
        while True:
            page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
            tools += page.tools
            if not (cursor := page.next_cursor):
                break
        function_tools: list[Tool] = [
            MCPUtil.to_function_tool(tool, self, convert_schemas_to_strict=False) for tool in tools
        ]
        log.info("MCP tool catalogue loaded", extra={"tools": [t.name for t in tools]})
        expires_at = time.monotonic() + self.settings.MCP_CATALOGUE_SECONDS
        return Catalogue(session.discover_result, session.protocol_version or "auto", tools, function_tools, expires_at)

    @staticmethod
    def _current_turn() -> TurnSession:
        turn = _turn.get()
        if turn is None:
            raise RuntimeError("the MCP server was used outside a chat turn (`async with mcp.turn(token)`)")
        return turn

    async def call_tool(
        self, tool_name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None = None
    ) -> types.CallToolResult:
        request = types.CallToolRequest(
            params=types.CallToolRequestParams(name=tool_name, arguments=arguments, _meta=meta)
        )

        # Not `session.call_tool`: to check `structuredContent` it lists the tools again in every
        # new session, and nothing here reads that field (the model and the API get `content`).
        async def call(session: ClientSession) -> types.CallToolResult:
            return await session.send_request(request, types.CallToolResult)

        elapsed, outcome = timer(), "failed"
        try:
            result: types.CallToolResult = await self._current_turn().request(call, self._catalogue)
            outcome = "error" if result.is_error else "ok"
            return result
        finally:
            self._observe(tool_name, outcome, elapsed())

    def _observe(self, tool_name: str, outcome: str, seconds: float) -> None:
        """One metric sample and one log line per tool call (the turn's request id comes with it)."""
        known = {tool.name for tool in self._catalogue.tools} if self._catalogue else ()
        tool = bounded(tool_name, known)
        TOOL_CALLS.labels(tool, outcome).inc()
        TOOL_DURATION.labels(tool).observe(seconds)
        log.info("tool call", extra={"tool": tool, "outcome": outcome, "duration_ms": round(seconds * 1000, 1)})

    # The rest of the SDK's MCPServer interface, for an agent given this server in `mcp_servers=`
    # (chat.py passes the function tools from `turn()` instead). Each works inside a turn.
    async def list_tools(self, run_context: Any = None, agent: Any = None) -> list[types.Tool]:
        await self._tools(self._current_turn())
        return self._catalogue.mcp_tools  # type: ignore[union-attr]

    async def connect(self) -> None:
        pass  # sessions are opened per turn

    async def cleanup(self) -> None:
        pass

    async def list_prompts(self) -> types.ListPromptsResult:
        async def call(session: ClientSession) -> types.ListPromptsResult:
            return await session.list_prompts()

        result: types.ListPromptsResult = await self._current_turn().request(call, self._catalogue)
        return result

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None) -> types.GetPromptResult:
        async def call(session: ClientSession) -> types.GetPromptResult:
            return await session.get_prompt(name, arguments)

        result: types.GetPromptResult = await self._current_turn().request(call, self._catalogue)
        return result


def leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    chain = [exc]
    if exc.__cause__ is not None:
        chain += leaves(exc.__cause__)
    return chain


def is_connection_failure(exc: BaseException) -> bool:
    """The request did not get through or got no answer (as opposed to an error the server answered)."""
    return any(
        isinstance(leaf, httpx2.TransportError | OSError | anyio.ClosedResourceError | anyio.BrokenResourceError)
        or (isinstance(leaf, MCPError) and leaf.error.code in (types.CONNECTION_CLOSED, types.REQUEST_TIMEOUT))
        for leaf in leaves(exc)
    )


def describe(exc: BaseException) -> str:
    leaf = next((e for e in leaves(exc) if not isinstance(e, BaseExceptionGroup)), exc)
    text = str(leaf).strip()
    return f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__
