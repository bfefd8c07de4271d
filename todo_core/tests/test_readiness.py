"""Readiness rules for the schema: pending migration → not ready; newer schema (rollback) → ready."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from todo_core.health import database_readiness, schema_head
from todo_core.migrate import migrate
from todo_harness.postgres import fresh_database, run_sync


def test_schema_states(postgres_server_url: str) -> None:
    async def states(url: str) -> list[tuple[bool, dict]]:
        engine = create_async_engine(url)
        seen = [await database_readiness(engine)]  # empty database: migration pending
        await migrate(url)
        seen.append(await database_readiness(engine))  # at head
        async with engine.begin() as conn:  # as after a rollback: the next release migrated further
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_next_release'"))
        seen.append(await database_readiness(engine))
        await migrate(url)  # the older release's migrator leaves the newer schema alone
        seen.append(await database_readiness(engine))
        await engine.dispose()
        return seen

    with fresh_database(postgres_server_url, prefix="ready") as url:
        pending, at_head, newer, after_old_migrator = run_sync(states(url))
    assert pending == (False, pending[1]) and "revision none" in pending[1]["reason"]
    assert at_head == (True, {"status": "ready", "database": "ok", "schema": schema_head()})
    assert newer[0] is True and newer[1]["schema"] == "ffff_next_release"
    assert after_old_migrator == newer


def test_unreachable_database_is_not_ready_quickly() -> None:
    async def check() -> tuple[bool, dict]:
        engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", connect_args={"timeout": 1})
        try:
            return await database_readiness(engine)
        finally:
            await engine.dispose()

    ready, body = run_sync(check())
    assert not ready and body["reason"].startswith("database unreachable")
