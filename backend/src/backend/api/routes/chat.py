"""The stateless chat cycle: history from the DB, the agent in the middle, everything stored.

Two ways in, one turn: `POST /chat` answers with JSON when the turn is over; `POST /chat/stream`
relays the agent's server-sent events as they come (`start`, `tool_call`, `tool_result`, `text`...,
then `done` with exactly the JSON answer, or `error`). Both store the user's message before the
agent runs and the complete reply once, after it; a streamed turn runs to its end in the
background even if the client goes away, so nothing the client was told is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import todo_core.sse as sse
from backend.agent_client import AgentCallError, AgentUnavailable, agent_stream, ask_agent, result_of
from backend.api.responses import USER_ROUTE, not_found
from backend.deps import AgentClientDep, PathUser, SessionFactoryDep, TokenUser, autocommit
from todo_core.conversations import HISTORY_LIMIT, ConversationRepository
from todo_core.metrics import timer
from todo_core.models import Message, Role
from todo_core.observability import current_request_id
from todo_core.schemas import ChatIn, ChatOut, ToolCall

log = logging.getLogger("backend.chat")
router = APIRouter(prefix="/api/{user_id}", tags=["chat"])

Sessions = async_sessionmaker[AsyncSession]
INTERRUPTED = "I was interrupted before I could finish."
DRAIN_SECONDS = 15.0  # on shutdown, streamed turns still running get this long to finish and be stored


async def _begin(
    request: Request, body: ChatIn, user: TokenUser, sessions: Sessions
) -> tuple[int, list[dict[str, Any]]]:
    """Write 1: the user's message, committed before the agent runs, so a failed turn loses nothing
    and no DB connection is held meanwhile. Returns the conversation and the history the agent
    gets: earlier messages (assistant ones with their tool calls), then this one.

    A new conversation and its first message are one statement on an autocommit connection; in
    an existing one (a foreign id is a 404) the history read and the message are one transaction."""
    earlier: list[Message] = []
    if body.conversation_id is None:  # a new conversation has no history to read
        async with autocommit(request) as connection:
            conversation_id = await ConversationRepository(connection, user.id).start(body.message)
    else:  # `messages` checks the conversation is the user's (404 otherwise)
        conversation_id = body.conversation_id
        async with sessions.begin() as session:
            repo = ConversationRepository(session, user.id)
            earlier = await repo.messages(conversation_id, last=HISTORY_LIMIT)
            await repo.add_message(conversation_id, Role.user, body.message)
    history: list[dict[str, Any]] = []
    for m in earlier:
        item: dict[str, Any] = {"role": m.role.value, "content": m.content}
        if m.role is Role.assistant and m.tool_calls:
            item["tool_calls"] = m.tool_calls
        history.append(item)
    history.append({"role": "user", "content": body.message})
    return conversation_id, history


async def _finish(
    autocommit_engine: AsyncEngine, user_id: str, conversation_id: int, reply: str, calls: list[ToolCall]
) -> None:
    """Write 2: the reply with its tool calls (the one place a turn's answer is stored), one
    statement. Given the engine, not the request: a streamed turn stores its reply after the
    request has ended."""
    async with autocommit_engine.connect() as connection:
        await ConversationRepository(connection, user_id).add_message(
            conversation_id, Role.assistant, reply, [c.model_dump(mode="json") for c in calls] or None
        )


def _turn_fields(conversation_id: int, calls: list[ToolCall], seconds: float) -> dict[str, Any]:
    return {"conversation_id": conversation_id, "tool_calls": len(calls), "duration_ms": round(seconds * 1000, 1)}


def _unavailable(exc: AgentUnavailable) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"{exc}; your message was saved, please try again shortly"
    )


@router.post(
    "/chat",
    responses={
        **USER_ROUTE,
        **not_found("conversation"),
        503: {"description": "The AI assistant is unavailable; the user's message was stored"},
    },
)
async def chat(
    body: ChatIn, user: PathUser, sessions: SessionFactoryDep, agent: AgentClientDep, request: Request,
    response: Response,
) -> ChatOut:  # fmt: skip
    conversation_id, history = await _begin(request, body, user, sessions)
    elapsed = timer()
    try:
        reply, tool_calls, timing = await ask_agent(agent, user.token, history, body.timezone)
    except AgentUnavailable as exc:
        raise _unavailable(exc) from exc
    if timing:  # the model's own time in the turn, relayed for the bench (turn minus model = overhead)
        response.headers["Server-Timing"] = timing
    await _finish(request.app.state.autocommit_engine, user.id, conversation_id, reply, tool_calls)
    log.info("chat turn", extra=_turn_fields(conversation_id, tool_calls, elapsed()))
    return ChatOut(conversation_id=conversation_id, response=reply, tool_calls=tool_calls)


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events: `start` {conversation_id} once the message is stored, `tool_call` "
            "{name, arguments}, `tool_result` {name, arguments, result}, `text` {delta}, then `done` (the `ChatOut` "
            "of `POST /chat`, sent after the reply is stored) or `error` {detail}",
            "content": {sse.MEDIA_TYPE: {}},
        },
        **USER_ROUTE,
        **not_found("conversation"),
        503: {"description": "The AI assistant is unavailable; the user's message was stored"},
    },
)
async def chat_stream(
    body: ChatIn, user: PathUser, sessions: SessionFactoryDep, agent: AgentClientDep, request: Request
) -> StreamingResponse:
    conversation_id, history = await _begin(request, body, user, sessions)
    opened = agent_stream(agent, user.token, history, body.timezone)
    try:
        events = await opened.__aenter__()
    except AgentUnavailable as exc:
        raise _unavailable(exc) from exc
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    queue.put_nowait(sse.encode("start", {"conversation_id": conversation_id}))
    engine = request.app.state.autocommit_engine
    turn = asyncio.create_task(_relay(events, opened, queue, engine, user.id, conversation_id))
    turns: set[asyncio.Task[None]] = request.app.state.chat_turns
    turns.add(turn)  # held until done: it outlives this request if the client leaves
    turn.add_done_callback(turns.discard)

    async def body_stream() -> AsyncIterator[bytes]:
        while (chunk := await queue.get()) is not None:
            yield chunk

    return StreamingResponse(body_stream(), media_type=sse.MEDIA_TYPE, headers=sse.STREAM_HEADERS)


async def _relay(
    events: AsyncIterator[sse.Event],
    opened: contextlib.AbstractAsyncContextManager[Any],
    queue: asyncio.Queue[bytes | None],
    autocommit_engine: AsyncEngine,
    user_id: str,
    conversation_id: int,
) -> None:
    """Forward the agent's events to the client's queue and store the finished turn, whether or
    not anyone still reads the queue."""
    text: list[str] = []
    calls: list[ToolCall] = []
    elapsed = timer()
    failed = {"request_id": current_request_id()}  # the task runs in a copy of the request's context
    try:
        try:
            async for event in events:
                if event.name == "text":
                    text.append(str(event.data.get("delta", "")))
                elif event.name == "tool_result":
                    calls.append(ToolCall.model_validate(event.data))
                elif event.name == "done":
                    reply, tool_calls = result_of(event.data)
                    await _finish(autocommit_engine, user_id, conversation_id, reply, tool_calls)
                    out = ChatOut(conversation_id=conversation_id, response=reply, tool_calls=tool_calls)
                    queue.put_nowait(sse.encode("done", out.model_dump(mode="json")))
                    log.info("chat turn", extra=_turn_fields(conversation_id, tool_calls, elapsed()))
                    return
                elif event.name == "error":
                    raise AgentUnavailable(f"the AI assistant failed: {event.data.get('detail', 'unknown error')}")
                if event.name in {"text", "tool_call", "tool_result"}:
                    queue.put_nowait(sse.encode(event.name, event.data))
            raise AgentUnavailable("the AI assistant stopped before finishing")
        except AgentCallError as exc:
            raise AgentUnavailable("the AI assistant stopped before finishing") from exc
        finally:
            await opened.__aexit__(None, None, None)
    except AgentUnavailable as exc:
        log.warning("streamed chat turn failed", extra={"error": str(exc), "conversation_id": conversation_id})
        if calls or text:  # what the tools already changed is part of the conversation
            reply = ("".join(text).rstrip() + "\n\n" + INTERRUPTED).strip()
            await _finish(autocommit_engine, user_id, conversation_id, reply, calls)
        detail = f"{exc}; your message was saved, please try again shortly"
        queue.put_nowait(sse.encode("error", {"detail": detail, **failed}))
    except Exception:
        log.exception("streamed chat turn failed", extra={"conversation_id": conversation_id})
        detail = "the chat failed unexpectedly; your message was saved"
        queue.put_nowait(sse.encode("error", {"detail": detail, **failed}))
    finally:
        queue.put_nowait(None)


def install(app: FastAPI) -> None:
    app.state.chat_turns = set()


async def drain(app: FastAPI) -> None:
    """On shutdown: let streamed turns whose clients left finish and be stored."""
    turns: set[asyncio.Task[None]] = getattr(app.state, "chat_turns", set())
    if turns:
        await asyncio.wait(set(turns), timeout=DRAIN_SECONDS)
