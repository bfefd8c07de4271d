"""Bearer-token authentication in front of the MCP endpoint.

The caller's user id is taken from the verified JWT and stored on the request
(`request.state.user_id`); tools read it from there and take no user argument, so nothing a
prompt puts into tool arguments can reach another user's tasks.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_core.auth import InvalidToken, bearer_token, decode_token


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
            claims = decode_token(bearer_token(request.headers.get("authorization")), self.secret)
        except InvalidToken as exc:
            response = JSONResponse(
                {"detail": f"not authenticated: {exc}"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        request.state.user_id = claims["sub"]  # lives in scope["state"], which the MCP transport passes on
        await self.app(scope, receive, send)


def request_user_id(request: Request | None) -> str:
    """The user id `BearerAuth` verified for this request."""
    user_id = getattr(request.state, "user_id", None) if request is not None else None
    if not isinstance(user_id, str) or not user_id:
        # Only reachable if the endpoint were mounted without BearerAuth: fail closed.
        raise RuntimeError("MCP request reached a tool without an authenticated user")
    return user_id
