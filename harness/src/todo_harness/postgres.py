"""Where tests get PostgreSQL: TEST_DATABASE_URL, else an embedded pgserver.

Never a container, even where a Docker engine answers: the container tier runs its own PostgreSQL
in compose, and testcontainers would pull images no registry serves on an offline machine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import uuid
import warnings
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from todo_core.db import asyncpg_dsn, normalize_database_url

log = logging.getLogger(__name__)
T = TypeVar("T")


def _repo_root() -> Path:
    """The checkout this package was installed from (editable, by `uv sync`): where uv.lock is."""
    for directory in Path(__file__).resolve().parents:
        if (directory / "uv.lock").is_file():
            return directory
    raise RuntimeError(f"{__file__} is not inside the Todo Stack checkout (no uv.lock above it)")


REPO_ROOT = _repo_root()
TABLES = ("messages", "conversations", "tasks", "users", "revoked_tokens", "auth_attempts")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from synchronous code.

    On a thread of its own, so it works even where this thread already runs an event loop
    (pytest-asyncio's, or the one Playwright's sync API leaves behind).
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def start_pgserver(data_dir: Path) -> tuple[str, object]:
    """Start (or reuse) an embedded PostgreSQL 16 whose data lives in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver logs at INFO from an atexit hook, after test runners have closed their streams.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers; harmless
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    return server.get_uri(), server


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server's maintenance database."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    url, server = start_pgserver(REPO_ROOT / ".data" / "test-postgres")
    try:
        yield url
    finally:
        server.cleanup()  # type: ignore[attr-defined]


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "todo_test") -> Iterator[str]:
    """Create an empty database for this run, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    run_sync(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield normalize_database_url(with_database(server_url, name))
    finally:
        run_sync(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_all(url: str) -> None:
    await _admin(url, f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


async def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Read the database directly, to check what an API call really wrote."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()
