"""The backend's one call to the AI agent service (`POST {AGENT_URL}/v1/chat`)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import ValidationError

from todo_core.schemas import ToolCall

log = logging.getLogger("backend.agent_client")


class AgentUnavailable(Exception):
    """The agent could not produce a reply; the message says why in words a user understands."""


async def ask_agent(client: httpx.AsyncClient, token: str, history: list[dict[str, str]]) -> tuple[str, list[ToolCall]]:
    """Send the whole conversation (oldest first, ending with the user's message)."""
    try:
        response = await client.post(
            "/v1/chat", json={"messages": history}, headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.TimeoutException as exc:
        raise AgentUnavailable("the AI assistant took too long to answer") from exc
    except httpx.HTTPError as exc:
        log.warning("agent unreachable", extra={"error": repr(exc)})
        raise AgentUnavailable("the AI assistant is unreachable") from exc
    if response.status_code != 200:
        log.warning("agent error", extra={"status": response.status_code, "body": response.text[:500]})
        raise AgentUnavailable(f"the AI assistant failed (HTTP {response.status_code})")
    try:
        body: dict[str, Any] = response.json()
        return str(body["response"]), [ToolCall.model_validate(c) for c in body.get("tool_calls") or []]
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise AgentUnavailable("the AI assistant sent a malformed reply") from exc
