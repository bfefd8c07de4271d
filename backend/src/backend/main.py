"""The backend's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

import todo_core
from backend.agent_client import agent_session
from backend.api.routes import auth, chat, conversations, health, tasks
from backend.errors import install_error_handlers
from backend.settings import get_settings
from todo_core.asgi import BodySizeLimit
from todo_core.db import create_engine, create_session_factory
from todo_core.logging import configure_logging
from todo_core.metrics import metrics_server
from todo_core.observability import RequestContext
from todo_core.ratelimit import AuthRateLimiter
from todo_core.revocation import RevocationList


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (the route function's name) for generated clients."""
    return route.name


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    app.state.engine = create_engine(settings)
    app.state.session_factory = create_session_factory(app.state.engine)
    # Shares the engine's pool; each connection it hands out runs in autocommit (deps.py).
    app.state.autocommit_engine = app.state.engine.execution_options(isolation_level="AUTOCOMMIT")
    app.state.revocations = RevocationList(settings.DATABASE_URL, settings.DB_CONNECT_TIMEOUT)
    app.state.revocations.start()
    per_account, per_address = settings.login_limits
    app.state.limiters = {
        action: AuthRateLimiter(app.state.session_factory, action, per_account, per_address)
        for action in ("login", "sign-up")
    }
    app.state.agent_client = agent_session(settings.AGENT_URL, settings.AGENT_TIMEOUT_SECONDS)
    chat.install(app)
    try:
        with metrics_server(settings, app.state.engine):
            yield
    finally:
        await chat.drain(app)  # streamed turns whose clients left still get stored
        await app.state.agent_client.close()
        await app.state.revocations.stop()
        await app.state.engine.dispose()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL)
    app = FastAPI(
        title="Todo Stack API",
        version=todo_core.__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    install_error_handlers(app)
    for router in (health.router, auth.router, tasks.router, chat.router, conversations.router):
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_BODY_BYTES)
    app.add_middleware(RequestContext, metrics=settings.METRICS_ENABLED)  # outermost: sees every answer
    return app


app = create_app()
