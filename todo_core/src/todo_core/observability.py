"""The request id and HTTP metrics, as one pure-ASGI middleware every Python service puts outermost.

The id comes from the caller's `X-Request-ID` when it is a plausible id (bounded length, a safe
charset: it ends up in logs and headers), else a new one is made. It is set for the request's log
lines (todo_core.logging.request_id_var), sent back as `X-Request-ID`, put into 5xx JSON bodies
(`request_id`, for a support request) and passed on by the services' outgoing calls
(`request_id_headers`).
"""

from __future__ import annotations

import json
import re
import uuid

from todo_core.asgi import ASGIApp, Message, Receive, Scope, Send
from todo_core.logging import request_id_var, user_id_var
from todo_core.metrics import HTTP_IN_FLIGHT, UNMATCHED_ROUTE, observe_request, timer

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER = REQUEST_ID_HEADER.lower().encode()
_VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def accepted_request_id(raw: bytes | str | None) -> str:
    """The caller's id if it is safe to log and forward, else a fresh one."""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    if raw and _VALID_ID.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id_headers() -> dict[str, str]:
    """Headers that carry this request's id on a call to another service."""
    request_id = request_id_var.get()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def _route_of(scope: Scope) -> str:
    """The matched route's template (`/api/{user_id}/tasks/{task_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestContext:
    """Request id in and out, and per-request metrics (off with `metrics=False`: METRICS_ENABLED)."""

    def __init__(self, app: ASGIApp, metrics: bool = True) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(dict(scope["headers"]).get(_HEADER))
        # Not reset afterwards: the server runs each request in a task of its own, and the app's
        # last-resort error handler (outside this middleware) still logs and answers with the id.
        request_id_var.set(request_id)
        user_id_var.set(None)
        status = 500  # what the request counts as if the app fails before answering
        held: Message | None = None  # a 5xx JSON answer's start, sent once its body has the id
        chunks: list[bytes] = []

        async def send_with_id(message: Message) -> None:
            nonlocal status, held
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER]
                message = {**message, "headers": [*headers, (_HEADER, request_id.encode())]}
                if status >= 500 and (b"content-type", b"application/json") in headers:
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _with_request_id(b"".join(chunks), request_id)
                headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
                start, held = {**held, "headers": [*headers, (b"content-length", str(len(body)).encode())]}, None
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        elapsed = timer()
        if self.metrics:
            HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.metrics:
                HTTP_IN_FLIGHT.dec()
                observe_request(scope.get("method", ""), _route_of(scope), status, elapsed())


def error_body(detail: str) -> dict[str, str]:
    """A 5xx body built outside the middleware (the last-resort handler): with the request id."""
    return {"detail": detail, **({"request_id": rid} if (rid := request_id_var.get()) else {})}


def _with_request_id(body: bytes, request_id: str) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    return json.dumps({**data, "request_id": request_id}).encode()
