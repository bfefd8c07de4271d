"""The migration entry point: idempotent, safe when several run at once, schema matches the models."""

import asyncio
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from todo_core.health import schema_head
from todo_core.migrate import migrate
from todo_core.models import Base
from todo_harness.postgres import fetch, fresh_database, run_sync


def test_concurrent_migrations_are_safe_and_idempotent(postgres_server_url: str) -> None:
    async def four_at_once_then_again(url: str) -> list:
        await asyncio.gather(*(migrate(url) for _ in range(4)))
        await migrate(url)  # again, at head: a no-op
        return await fetch(url, "SELECT version_num FROM alembic_version")

    with fresh_database(postgres_server_url, prefix="migrate") as url:
        rows = run_sync(four_at_once_then_again(url))
        assert [r["version_num"] for r in rows] == [schema_head()]


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await engine.dispose()
    assert diff == [], f"models differ from the migrations; add a revision: {diff}"


def test_entry_point_reports_an_unreachable_database() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "todo_core.migrate"],
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "MIGRATION_WAIT_SECONDS": "1", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "migration failed" in result.stderr


def test_0004_fills_the_search_document_of_existing_tasks(postgres_server_url: str) -> None:
    """Tasks written before 0004 (by the previous release) are found by search after it."""

    async def tasks_then_upgrade(url: str) -> list:
        await migrate(url, target="0003")
        await fetch(url, "INSERT INTO users (id, email, password_hash) VALUES ('u1', 'a@example.com', 'x')")
        await fetch(
            url,
            "INSERT INTO tasks (user_id, title, description) VALUES"
            " ('u1', 'Pay invoice', NULL), ('u1', 'Call', 'about the Invoice'), ('u1', 'Walk', 'dog')",
        )
        await migrate(url)
        return await fetch(
            url,
            "SELECT title, search_document @@ to_tsquery('simple', 'invoice') AS found FROM tasks ORDER BY id",
        )

    with fresh_database(postgres_server_url, prefix="migrate") as url:
        rows = run_sync(tasks_then_upgrade(url))
    assert [(r["title"], r["found"]) for r in rows] == [("Pay invoice", True), ("Call", True), ("Walk", False)]
