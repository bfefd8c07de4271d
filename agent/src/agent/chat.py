"""One chat turn: an Agents SDK `Agent` whose tools are the MCP server's, called with the caller's token.

Imported lazily by `agent.main` (the Agents SDK takes about a second to import).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents import (
    Agent,
    ModelProvider,
    ModelResponse,
    RunConfig,
    RunContextWrapper,
    RunHooks,
    Runner,
    ToolExecutionConfig,
)
from agents.exceptions import MaxTurnsExceeded
from agents.models.interface import Model
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from openai import AsyncOpenAI
from openai.types.responses import ResponseTextDeltaEvent

from agent.local_model import LocalModelProvider
from agent.mcp_tools import MCPUnavailable, TodoMCP, leaves
from agent.metrics import MODEL_DURATION, MODEL_TOKENS
from agent.settings import Settings
from agent.tool_results import normalise_result
from todo_core.timezones import DEFAULT_TIMEZONE, zone

log = logging.getLogger("agent.chat")

INSTRUCTIONS = """You are the assistant of a todo app. You manage the user's tasks only through the tools.
- Add: call add_task with a short, clean title ("Add a task to buy groceries" → "Buy groceries"),
  and priority (low|medium|high), due_at (ISO 8601 with offset), tags or recurrence when the user gives them.
- List: call list_tasks with status all|pending|completed ("what's pending?" → pending).
- Complete, delete or update a task named by words of its title: call list_tasks with a short query first,
  then act on the matching task's id. If several tasks match, ask which one (list them with their ids)
  instead of guessing. Never invent a task id.
- "it" or "that one" means the task the conversation was just about.
- Reopen a completed task with update_task completed=false. "Undo" reverses your own last change, using
  the `previous` values that update_task and delete_task returned (a deleted task is added again).
- Before deleting more than one task at once, list them and ask the user to confirm; act on "yes".
- Always confirm what you did in one or two friendly sentences, naming the task and its id.
  If a tool reports an error, say it in one plain sentence. Greetings and questions you cannot map
  to a tool get a short helpful answer without a tool call; for what you cannot do, say so and say what you can.
The user's time zone is {zone}: their local date and time now is {local} (UTC{offset}). Read every
relative date and time of day ("tomorrow at 9am", "Friday", "tonight") in that zone, give due_at with
that offset (e.g. {example}), and write dates and times in your replies in that zone."""


@dataclass(frozen=True)
class TurnContext:
    """What one turn knows about the user beyond the messages: their time zone."""

    timezone: str = DEFAULT_TIMEZONE
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Seconds spent inside the model per call (appended by _TimedModel): the turn's time minus
    # these is the stack's own overhead (docs/benchmarks.md, the chat target).
    model_seconds: list[float] = field(default_factory=list)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(zone(self.timezone))


def instructions(context: RunContextWrapper[TurnContext] | Any, _agent: Any) -> str:
    turn = getattr(context, "context", None)
    turn = turn if isinstance(turn, TurnContext) else TurnContext()
    local = turn.local_now
    offset = local.strftime("%z")
    example = local.replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
    return INSTRUCTIONS.format(
        zone=turn.timezone, local=local.strftime("%A %Y-%m-%d %H:%M"), offset=f"{offset[:3]}:{offset[3:]}",
        example=example,
    )  # fmt: skip


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
    token_checked: bool = False  # the MCP server answered a request of this turn, so it accepted the token


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


TOO_MANY_STEPS = "Sorry, that took too many steps. Please try a simpler request."
# Earlier turns' tool calls go to the model with the history ("undo that", "the first one"), for the
# most recent assistant turns only, and long listings cut short: enough context, bounded tokens.
TOOL_HISTORY_TURNS = 6
TOOL_HISTORY_LIST_ITEMS = 50


def input_items(messages: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The conversation as the SDK's input items; an assistant message's tool calls come before it."""
    with_calls = [i for i, m in enumerate(messages) if m["role"] == "assistant" and m.get("tool_calls")]
    recent = set(with_calls[-TOOL_HISTORY_TURNS:])
    items: list[Any] = []
    for index, message in enumerate(messages):
        if index in recent:
            for n, call in enumerate(message["tool_calls"]):
                call_id = f"call_h{index}_{n}"
                result = call.get("result")
                if isinstance(result, list):
                    result = result[:TOOL_HISTORY_LIST_ITEMS]
                arguments = json.dumps(call.get("arguments") or {}, ensure_ascii=False)
                items.append(
                    {"type": "function_call", "call_id": call_id, "name": call["name"], "arguments": arguments}
                )
                output = json.dumps(result, ensure_ascii=False, default=str)
                items.append({"type": "function_call_output", "call_id": call_id, "output": output})
        items.append({"role": message["role"], "content": message["content"]})
    return items


