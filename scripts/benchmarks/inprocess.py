"""CPU per request of one service's ASGI app, driven in-process (no sockets, no HTTP server, no load tool).

For profiling, not for the report: `make bench` measures over real sockets. Here the app is called
directly, so the time is the app's own (framework, auth, ORM, driver, serialisation), and the
process can be sampled by a profiler:

    .venv/bin/python scripts/benchmarks/inprocess.py backend list
    py-spy record -f raw -o /tmp/list.txt -- .venv/bin/python scripts/benchmarks/inprocess.py backend list

(py-spy from PyPI in a throwaway venv; it is not a project dependency.) Scenarios: backend `list`
(100 tasks) / `create`, mcp-server `list_tasks` / `add_task`, on an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import LIST_QUERY, MCP_HEADERS, TASK_BODY, TASKS
from benchmarks.stack import ROOT
from todo_core.migrate import migrate
from todo_harness.postgres import fresh_database, start_pgserver

SCENARIOS = {"backend": ("list", "create"), "mcp-server": ("list_tasks", "add_task")}


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI interface; returns (status, body)."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "root_path": "",
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def measure(service: str, scenario: str, requests: int) -> float:
    from todo_core.auth import issue_token
    from todo_core.db import create_engine, create_session_factory
    from todo_core.schemas import TaskCreate
    from todo_core.settings import MigrationSettings
    from todo_core.tasks import TaskRepository
    from todo_core.users import UserRepository

    engine = create_engine(MigrationSettings())
    async with create_session_factory(engine)() as session:
        user = await UserRepository(session).create(f"{secrets.token_hex(4)}@example.com", "correct-horse-1", None)
        for i in range(TASKS):
            await TaskRepository(session, user.id).create(TaskCreate(title=f"Task {i:03d}", tags=["bench"]))
        await session.commit()
    await engine.dispose()
    token = issue_token(user.id, "bench@example.com", os.environ["AUTH_SECRET"], 3600)
    auth = {"authorization": f"Bearer {token}", "host": "127.0.0.1:8000"}

    if service == "backend":
        from backend.main import app
        from backend.main import lifespan as app_lifespan

        lifespan = app_lifespan(app)
        if scenario == "list":
            request = ("GET", f"/api/{user.id}/tasks{LIST_QUERY}", auth, b"")
        else:
            json_auth = {**auth, "content-type": "application/json"}
            request = ("POST", f"/api/{user.id}/tasks", json_auth, json.dumps(TASK_BODY).encode())
    else:
        from mcp_server.main import app

        lifespan = app.router.lifespan_context(app)
        arguments = {} if scenario == "list_tasks" else TASK_BODY
        rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": scenario, "arguments": arguments}}
        request = ("POST", "/mcp", {**auth, **{k.lower(): v for k, v in MCP_HEADERS.items()}}, json.dumps(rpc).encode())

    async with lifespan:
        for _ in range(30):  # warm caches and the pool; each answer is checked
            status, body = await call(app, *request)
            assert status in (200, 201) and b'"isError":true' not in body, (status, body[:300])
        started = time.process_time()
        for _ in range(requests):
            await call(app, *request)
        return (time.process_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=SCENARIOS)
    parser.add_argument("scenario", choices=[s for names in SCENARIOS.values() for s in names])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--postgres-url", help="use this PostgreSQL server (a fresh database is made on it)")
    args = parser.parse_args()
    if args.scenario not in SCENARIOS[args.service]:
        parser.error(f"{args.service} scenarios: {', '.join(SCENARIOS[args.service])}")
    with contextlib.ExitStack() as stack:
        url = args.postgres_url
        if url is None:
            url, server = start_pgserver(ROOT / ".data" / "bench-postgres")
            stack.callback(server.cleanup)
        database_url = stack.enter_context(fresh_database(url, prefix="todo_inprocess"))
        asyncio.run(migrate(database_url))
        service_env = {"DATABASE_URL": database_url, "AUTH_SECRET": secrets.token_hex(32)}
        os.environ.update(service_env, ENVIRONMENT="production", LOG_LEVEL="WARNING")
        ms = asyncio.run(measure(args.service, args.scenario, args.requests))
        print(f"{args.service} {args.scenario}: {ms:.2f} ms CPU per request (in-process, {args.requests} requests)")


if __name__ == "__main__":
    main()
