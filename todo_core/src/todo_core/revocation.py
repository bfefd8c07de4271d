"""Token revocation: logout records the token's id (`jti`) in `revoked_tokens`; every service that
accepts tokens refuses it from then on.

Looking the table up on every request would add a database round trip to each one. Instead each
process keeps the revoked, not yet expired ids in memory: loaded when it connects and kept current
by PostgreSQL LISTEN/NOTIFY (a revocation notifies in its own transaction, so the news goes out
exactly when it commits, to every replica of every service). Whenever that feed is not known to be
current (starting up, the database restarting, a listener that stopped answering) a check asks the
table instead, so a revoked token is never accepted because a notification was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from todo_core.db import asyncpg_dsn

log = logging.getLogger("todo_core.revocation")

CHANNEL = "token_revoked"
APPLICATION_NAME = "todo-revocation-listener"  # how its connection shows in pg_stat_activity
# How often the listener's connection is checked; a silent one (a frozen server, a partition)
# is dropped after PING_TIMEOUT, and checks go to the table until it is back.
PING_SECONDS = 5.0
PING_TIMEOUT = 2.0
RECONNECT_MAX_SECONDS = 5.0


async def revoke_token(session: AsyncSession, jti: str, expires_at: float) -> None:
    """Record `jti` as revoked (idempotent) and tell every listening process, on commit."""
    await session.execute(
        text("INSERT INTO revoked_tokens (jti, expires_at) VALUES (:jti, :expires_at) ON CONFLICT (jti) DO NOTHING"),
        {"jti": jti, "expires_at": datetime.fromtimestamp(expires_at, UTC)},
    )
    # Rows are only needed until their token would have expired anyway.
    await session.execute(text("DELETE FROM revoked_tokens WHERE expires_at < now()"))
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": f"{jti} {expires_at}"}
    )


class RevocationList:
    """The revoked token ids of this process, fed by LISTEN/NOTIFY; see the module docstring."""

    def __init__(self, database_url: str, connect_timeout: float) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._connect_timeout = connect_timeout
        self._revoked: dict[str, float] = {}  # jti -> the token's own expiry (epoch seconds)
        self._live = False
        self._task: asyncio.Task[None] | None = None

    @property
    def live(self) -> bool:
        """True while the in-memory set is known to be current (answers need no database)."""
        return self._live

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="revocation-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._live = False

    def add(self, jti: str, expires_at: float) -> None:
        """A revocation this process made itself: effective here at once, before the notification."""
        self._revoked[jti] = expires_at

    async def is_revoked(self, jti: str, engine: AsyncEngine) -> bool:
        if self._live or jti in self._revoked:
            return jti in self._revoked
        # The feed is not current: ask the table (a database that is down fails this with it).
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT 1 FROM revoked_tokens WHERE jti = :jti"), {"jti": jti})
        return found is not None

    # ---- the listener ------------------------------------------------------------------------

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        jti, _, expires = payload.partition(" ")
        try:
            self._revoked[jti] = float(expires)
        except ValueError:
            log.warning("ignoring a malformed revocation notice", extra={"payload": payload[:100]})

    def _prune(self) -> None:
        now = time.time()
        for jti in [j for j, exp in self._revoked.items() if exp <= now]:
            del self._revoked[jti]

    async def _follow(self) -> None:
        delay = 0.2
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(
                    self._dsn, timeout=self._connect_timeout, server_settings={"application_name": APPLICATION_NAME}
                )
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _c, closed=closed: closed.set())
                # Listen first, then load: a revocation committed in between arrives as a notice.
                await conn.add_listener(CHANNEL, self._on_notify)
                rows = await conn.fetch(
                    "SELECT jti, extract(epoch FROM expires_at)::float8 AS exp FROM revoked_tokens "
                    "WHERE expires_at > now()",
                    timeout=PING_TIMEOUT * 5,
                )
                self._revoked.update({row["jti"]: row["exp"] for row in rows})  # revocations are never undone
                self._prune()
                self._live = True
                delay = 0.2
                log.info("following token revocations", extra={"revoked": len(self._revoked)})
                await self._watch(conn, closed.wait)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._live or delay == 0.2:
                    log.warning(
                        "token revocation feed lost; checking the table per request", extra={"error": repr(exc)}
                    )
            finally:
                self._live = False
                if conn is not None:
                    conn.terminate()  # never waits on a server that may not answer
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _watch(self, conn: Any, closed: Callable[[], Awaitable[Any]]) -> None:
        """Return when the connection closes or stops answering."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed(), PING_SECONDS)
                raise ConnectionError("the database closed the revocation listener's connection")
            await conn.fetchval("SELECT 1", timeout=PING_TIMEOUT)
            self._prune()
