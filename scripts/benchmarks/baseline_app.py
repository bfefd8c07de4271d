"""The baseline: a minimal Starlette + asyncpg service doing the backend's SQL for two routes.

It is the practical ceiling for Python here: the same uvicorn launcher and settings as the
services (`todo_core.server.serve`), the same bearer-token check, the same statements against the
same tables and the same JSON shapes, but no ORM, no dependency injection, no response models.

    GET  /api/{user_id}/tasks?limit=&order=asc|desc   one page with a capped total, in a transaction
    POST /api/{user_id}/tasks  {title, description?, priority?, tags?}   INSERT ... RETURNING
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import jwt
from pydantic import Field, SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from todo_core.schemas import TOTAL_CAP, encode_cursor
from todo_core.settings import CommonSettings

COLUMNS = "id, title, description, completed, priority, tags, due_at, recurrence, created_at, updated_at, completed_at"
# The backend's listing statement (todo_core.tasks): one row more than the page (is there a next
# page?), each row's sort key as text (for the cursor) and the count of matches capped at TOTAL_CAP.
PAGE_SQL = {
    order: f"SELECT {COLUMNS}, created_at::text AS sort_key, (SELECT count(*) FROM (SELECT 1 FROM tasks "
    f"WHERE user_id = $1 LIMIT {TOTAL_CAP + 1}) AS capped) AS total_matching FROM tasks WHERE user_id = $1 "
    f"ORDER BY created_at {order.upper()}, id {order.upper()} LIMIT $2 OFFSET $3"
    for order in ("asc", "desc")
}
INSERT_SQL = (
    "INSERT INTO tasks (user_id, title, description, completed, priority, tags, recurrence) "
    f"VALUES ($1, $2, $3, false, $4, $5, 'none') RETURNING {COLUMNS}"
)


class Settings(CommonSettings):
    PORT: int = Field(default=8009, ge=1, le=65535)
    DATABASE_URL: str
    AUTH_SECRET: SecretStr
    DB_POOL_SIZE: int = 15  # the services' pool_size + max_overflow


def _dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def _json(record: asyncpg.Record) -> dict[str, Any]:
    """A task as JSON-ready values (the listing's window count is not a task field)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in record.items()
        if k not in ("total_matching", "sort_key")
    }


def _user(request: Request) -> str | Response:
    """The path's user id if the bearer token is valid and names it, else the error response."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        claims = jwt.decode(token, request.app.state.secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return JSONResponse({"detail": "not authenticated"}, status_code=401)
    user_id = request.path_params["user_id"]
    if scheme.lower() != "bearer" or claims.get("sub") != user_id:
        return JSONResponse({"detail": "forbidden"}, status_code=403)
    return str(user_id)


async def tasks(request: Request) -> Response:
    user = _user(request)
    if isinstance(user, Response):
        return user
    pool: asyncpg.Pool = request.app.state.pool
    if request.method == "POST":
        body = json.loads(await request.body())
        title = str(body.get("title", "")).strip()
        if not 1 <= len(title) <= 200:
            return JSONResponse({"detail": "title must be 1-200 characters"}, status_code=422)
        tags = sorted({str(t).strip().lower() for t in body.get("tags") or []})
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                INSERT_SQL, user, title, body.get("description"), body.get("priority", "medium"), tags
            )
        return JSONResponse(_json(row), status_code=201)
    limit = min(int(request.query_params.get("limit", 50)), 200)
    offset = int(request.query_params.get("offset", 0))
    order = "asc" if request.query_params.get("order") == "asc" else "desc"
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(PAGE_SQL[order], user, limit + 1, offset)
    total = rows[0]["total_matching"] if rows else 0
    more = len(rows) > limit
    rows = rows[:limit]
    page = {
        "items": [_json(r) for r in rows],
        "total": min(total, TOTAL_CAP),
        "total_capped": total > TOTAL_CAP,
        "limit": limit,
        "offset": offset,
        "next_cursor": encode_cursor("created", order, rows[-1]["sort_key"], rows[-1]["id"]) if more else None,
    }
    return JSONResponse(page)


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    async with request.app.state.pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
    return JSONResponse({"status": "ready"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = Settings()
    app.state.secret = settings.AUTH_SECRET.get_secret_value()
    app.state.pool = await asyncpg.create_pool(_dsn(settings.DATABASE_URL), min_size=1, max_size=settings.DB_POOL_SIZE)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/health/ready", ready),
        Route("/api/{user_id}/tasks", tasks, methods=["GET", "POST"]),
    ],
    lifespan=lifespan,
)

if __name__ == "__main__":
    from todo_core.server import serve

    serve("benchmarks.baseline_app:app", Settings())
