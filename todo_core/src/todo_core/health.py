"""Liveness and readiness helpers shared by the services."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

READINESS_TIMEOUT_SECONDS = 2.0


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "todo_core:migrations")
    return config


@lru_cache(maxsize=1)
def schema_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


async def _schema_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        if not exists:
            return None
        return await conn.scalar(text("SELECT version_num FROM alembic_version"))


async def database_readiness(engine: AsyncEngine) -> tuple[bool, dict[str, Any]]:
    """(ready, body): the DB answers within the timeout and its schema is at the Alembic head."""
    try:
        revision = await asyncio.wait_for(_schema_revision(engine), READINESS_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to reach the DB means "not ready", never a 500
        reason = "database timed out" if isinstance(exc, TimeoutError) else "database unreachable"
        return False, {"status": "unavailable", "reason": f"{reason}: {type(exc).__name__}"}
    head = schema_head()
    if revision != head:
        return False, {
            "status": "unavailable",
            "reason": f"database schema at revision {revision or 'none'}, expected {head}: "
            "run `python -m todo_core.migrate`",
        }
    return True, {"status": "ready", "database": "ok", "schema": revision}
