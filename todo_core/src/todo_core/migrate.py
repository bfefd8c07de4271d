"""`python -m todo_core.migrate`: wait for the database, then `alembic upgrade head`.

The one migration entry point for `make up`, compose and the Helm Job. Safe to run concurrently:
a PostgreSQL advisory lock serialises runs, and a run that finds the schema at head does nothing;
so does one that finds a schema newer than it knows (after a rollback: see docs/operations.md).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from todo_core.db import normalize_database_url
from todo_core.health import alembic_config, is_newer_than_this_release, schema_head, schema_revision
from todo_core.logging import configure_logging
from todo_core.settings import MigrationSettings

log = logging.getLogger("todo_core.migrate")
ADVISORY_LOCK_KEY = 0x70D0_57AC  # arbitrary, fixed: every migrator takes the same lock
LOCK_POLL_SECONDS = 0.2


def _upgrade(sync_connection: object, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = sync_connection
    command.upgrade(config, target)


async def _wait_for_database(url: str, wait_seconds: float) -> AsyncConnection:
    engine = create_async_engine(url, connect_args={"timeout": 3})
    async for attempt in AsyncRetrying(
        stop=stop_after_delay(wait_seconds),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type(Exception),  # any failure to connect: the DB may still be starting
        reraise=True,
    ):
        with attempt:
            if attempt.retry_state.attempt_number > 1:
                log.info("waiting for the database", extra={"attempt": attempt.retry_state.attempt_number})
            conn = await engine.connect()
            await conn.execute(text("SELECT 1"))
            return conn
    raise AssertionError("unreachable")


async def _lock(conn: AsyncConnection) -> None:
    """Take the migrators' advisory lock by polling, not by a blocking pg_advisory_lock: a
    migrator blocked inside a statement holds a snapshot, and CREATE INDEX CONCURRENTLY (0003) in
    the migrator holding the lock waits for every such snapshot to end: a deadlock."""
    while True:
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})).scalar()
        await conn.commit()
        if got:
            return
        await asyncio.sleep(LOCK_POLL_SECONDS)


async def migrate(database_url: str, wait_seconds: float = 60.0, target: str = "head") -> None:
    """Upgrade to `target` (head; the bench loads its data at an older one, then times the rest)."""
    conn = await _wait_for_database(normalize_database_url(database_url), wait_seconds)
    try:
        await _lock(conn)
        revision = await schema_revision(conn)
        if is_newer_than_this_release(revision):  # a rollback: the next release migrated further
            log.info(
                "database schema is newer than this release; leaving it",
                extra={"revision": revision, "head": schema_head()},
            )
        else:
            # Alembic must own the transaction: a migration with an autocommit block (CREATE
            # INDEX CONCURRENTLY, 0003) commits it, which it can only do to one it began.
            await conn.commit()
            await conn.run_sync(_upgrade, target)
        await conn.commit()
        await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        await conn.commit()
    finally:
        await conn.close()
        await conn.engine.dispose()


def main() -> int:
    settings = MigrationSettings()  # DATABASE_URL comes from the environment
    configure_logging(settings.LOG_LEVEL)
    try:
        asyncio.run(migrate(settings.DATABASE_URL, settings.MIGRATION_WAIT_SECONDS))
    except Exception as exc:
        log.error("migration failed", extra={"error": f"{type(exc).__name__}: {exc}"})
        return 1
    log.info("database schema is at head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
