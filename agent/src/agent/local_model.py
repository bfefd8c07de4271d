"""The built-in `local` model: a deterministic `agents.Model` that needs no LLM.

Each call reads the input items the SDK's run loop sends (conversation history with earlier
turns' tool calls, then this run's tool calls and their outputs), asks the NLU for the next move,
and answers like an LLM would: with function calls for the Runner to execute over MCP, or with the
final text, streamed in pieces by `stream_response`. It keeps no state between calls; the input
items are the whole state. Times are read in the user's zone (`for_zone`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from agents import Model, ModelProvider, ModelResponse, ModelTracing, Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
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
    """Split the run's input into the conversation so far (each assistant turn with the tool calls
    that came before its text) and the tool steps taken since the latest user message."""
    if isinstance(items, str):
        return [Turn("user", items)], []
    items = list(items)
    last_user = max((i for i, item in enumerate(items) if _field(item, "role") == "user"), default=-1)
    calls: dict[str, Any] = {}
    history: list[Turn] = []
    pending: list[Step] = []  # an earlier turn's tool calls, until its assistant message
    steps: list[Step] = []
    for index, item in enumerate(items):
        kind, role = _field(item, "type"), _field(item, "role")
        if kind == "function_call":
            calls[str(_field(item, "call_id"))] = item
        elif kind == "function_call_output":
            call = calls.get(str(_field(item, "call_id")))
            if call is None:
                continue
            try:
                arguments = json.loads(_field(call, "arguments") or "{}")
            except ValueError:
                arguments = {}
            step = Step(str(_field(call, "name")), arguments, parse_tool_output(_field(item, "output")))
            (steps if index > last_user else pending).append(step)
        elif role == "user" and kind in {None, "message"}:
            history.append(Turn("user", _message_text(_field(item, "content"))))
        elif role == "assistant" and kind in {None, "message"}:
            history.append(Turn("assistant", _message_text(_field(item, "content")), tuple(pending)))
            pending = []
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

    def __init__(self, clock: Clock | None = None, zone: tzinfo | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._zone = zone or UTC

    def _respond(self, input: str | list[TResponseInputItem], tools: list[Tool]) -> list[Any]:
        history, steps = read_items(input)
        move = next_move(history, steps, self._clock().astimezone(self._zone))
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
        response = _response(output, "in_progress")
        sequence = iter(range(1_000_000))
        yield ResponseCreatedEvent(type="response.created", response=response, sequence_number=next(sequence))
        for index, item in enumerate(output):
            if not isinstance(item, ResponseOutputMessage):
                continue
            text = item.content[0].text  # type: ignore[union-attr]
            empty = ResponseOutputText(type="output_text", text="", annotations=[], logprobs=[])
            started = item.model_copy(update={"content": [], "status": "in_progress"})
            common = {"item_id": item.id, "output_index": index, "content_index": 0}
            yield ResponseOutputItemAddedEvent(
                type="response.output_item.added", item=started, output_index=index, sequence_number=next(sequence)
            )
            yield ResponseContentPartAddedEvent(
                type="response.content_part.added", part=empty, sequence_number=next(sequence), **common
            )
            for piece in text_pieces(text):
                yield ResponseTextDeltaEvent(
                    type="response.output_text.delta",
                    delta=piece,
                    logprobs=[],
                    sequence_number=next(sequence),
                    **common,
                )
            yield ResponseTextDoneEvent(
                type="response.output_text.done", text=text, logprobs=[], sequence_number=next(sequence), **common
            )
            yield ResponseContentPartDoneEvent(
                type="response.content_part.done",
                part=item.content[0],
                sequence_number=next(sequence),
                **common,
            )
            yield ResponseOutputItemDoneEvent(
                type="response.output_item.done", item=item, output_index=index, sequence_number=next(sequence)
            )
        yield ResponseCompletedEvent(
            type="response.completed", response=_response(output, "completed"), sequence_number=next(sequence)
        )


def text_pieces(text: str) -> list[str]:
    """The reply in the pieces it streams in: a line at a time, long lines a few words at a time."""
    return [piece for piece in re.findall(r"(?:\S+\s*){1,6}|\s+", text) if piece]


def _response(output: list[Any], status: Any) -> Response:
    return Response(
        id=f"resp_{uuid.uuid4().hex[:24]}",
        created_at=datetime.now(UTC).timestamp(),
        model=LOCAL_MODEL_NAME,
        object="response",
        output=output if status == "completed" else [],
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=True,
        status=status,
    )


class LocalModelProvider(ModelProvider):
    """Serves the `local` model whatever name is asked for (the agent runs on one model)."""

    def __init__(self, clock: Clock | None = None, zone: tzinfo | None = None) -> None:
        self._clock = clock
        self._model = LocalModel(clock, zone)

    def for_zone(self, zone: tzinfo) -> LocalModelProvider:
        """The same model reading times in the user's zone (one per turn; it holds nothing else)."""
        return LocalModelProvider(self._clock, zone)

    def get_model(self, model_name: str | None) -> Model:
        return self._model
