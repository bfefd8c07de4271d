"""JSON error bodies for everything that can go wrong, and the request body size limit."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_core.db import is_database_unavailable
from todo_core.errors import DomainError, EmailTaken, NotFound

log = logging.getLogger("backend.errors")
DB_UNAVAILABLE = "database unavailable, try again shortly"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(EmailTaken)
    async def _conflict(_: Request, exc: EmailTaken) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_400_BAD_REQUEST)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_database_unavailable(exc):
            log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
            return JSONResponse({"detail": DB_UNAVAILABLE}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    # Database failures get handlers of their own: Starlette treats a handler for `Exception` as
    # the last resort, which answers but then re-raises, so uvicorn logs a traceback per request
    # and closes the connection (clients reusing it saw resets during a DB outage).
    for exc_class in (DBAPIError, PoolTimeoutError, OSError):
        app.add_exception_handler(exc_class, _unexpected)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)  # type: ignore[arg-type]


class BodySizeLimit:
    """Reject bodies over `max_bytes` with 413 (by Content-Length, or while streaming)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse(
            {"detail": f"request body exceeds the {self.max_bytes // 1024} KiB limit"},
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope, receive, send)
            return

        if declared is not None:
            await self.app(scope, receive, send)  # within the limit, and the server enforces the length
            return
        # No Content-Length (chunked): read the body up to the limit, then replay it to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
