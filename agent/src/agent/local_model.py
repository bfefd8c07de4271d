"""The built-in `local` model: a deterministic `agents.Model` that needs no LLM.

Each call reads the input items the SDK's run loop sends (conversation history, then this run's
tool calls and their outputs), asks the NLU for the next move, and answers like an LLM would:
with function calls for the Runner to execute over MCP, or with the final text. It keeps no state
between calls; the input items are the whole state.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agents import Model, ModelProvider, ModelResponse, ModelTracing, Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)

from agent.nlu import Plan, Step, Turn, next_move
from agent.tool_results import parse_tool_output

if TYPE_CHECKING:
    from agents import AgentOutputSchemaBase, Handoff, ModelSettings, Tool, TResponseInputItem
    from openai.types.responses.response_prompt_param import ResponsePromptParam

LOCAL_MODEL_NAME = "local"
Clock = Callable[[], datetime]


def _field(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content or []:
        text = _field(part, "text")
        if isinstance(text, str):
            parts.append(text)
    return "\n".join(parts)


def read_items(items: str | Iterable[Any]) -> tuple[list[Turn], list[Step]]:
    """Split the run's input into the conversation so far and the tool steps taken since the
    latest user message."""
    if isinstance(items, str):
        return [Turn("user", items)], []
    items = list(items)
    last_user = max((i for i, item in enumerate(items) if _field(item, "role") == "user"), default=-1)
    calls: dict[str, Any] = {}
    history: list[Turn] = []
    steps: list[Step] = []
    for index, item in enumerate(items):
        kind, role = _field(item, "type"), _field(item, "role")
        if kind == "function_call":
            calls[str(_field(item, "call_id"))] = item
        elif kind == "function_call_output":
            call = calls.get(str(_field(item, "call_id")))
            result = parse_tool_output(_field(item, "output"))
            if index > last_user and call is not None:
                try:
                    arguments = json.loads(_field(call, "arguments") or "{}")
                except ValueError:
                    arguments = {}
                steps.append(Step(name=str(_field(call, "name")), arguments=arguments, result=result))
            elif index < last_user:
                history.append(Turn("tool", result=result))
        elif role in {"user", "assistant"} and (kind in {None, "message"}):
            history.append(Turn(role, _message_text(_field(item, "content"))))
    return history, steps


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _output_items(move: Plan) -> list[Any]:
    if move.calls:
        items: list[Any] = []
        for call in move.calls:
            call_id = _call_id()
            items.append(
                ResponseFunctionToolCall(
                    type="function_call",
                    id=call_id,
                    call_id=call_id,
                    name=call.name,
                    arguments=json.dumps(call.arguments, ensure_ascii=False),
                    status="completed",
                )
            )
        return items
    return [
        ResponseOutputMessage(
            id=f"msg_{uuid.uuid4().hex[:24]}",
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(type="output_text", text=move.reply or "", annotations=[], logprobs=[])],
        )
    ]


UNAVAILABLE = "Sorry, I can't reach your task list right now. Please try again in a moment."


class LocalModel(Model):
    """Plain-English todo requests → the MCP tools, without an LLM."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))

    def _respond(self, input: str | list[TResponseInputItem], tools: list[Tool]) -> list[Any]:
        history, steps = read_items(input)
        move = next_move(history, steps, self._clock())
        available = {getattr(tool, "name", None) for tool in tools}
        if move.calls and any(call.name not in available for call in move.calls):
            move = Plan(reply=UNAVAILABLE)
        return _output_items(move)

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        return ModelResponse(output=self._respond(input, tools), usage=Usage(), response_id=None)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[Any]:
        output = self._respond(input, tools)
        response = Response(
            id=f"resp_{uuid.uuid4().hex[:24]}",
            created_at=datetime.now(UTC).timestamp(),
            model=LOCAL_MODEL_NAME,
            object="response",
            output=output,
            tool_choice="auto",
            tools=[],
            top_p=None,
            parallel_tool_calls=True,
            status="completed",
        )
        yield ResponseCompletedEvent(type="response.completed", response=response, sequence_number=0)


class LocalModelProvider(ModelProvider):
    """Serves the `local` model whatever name is asked for (the agent runs on one model)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._model = LocalModel(clock)

    def get_model(self, model_name: str | None) -> Model:
        return self._model
