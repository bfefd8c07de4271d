"""The agent's FastAPI application: `POST /v1/chat`, `GET /health`, `GET /health/ready`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import httpx2
import openai
from fastapi import Depends, FastAPI, Header, Request, Response, status
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator

import todo_core
import todo_core.sse as sse
from agent.chat import TurnContext, build_provider, run_chat, stream_chat
from agent.mcp_tools import MCPUnavailable, TodoMCP
from agent.metrics import TURNS
from agent.settings import Settings, get_settings
from todo_core.asgi import BodySizeLimit
from todo_core.auth import InvalidToken, bearer_token, decode_token
from todo_core.limits import MESSAGE_MAX, MessageText
from todo_core.logging import configure_logging, user_id_var
from todo_core.metrics import metrics_server
from todo_core.observability import RequestContext, error_body, request_id_headers
from todo_core.timezones import DEFAULT_TIMEZONE, TimeZoneName

log = logging.getLogger("agent.main")

MAX_MESSAGES = 200
READINESS_TIMEOUT_SECONDS = 2.0
_USER_MESSAGE = TypeAdapter(MessageText)  # the backend's ChatIn.message: what it accepts, the agent does


class ToolCallRecord(BaseModel):
    name: str
    arguments: Any
    result: Any


class ChatMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MESSAGE_MAX)
    # An assistant message's tool calls (as the backend stored them): "undo that", "the first one".
    tool_calls: list[ToolCallRecord] | None = None


class ChatRequest(BaseModel):
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    timezone: TimeZoneName | None = None

    @field_validator("messages")
    @classmethod
    def _ends_with_a_user_message(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if messages[-1].role != "user":
            raise ValueError("the last message must be the user's (role 'user')")
        try:
            _USER_MESSAGE.validate_python(messages[-1].content)
        except ValidationError:
            raise ValueError("the user's message must not be empty") from None
        return messages


class ChatResponse(BaseModel):
    response: str
    tool_calls: list[ToolCallRecord]


def _operation_id(route: APIRoute) -> str:
    return route.name


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    app.state.provider = build_provider(settings)
    # One connection pool to the MCP server (and one TLS context) for readiness probes and every turn.
    pool = httpx2.AsyncHTTPTransport()
    app.state.http = httpx2.AsyncClient(transport=pool, timeout=READINESS_TIMEOUT_SECONDS)
    app.state.mcp = TodoMCP(settings, pool)
    log.info(
        "agent ready",
        extra={"model": settings.model_name, "mcp_server_url": settings.MCP_SERVER_URL,
               "openai_base_url": settings.OPENAI_BASE_URL if settings.uses_openai else None},
    )  # fmt: skip
    try:
        with metrics_server(settings):
            yield
    finally:
        await app.state.http.aclose()
        await app.state.provider.aclose()


async def caller_token(authorization: Annotated[str | None, Header()] = None) -> str:
    """The caller's bearer token, verified with AUTH_SECRET (it is forwarded to the MCP server)."""
    settings = get_settings()
    try:
        token = bearer_token(authorization)
        claims = decode_token(token, settings.AUTH_SECRET.get_secret_value())
    except InvalidToken as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=f"invalid or missing bearer token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None  # fmt: skip
    user_id_var.set(claims["sub"])  # this turn's log lines name the user
    return token


Token = Annotated[str, Depends(caller_token)]


async def ensure_not_revoked(http: httpx2.AsyncClient, settings: Settings, token: str) -> None:
    """Ask the MCP server whether `token` was revoked (logout): the agent has no database of its own.

    The MCP server checks the token on every request it answers, so a JSON turn that called a tool
    needs no more; one that did not asks here before it answers, and a streamed turn asks before its
    first event. Either way a revoked token gets no reply, even from a turn that calls no tool. The
    MCP server answers from memory (todo_core.revocation): one cheap HTTP call, no DB round trip.
    Only a definite 401 refuses the turn; when the MCP server cannot answer, the turn goes on, since
    every task the token could reach is behind that same server.
    """
    try:
        headers = {"Authorization": f"Bearer {token}", **request_id_headers()}
        answer = await http.get(settings.mcp_token_check_url, headers=headers)
    except httpx2.HTTPError as exc:
        log.warning("token check skipped: MCP server unreachable", extra={"error": type(exc).__name__})
        return
    if answer.status_code == 401:
        detail = answer.json().get("detail", "not authenticated")
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=f"invalid or missing bearer token: {detail}",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    if answer.status_code != 204:
        log.warning("token check skipped", extra={"status": answer.status_code})


async def settings_dependency() -> Settings:
    return get_settings()


