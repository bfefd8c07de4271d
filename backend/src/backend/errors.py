"""JSON error bodies for everything that can go wrong."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from todo_core.db import DB_UNAVAILABLE, is_database_unavailable, is_missing_account
from todo_core.errors import DomainError, EmailTaken, NotFound
from todo_core.observability import error_body, request_id_headers
from todo_core.ratelimit import RateLimited

log = logging.getLogger("backend.errors")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(EmailTaken)
    async def _conflict(_: Request, exc: EmailTaken) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(RateLimited)
    async def _rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc)},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_400_BAD_REQUEST)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_database_unavailable(exc):
            log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
            return JSONResponse(error_body(DB_UNAVAILABLE), status_code=503, headers=request_id_headers())
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(error_body("internal server error"), status_code=500, headers=request_id_headers())

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        if is_missing_account(exc):  # a valid token whose account is gone: sign in again
            return JSONResponse(
                {"detail": "not authenticated: account no longer exists"},
                status_code=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await _unexpected(request, exc)

    # Database failures get handlers of their own: Starlette treats a handler for `Exception` as
    # the last resort, which answers but then re-raises, so uvicorn logs a traceback per request
    # and closes the connection (clients reusing it saw resets during a DB outage).
    for exc_class in (DBAPIError, PoolTimeoutError, OSError):
        app.add_exception_handler(exc_class, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
