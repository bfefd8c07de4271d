"""One chat turn: an Agents SDK `Agent` whose tools are the MCP server's, called with the caller's token.

Imported lazily by `agent.main` (the Agents SDK takes about a second to import).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents import Agent, ModelProvider, RunConfig, Runner
from agents.exceptions import MaxTurnsExceeded
from agents.models.interface import Model
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from openai import AsyncOpenAI

from agent.local_model import LocalModelProvider
from agent.mcp_tools import MCPUnavailable, TodoMCP, leaves
from agent.settings import Settings
from agent.tool_results import normalise_result

log = logging.getLogger("agent.chat")

INSTRUCTIONS = """You are the assistant of a todo app. You manage the user's tasks only through the tools.
- Add: call add_task with a short, clean title ("Add a task to buy groceries" → "Buy groceries"),
  and priority (low|medium|high), due_at (ISO 8601 with offset), tags or recurrence when the user gives them.
- List: call list_tasks with status all|pending|completed ("what's pending?" → pending).
- Complete, delete or update a task named by words of its title: call list_tasks with a short query first,
  then act on the matching task's id. If several tasks match, ask which one (list them with their ids)
  instead of guessing. Never invent a task id.
- "it" or "that one" means the task the conversation was just about.
- Always confirm what you did in one or two friendly sentences, naming the task and its id.
  If a tool reports that a task was not found, say so plainly. Greetings and questions you cannot map
  to a tool get a short helpful answer without a tool call.
Today is {today} (UTC)."""


def instructions(_context: Any, _agent: Any) -> str:
    return INSTRUCTIONS.format(today=datetime.now(UTC).strftime("%A %Y-%m-%d"))


class ChatCompletionsProvider(ModelProvider):
    """The OpenAI API, or any OpenAI-compatible Chat Completions server, through one shared client."""

    def __init__(self, client: AsyncOpenAI, default_model: str) -> None:
        self.client = client
        self.default_model = default_model
        self._models: dict[str, Model] = {}

    def get_model(self, model_name: str | None) -> Model:
        name = model_name or self.default_model
        if name not in self._models:
            self._models[name] = OpenAIChatCompletionsModel(model=name, openai_client=self.client)
        return self._models[name]

    async def aclose(self) -> None:
        await self.client.close()


def build_provider(settings: Settings) -> ModelProvider:
    """Once per process: the OpenAI client keeps a connection pool."""
    if settings.OPENAI_API_KEY is None:
        return LocalModelProvider()
    client = AsyncOpenAI(
        api_key=settings.OPENAI_API_KEY.get_secret_value(),
        base_url=settings.OPENAI_BASE_URL or None,
        max_retries=settings.OPENAI_MAX_RETRIES,
        timeout=settings.OPENAI_TIMEOUT_SECONDS,
    )
    return ChatCompletionsProvider(client, settings.AGENT_MODEL)


@dataclass
class ChatResult:
    response: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def tool_calls_of(items: Sequence[Any]) -> list[dict[str, Any]]:
    """`[{name, arguments, result}]` in call order, from a run's new items."""
    calls: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.type == "tool_call_item":
            raw = item.raw_item
            call_id = str(getattr(raw, "call_id", None) or getattr(raw, "id", "") or len(calls))
            try:
                arguments = json.loads(getattr(raw, "arguments", None) or "{}")
            except ValueError:
                arguments = getattr(raw, "arguments", None)
            calls[call_id] = {"name": getattr(raw, "name", "?"), "arguments": arguments, "result": None}
        elif item.type == "tool_call_output_item":
            call = calls.get(str(item.call_id))
            if call is not None:
                call["result"] = normalise_result(call["name"], item.output)
    return list(calls.values())


async def run_chat(
    messages: Sequence[dict[str, str]], token: str, settings: Settings, provider: ModelProvider, mcp: TodoMCP
) -> ChatResult:
    items: list[Any] = [{"role": m["role"], "content": m["content"]} for m in messages]
    try:
        async with mcp.turn(token) as tools:
            agent = Agent(name="Todo assistant", instructions=instructions, tools=tools, model=settings.model_name)
            run_config = RunConfig(model_provider=provider, tracing_disabled=True, workflow_name="todo-chat")
            try:
                result = await Runner.run(agent, items, run_config=run_config, max_turns=settings.AGENT_MAX_TURNS)
            except MaxTurnsExceeded:
                log.warning("chat turn hit the max_turns limit", extra={"max_turns": settings.AGENT_MAX_TURNS})
                return ChatResult(response="Sorry, that took too many steps. Please try a simpler request.")
    except Exception as exc:
        if unavailable := next((e for e in leaves(exc) if isinstance(e, MCPUnavailable)), None):
            raise unavailable from None
        raise
    return ChatResult(response=str(result.final_output or ""), tool_calls=tool_calls_of(result.new_items))
