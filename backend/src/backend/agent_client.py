"""The backend's calls to the AI agent service: `POST {AGENT_URL}/v1/chat` and its streamed twin."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import ValidationError

import todo_core.sse as sse
from todo_core.observability import request_id_headers
from todo_core.schemas import ToolCall

log = logging.getLogger("backend.agent_client")


class AgentUnavailable(Exception):
    """The agent could not produce a reply; the message says why in words a user understands."""


def _body(history: list[dict[str, Any]], timezone: str | None) -> dict[str, Any]:
    return {"messages": history, **({"timezone": timezone} if timezone else {})}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **request_id_headers()}


def _unavailable(exc: httpx.HTTPError) -> AgentUnavailable:
    if isinstance(exc, httpx.TimeoutException):
        return AgentUnavailable("the AI assistant took too long to answer")
    log.warning("agent unreachable", extra={"error": repr(exc)})
    return AgentUnavailable("the AI assistant is unreachable")


def result_of(body: dict[str, Any]) -> tuple[str, list[ToolCall]]:
    """`{response, tool_calls}` (the JSON answer, or a stream's `done` event) as the reply and its calls."""
    try:
        return str(body["response"]), [ToolCall.model_validate(c) for c in body.get("tool_calls") or []]
    except (KeyError, TypeError, ValidationError) as exc:
        raise AgentUnavailable("the AI assistant sent a malformed reply") from exc


async def ask_agent(
    client: httpx.AsyncClient, token: str, history: list[dict[str, Any]], timezone: str | None = None
) -> tuple[str, list[ToolCall], str | None]:
    """Send the whole conversation (oldest first, ending with the user's message). Returns the
    reply, its tool calls and the agent's Server-Timing header (the model's own time)."""
    try:
        response = await client.post("/v1/chat", json=_body(history, timezone), headers=_headers(token))
    except httpx.HTTPError as exc:
        raise _unavailable(exc) from exc
    if response.status_code != 200:
        log.warning("agent error", extra={"status": response.status_code, "body": response.text[:500]})
        raise AgentUnavailable(f"the AI assistant failed (HTTP {response.status_code})")
    try:
        return (*result_of(response.json()), response.headers.get("server-timing"))
    except ValueError as exc:
        raise AgentUnavailable("the AI assistant sent a malformed reply") from exc


@asynccontextmanager
async def agent_stream(
    client: httpx.AsyncClient, token: str, history: list[dict[str, Any]], timezone: str | None = None
) -> AsyncIterator[AsyncIterator[sse.Event]]:
    """The agent's streamed turn: raises AgentUnavailable before the first event if it cannot start."""
    request = client.build_request("POST", "/v1/chat/stream", json=_body(history, timezone), headers=_headers(token))
    try:
        response = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        raise _unavailable(exc) from exc
    try:
        if response.status_code != 200:
            text = (await response.aread()).decode(errors="replace")[:500]
            log.warning("agent error", extra={"status": response.status_code, "body": text})
            raise AgentUnavailable(f"the AI assistant failed (HTTP {response.status_code})")
        yield sse.events(response.aiter_lines())
    finally:
        await response.aclose()