# A turn's tool calls run one after another, in the order the model gave them (the SDK starts them
# all at once by default): tasks get ids in the order the user listed them, and calls that depend on
# each other (an undo's reversed changes, an update then a completion of one task) apply in order.
IN_ORDER = ToolExecutionConfig(max_function_tool_concurrency=1)


class _TimedModel(Model):
    """The turn's model, its time inside each call added to `turn.model_seconds`."""

    def __init__(self, model: Model, turn: TurnContext) -> None:
        self._model, self._turn = model, turn

    def get_retry_advice(self, request: Any) -> Any:
        return self._model.get_retry_advice(request)

    async def close(self) -> None:
        await self._model.close()

    async def get_response(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self._model.get_response(*args, **kwargs)
        finally:
            self._turn.model_seconds.append(time.perf_counter() - started)

    async def stream_response(self, *args: Any, **kwargs: Any) -> Any:  # the time to each event, not the reader's
        events = self._model.stream_response(*args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                event = await anext(events)
            except StopAsyncIteration:
                return
            finally:
                self._turn.model_seconds.append(time.perf_counter() - started)
            yield event


class _TimedProvider(ModelProvider):
    def __init__(self, provider: ModelProvider, turn: TurnContext) -> None:
        self._provider, self._turn = provider, turn

    def get_model(self, model_name: str | None) -> Model:
        return _TimedModel(self._provider.get_model(model_name), self._turn)


def _turn_provider(provider: ModelProvider, turn: TurnContext) -> ModelProvider:
    if isinstance(provider, LocalModelProvider):
        provider = provider.for_zone(zone(turn.timezone))
    return _TimedProvider(provider, turn)


# The Agent of the current tool catalogue: (its tool list, the model, the Agent). It holds no state
# of a run (the instructions are read per turn), so turns share it; building one costs the SDK about
# half a millisecond. A new catalogue (a new list object) or model builds a new one.
_shared: tuple[list[Any], str, Agent[TurnContext]] | None = None


def _agent(tools: list[Any], model: str) -> Agent[TurnContext]:
    global _shared
    if _shared is None or _shared[0] is not tools or _shared[1] != model:
        _shared = (tools, model, Agent[TurnContext](name="Todo assistant", instructions=instructions, tools=tools,
                                                   model=model))  # fmt: skip
    return _shared[2]


def _agent_and_config(
    tools: list[Any], settings: Settings, provider: ModelProvider, turn: TurnContext
) -> tuple[Agent[TurnContext], RunConfig]:
    agent = _agent(tools, settings.model_name)
    config = RunConfig(model_provider=_turn_provider(provider, turn), tracing_disabled=True, workflow_name="todo-chat")
    # Assigned, not passed: given to the constructor, RunConfig evaluates its own type hints to coerce
    # it, about a millisecond of every turn (py-spy); IN_ORDER is already a ToolExecutionConfig.
    config.tool_execution = IN_ORDER
    return agent, config


class ModelMetrics(RunHooks[TurnContext]):
    """Each model request's time and the tokens it reported (the local model reports none).
    One per run: a run's model requests follow one another."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._started = 0.0

    async def on_llm_start(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    async def on_llm_end(self, _context: Any, _agent: Any, response: ModelResponse) -> None:
        MODEL_DURATION.labels(self.model).observe(time.perf_counter() - self._started)
        usage = response.usage
        for kind, tokens in (("input", usage.input_tokens), ("output", usage.output_tokens)):
            if tokens:
                MODEL_TOKENS.labels(self.model, kind).inc(tokens)


def _unwrap_unavailable(exc: Exception) -> None:
    if unavailable := next((e for e in leaves(exc) if isinstance(e, MCPUnavailable)), None):
        raise unavailable from None


async def run_chat(
    messages: Sequence[Mapping[str, Any]], token: str, settings: Settings, provider: ModelProvider, mcp: TodoMCP,
    turn: TurnContext | None = None,
) -> ChatResult:  # fmt: skip
    turn = turn or TurnContext()
    try:
        async with mcp.turn(token) as session:
            agent, config = _agent_and_config(session.tools, settings, provider, turn)
            try:
                result = await Runner.run(
                    agent, input_items(messages), run_config=config, max_turns=settings.AGENT_MAX_TURNS, context=turn,
                    hooks=ModelMetrics(settings.model_name),
                )  # fmt: skip
            except MaxTurnsExceeded:
                log.warning("chat turn hit the max_turns limit", extra={"max_turns": settings.AGENT_MAX_TURNS})
                return ChatResult(response=TOO_MANY_STEPS, token_checked=session.answered)
    except Exception as exc:
        _unwrap_unavailable(exc)
        raise
    response, calls = str(result.final_output or ""), tool_calls_of(result.new_items)
    return ChatResult(response=response, tool_calls=calls, token_checked=session.answered)


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streamed turn: `ready` (the tools are loaded), `tool_call`, `tool_result`,
    `text` (a piece of the reply) and finally `done` with the whole `ChatResult`."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)


async def stream_chat(
    messages: Sequence[Mapping[str, Any]], token: str, settings: Settings, provider: ModelProvider, mcp: TodoMCP,
    turn: TurnContext | None = None,
) -> AsyncGenerator[StreamEvent, None]:  # fmt: skip
    """The same turn as `run_chat`, through the SDK's streamed run: text as the model writes it."""
    turn = turn or TurnContext()
    try:
        async with mcp.turn(token) as session:
            yield StreamEvent("ready")
            agent, config = _agent_and_config(session.tools, settings, provider, turn)
            result = Runner.run_streamed(
                agent, input_items(messages), run_config=config, max_turns=settings.AGENT_MAX_TURNS, context=turn,
                hooks=ModelMetrics(settings.model_name),
            )  # fmt: skip
            names: dict[str, tuple[str, Any]] = {}
            try:
                async for event in result.stream_events():
                    if event.type == "raw_response_event":
                        if isinstance(event.data, ResponseTextDeltaEvent) and event.data.delta:
                            yield StreamEvent("text", {"delta": event.data.delta})
                    elif event.type == "run_item_stream_event" and event.name == "tool_called":
                        [call] = tool_calls_of([event.item])
                        names[str(getattr(event.item.raw_item, "call_id", ""))] = (call["name"], call["arguments"])
                        yield StreamEvent("tool_call", {"name": call["name"], "arguments": call["arguments"]})
                    elif event.type == "run_item_stream_event" and event.name == "tool_output":
                        name, arguments = names.get(str(getattr(event.item, "call_id", "")), ("?", {}))
                        result_value = normalise_result(name, event.item.output)
                        yield StreamEvent("tool_result", {"name": name, "arguments": arguments, "result": result_value})
            except MaxTurnsExceeded:
                log.warning("chat turn hit the max_turns limit", extra={"max_turns": settings.AGENT_MAX_TURNS})
                yield StreamEvent("text", {"delta": TOO_MANY_STEPS})
                yield StreamEvent("done", {"response": TOO_MANY_STEPS, "tool_calls": tool_calls_of(result.new_items)})
                return
            done = ChatResult(response=str(result.final_output or ""), tool_calls=tool_calls_of(result.new_items))
            yield StreamEvent("done", {"response": done.response, "tool_calls": done.tool_calls})
    except Exception as exc:
        _unwrap_unavailable(exc)
        raise
