"""The revocation list: in-memory answers while its LISTEN feed is current, the table otherwise."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from todo_core.db import normalize_database_url
from todo_core.revocation import APPLICATION_NAME, RevocationList, revoke_token
from todo_harness.postgres import asyncpg_dsn

WAIT_SECONDS = 10.0  # generous: how long the listener may take to (re)connect or hear a notice


async def _until(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_revocations_reach_other_processes_and_survive_a_lost_listener(db: str) -> None:
    engine = create_async_engine(normalize_database_url(db))
    # An engine that cannot reach anything: a live list must answer without touching it.
    nowhere = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", connect_args={"timeout": 0.5})
    revoked_before = RevocationList(db, connect_timeout=2)
    exp = time.time() + 3600
    async with engine.connect() as conn:  # revoked before the list ever connected: loaded at start
        await conn.execute(
            text("INSERT INTO revoked_tokens (jti, expires_at) VALUES ('old', now() + interval '1 hour')")
        )
        await conn.commit()

    revoked_before.start()
    try:
        await _until(lambda: revoked_before.live, "the listener to connect")
        assert await revoked_before.is_revoked("old", nowhere) is True
        assert await revoked_before.is_revoked("fresh", nowhere) is False

        # Another process revokes: heard as a notice, answered from memory.
        async with AsyncSession(engine) as session:
            await revoke_token(session, "fresh", exp)
            await session.commit()
        await _until(lambda: "fresh" in revoked_before._revoked, "the notice")
        assert await revoked_before.is_revoked("fresh", nowhere) is True

        # The listener's connection is cut: until it is back, checks ask the table.
        admin = await asyncpg.connect(asyncpg_dsn(db))
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        await _until(lambda: not revoked_before.live, "the list to notice the lost listener")
        await admin.execute(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ('while-down', now() + interval '1 hour')"
        )
        assert await revoked_before.is_revoked("while-down", engine) is True  # from the table
        assert await revoked_before.is_revoked("never", engine) is False
        await admin.close()

        # Back by itself, with what was revoked while it was away.
        await _until(lambda: revoked_before.live, "the listener to reconnect")
        assert await revoked_before.is_revoked("while-down", nowhere) is True
    finally:
        await revoked_before.stop()
        await engine.dispose()
        await nowhere.dispose()


async def test_expired_revocations_are_forgotten(db: str) -> None:
    engine = create_async_engine(normalize_database_url(db))
    async with AsyncSession(engine) as session:
        await session.execute(
            text("INSERT INTO revoked_tokens (jti, expires_at) VALUES ('expired', now() - interval '1 second')")
        )
        await revoke_token(session, "current", time.time() + 60)  # also deletes rows past their expiry
        await session.commit()
        left = (await session.execute(text("SELECT jti FROM revoked_tokens ORDER BY jti"))).scalars().all()
    await engine.dispose()
    assert left == ["current"]
