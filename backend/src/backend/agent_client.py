"""The backend's calls to the AI agent service: `POST {AGENT_URL}/v1/chat` and its streamed twin.

Through aiohttp, not httpx: a call costs the backend about a quarter of the CPU (0.4 against
1.9 ms per request, measured on this project's bench machine; docs/benchmarks.md, issue 18).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from pydantic import ValidationError

import todo_core.sse as sse
from todo_core.observability import request_id_headers
from todo_core.schemas import ToolCall

log = logging.getLogger("backend.agent_client")

# What a call to the agent can fail with: no connection, a dropped one, or a read that timed out.
AgentCallError = (aiohttp.ClientError, TimeoutError)


class AgentUnavailable(Exception):
    """The agent could not produce a reply; the message says why in words a user understands."""


def agent_session(base_url: str, timeout_seconds: float) -> aiohttp.ClientSession:
    """The backend's one session to the agent. The timeout is per read (as long as a turn may take
    between two bytes), not for the whole call: a streamed turn may run longer than that."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=3.0, sock_read=timeout_seconds)
    # A trailing slash and relative paths below: an AGENT_URL with a path (behind a proxy) keeps it.
    return aiohttp.ClientSession(base_url=base_url.rstrip("/") + "/", timeout=timeout)


def _body(history: list[dict[str, Any]], timezone: str | None) -> dict[str, Any]:
    return {"messages": history, **({"timezone": timezone} if timezone else {})}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **request_id_headers()}


def _unavailable(exc: BaseException) -> AgentUnavailable:
    if isinstance(exc, TimeoutError):
        return AgentUnavailable("the AI assistant took too long to answer")
    log.warning("agent unreachable", extra={"error": repr(exc)})
    return AgentUnavailable("the AI assistant is unreachable")


def result_of(body: dict[str, Any]) -> tuple[str, list[ToolCall]]:
    """`{response, tool_calls}` (the JSON answer, or a stream's `done` event) as the reply and its calls."""
    try:
        return str(body["response"]), [ToolCall.model_validate(c) for c in body.get("tool_calls") or []]
    except (KeyError, TypeError, ValidationError) as exc:
        raise AgentUnavailable("the AI assistant sent a malformed reply") from exc


async def _refuse_unless_ok(response: aiohttp.ClientResponse) -> None:
    if response.status != 200:
        text = (await response.read()).decode(errors="replace")[:500]
        log.warning("agent error", extra={"status": response.status, "body": text})
        raise AgentUnavailable(f"the AI assistant failed (HTTP {response.status})")


async def ask_agent(
    client: aiohttp.ClientSession, token: str, history: list[dict[str, Any]], timezone: str | None = None
) -> tuple[str, list[ToolCall], str | None]:
    """Send the whole conversation (oldest first, ending with the user's message). Returns the
    reply, its tool calls and the agent's Server-Timing header (the model's own time)."""
    try:
        async with client.post("v1/chat", json=_body(history, timezone), headers=_headers(token)) as response:
            await _refuse_unless_ok(response)
            body = await response.json(content_type=None)
    except AgentCallError as exc:
        raise _unavailable(exc) from exc
    except ValueError as exc:
        raise AgentUnavailable("the AI assistant sent a malformed reply") from exc
    return (*result_of(body), response.headers.get("server-timing"))


async def _lines(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The body's lines, however long (aiohttp's own line reader refuses lines over 64 KiB, and a
    `done` event carries every tool call's result on one line)."""
    pending = b""
    async for chunk in response.content.iter_any():
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            yield line.removesuffix(b"\r").decode()
    if pending:
        yield pending.decode()


@asynccontextmanager
async def agent_stream(
    client: aiohttp.ClientSession, token: str, history: list[dict[str, Any]], timezone: str | None = None
) -> AsyncIterator[AsyncIterator[sse.Event]]:
    """The agent's streamed turn: raises AgentUnavailable before the first event if it cannot start."""
    try:
        response = await client.post("v1/chat/stream", json=_body(history, timezone), headers=_headers(token))
    except AgentCallError as exc:
        raise _unavailable(exc) from exc
    try:
        await _refuse_unless_ok(response)
        yield sse.events(_lines(response))
    finally:
        response.close()
