"""The MCP server's ASGI app: streamable HTTP at exactly `/mcp` behind bearer auth, plus health routes.

Stateless with JSON responses, so any replica can answer any request and nothing is kept in
memory between requests. The engine is created once per process, in the lifespan, which also
runs the SDK's session manager (without it every MCP call fails).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mcp_server.auth import BearerAuth, token_check
from mcp_server.settings import Settings, get_settings
from mcp_server.tools import mcp
from todo_core.asgi import BodySizeLimit
from todo_core.db import create_engine, create_session_factory
from todo_core.health import database_readiness
from todo_core.logging import configure_logging
from todo_core.metrics import metrics_server
from todo_core.observability import RequestContext
from todo_core.revocation import RevocationList

MCP_PATH = "/mcp"

__all__ = ["MCP_PATH", "app", "create_app", "mcp"]


async def health(_: Request) -> Response:
    """Liveness: the process answers; no dependency is checked."""
    return JSONResponse({"status": "ok"})


async def health_ready(request: Request) -> Response:
    """Readiness: the database answers and its schema is at the latest migration."""
    ready, body = await database_readiness(request.app.state.engine)
    return JSONResponse(body, status_code=200 if ready else 503)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings | None = None) -> Starlette:
    """A new app with its own MCP session manager (a session manager runs only once)."""
    settings = settings or get_settings()
    mcp.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=settings.MCP_ALLOWED_HOSTS,
            allowed_origins=settings.allowed_origins,
        ),
    )
    session_manager = mcp.session_manager

    async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await session_manager.handle_request(scope, receive, send)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings)
        app.state.session_factory = create_session_factory(app.state.engine)
        app.state.auth_secret = secret
        app.state.revocations = RevocationList(settings.DATABASE_URL, settings.DB_CONNECT_TIMEOUT)
        app.state.revocations.start()
        try:
            with metrics_server(settings, app.state.engine):
                async with session_manager.run():
                    yield
        finally:
            await app.state.revocations.stop()
            await app.state.engine.dispose()

    secret = settings.AUTH_SECRET.get_secret_value()
    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/health/ready", health_ready, methods=["GET"]),
            Route("/auth/check", token_check, methods=["GET"]),
            # Size limit first: an oversized body is refused before it is read, parsed or authenticated.
            Route(MCP_PATH, BodySizeLimit(BearerAuth(mcp_endpoint, secret), settings.MAX_BODY_BYTES)),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
        middleware=[Middleware(RequestContext, metrics=settings.METRICS_ENABLED)],
    )


def _app() -> Starlette:
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL)
    return create_app(settings)


app = _app()
