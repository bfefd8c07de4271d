"""Bearer-token authentication in front of the MCP endpoint.

The caller's user id is taken from the verified JWT and stored on the request
(`request.state.user_id`); tools read it from there and take no user argument, so nothing a
prompt puts into tool arguments can reach another user's tasks. A token revoked by logout is
refused like an invalid one (`todo_core.revocation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_core.auth import REVOKED_MESSAGE, InvalidToken, bearer_token, decode_token
from todo_core.db import DB_UNAVAILABLE, is_database_unavailable
from todo_core.logging import user_id_var


def _unauthorized(reason: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"not authenticated: {reason}"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


async def verify(request: Request, secret: str) -> Mapping[str, Any]:
    """The claims of the request's token, unless it is invalid or revoked (InvalidToken)."""
    claims = decode_token(bearer_token(request.headers.get("authorization")), secret)
    state = request.app.state
    if await state.revocations.is_revoked(claims["jti"], state.engine):
        raise InvalidToken(REVOKED_MESSAGE)
    return claims


class BearerAuth:
    """ASGI wrapper: 401 JSON unless `Authorization: Bearer <jwt>` verifies with `secret`."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            claims = await verify(request, self.secret)
        except InvalidToken as exc:
            await _unauthorized(str(exc))(scope, receive, send)
            return
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            # Revocation could not be checked because the database is down. Every tool needs the
            # database too, so the request goes on and each tool answers the usual "database
            # unavailable" tool error (see request_user_id) instead of an HTTP error the agent
            # would report as "the task service is unavailable".
            request.state.auth_error = exc
            claims = decode_token(bearer_token(request.headers.get("authorization")), self.secret)
        request.state.user_id = claims["sub"]  # lives in scope["state"], which the MCP transport passes on
        user_id_var.set(claims["sub"])
        await self.app(scope, receive, send)


def request_user_id(request: Request | None) -> str:
    """The user id `BearerAuth` verified for this request."""
    if request is not None and (error := getattr(request.state, "auth_error", None)) is not None:
        raise error  # the tool reports it as "database unavailable"
    user_id = getattr(request.state, "user_id", None) if request is not None else None
    if not isinstance(user_id, str) or not user_id:
        # Only reachable if the endpoint were mounted without BearerAuth: fail closed.
        raise RuntimeError("MCP request reached a tool without an authenticated user")
    return user_id


async def token_check(request: Request) -> Response:
    """`GET /auth/check`: 204 while the bearer token is valid and not revoked, else 401.

    The agent has no database; it asks here (an in-memory answer, see todo_core.revocation)
    before it runs a turn, so a revoked token is refused even for a turn that calls no tool.
    """
    try:
        await verify(request, request.app.state.auth_secret)
    except InvalidToken as exc:
        return _unauthorized(str(exc))
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        return JSONResponse({"detail": DB_UNAVAILABLE}, status_code=503)
    return Response(status_code=204)