# Both dependencies are `async def`: FastAPI would run a plain `def` one in its thread pool.
SettingsDep = Annotated[Settings, Depends(settings_dependency)]


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL)
    app = FastAPI(
        title="Todo Stack agent",
        version=todo_core.__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_BODY_BYTES)
    app.add_middleware(RequestContext, metrics=settings.METRICS_ENABLED)  # outermost: sees every answer

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(error_body("internal server error"), status_code=500, headers=request_id_headers())

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], responses={503: {"description": "The MCP server is not reachable"}})
    async def health_ready(request: Request, settings: SettingsDep) -> JSONResponse:
        url = settings.mcp_health_url
        try:
            answer = await request.app.state.http.get(url)
        except httpx2.HTTPError as exc:
            reason = f"MCP server unreachable at {url}: {type(exc).__name__}"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        if answer.status_code != 200:
            reason = f"MCP server at {url} answered {answer.status_code}"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "mcp_server": "ok", "model": settings.model_name})

    @app.post(
        "/v1/chat",
        response_model=ChatResponse,
        tags=["chat"],
        responses={
            401: {"description": "Missing or invalid token"},
            503: {"description": "MCP server or model unavailable"},
            504: {"description": "The turn took too long"},
        },
    )
    async def chat(body: ChatRequest, token: Token, request: Request, response: Response, settings: SettingsDep) -> Any:
        messages, turn = _turn_of(body, settings)
        state = request.app.state
        try:
            async with asyncio.timeout(settings.AGENT_REQUEST_TIMEOUT_SECONDS):
                result = await run_chat(messages, token, settings, state.provider, state.mcp, turn)
        except Exception as exc:
            if isinstance(exc, MCPUnavailable):  # also how a revoked token's tool catalogue fetch ends: say 401
                await ensure_not_revoked(state.http, settings, token)
            if (failure := _failure(exc, settings)) is None:
                TURNS.labels("failed", "false").inc()
                raise
            TURNS.labels("error", "false").inc()
            return _error(*failure)
        if not result.token_checked:  # no MCP request answered in this turn: ask now
            await ensure_not_revoked(state.http, settings, token)
        TURNS.labels("ok", "false").inc()
        # The model's own time in this turn, for the bench's "overhead per turn" (backend relays it).
        response.headers["Server-Timing"] = f"model;dur={sum(turn.model_seconds) * 1000:.2f}"
        return ChatResponse(response=result.response, tool_calls=[ToolCallRecord(**c) for c in result.tool_calls])

    @app.post(
        "/v1/chat/stream",
        tags=["chat"],
        response_class=StreamingResponse,
        responses={
            200: {"description": "Server-sent events: tool_call, tool_result, text ..., then done (or error)",
                  "content": {sse.MEDIA_TYPE: {}}},
            401: {"description": "Missing or invalid token"},
            503: {"description": "MCP server unavailable (before the stream starts)"},
        },
    )  # fmt: skip
    async def chat_stream(body: ChatRequest, token: Token, request: Request, settings: SettingsDep) -> Any:
        """The turn of `/v1/chat`, streamed. A failure before the tools are loaded is an HTTP error; after
        that, an `error` event {status, detail}."""
        messages, turn = _turn_of(body, settings)
        state = request.app.state
        await ensure_not_revoked(state.http, settings, token)  # before the first event
        events = stream_chat(messages, token, settings, state.provider, state.mcp, turn)
        deadline = asyncio.get_running_loop().time() + settings.AGENT_REQUEST_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout_at(deadline):
                await anext(events)  # "ready": the MCP server answered
        except Exception as exc:
            await events.aclose()
            if (failure := _failure(exc, settings)) is None:
                TURNS.labels("failed", "true").inc()
                raise
            TURNS.labels("error", "true").inc()
            return _error(*failure)

        async def body_stream() -> AsyncIterator[bytes]:
            outcome = "ok"
            try:
                async with asyncio.timeout_at(deadline):
                    async for event in events:
                        yield sse.encode(event.name, event.data)
            except Exception as exc:
                outcome = "error"
                if (failure := _failure(exc, settings)) is None:
                    log.exception("streamed chat turn failed")
                    outcome, failure = "failed", (500, "the assistant failed unexpectedly")
                yield sse.encode("error", {**error_body(failure[1]), "status": failure[0]})
            finally:
                TURNS.labels(outcome, "true").inc()
                await events.aclose()

        return StreamingResponse(body_stream(), media_type=sse.MEDIA_TYPE, headers=sse.STREAM_HEADERS)

    return app


def _turn_of(body: ChatRequest, settings: Settings) -> tuple[list[dict[str, Any]], TurnContext]:
    messages = [m.model_dump(exclude_none=True) for m in body.messages[-settings.AGENT_HISTORY_MESSAGES :]]
    return messages, TurnContext(timezone=body.timezone or DEFAULT_TIMEZONE)


def _error(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=code)


def _failure(exc: Exception, settings: Settings) -> tuple[int, str] | None:
    """A turn's failure a caller can act on → (HTTP status, message); None for a bug (→ 500)."""
    if isinstance(exc, MCPUnavailable):
        log.warning("MCP server unavailable", extra={"url": settings.MCP_SERVER_URL, "error": str(exc)})
        return 503, f"the task service (MCP server at {settings.MCP_SERVER_URL}) is unavailable: {exc}"
    if isinstance(exc, TimeoutError):
        return 504, f"the assistant did not answer within {settings.AGENT_REQUEST_TIMEOUT_SECONDS:g} s"
    if isinstance(exc, openai.APIError):  # naming the model endpoint, never the key
        where = settings.OPENAI_BASE_URL or "the OpenAI API"
        log.warning("language model call failed", extra={"model": settings.AGENT_MODEL, "error": repr(exc)})
        code = getattr(exc, "status_code", None)
        detail = f"the language model ({settings.AGENT_MODEL} at {where}) failed"
        return 503, f"{detail}: HTTP {code}" if code else f"{detail}: {type(exc).__name__}"
    return None


app = create_app()
