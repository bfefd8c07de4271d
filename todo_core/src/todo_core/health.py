"""Liveness and readiness helpers shared by the services."""

from __future__ import annotations

import ast
import asyncio
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"

READINESS_TIMEOUT_SECONDS = 2.0


def alembic_config() -> Config:
    from alembic.config import Config  # only the migrator needs Alembic itself

    config = Config()
    config.set_main_option("script_location", "todo_core:migrations")
    return config


def _declared_revisions(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """(revision, down_revisions) of one migration file, read from its module-level assignments."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            values[target.id] = ast.literal_eval(value)
    down = values.get("down_revision")
    downs = tuple(down) if isinstance(down, list | tuple) else (() if down is None else (down,))
    return values.get("revision"), downs


@lru_cache(maxsize=1)
def known_revisions() -> dict[str, tuple[str, ...]]:
    """Every revision this code ships, mapped to the revisions it follows."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS_DIR.glob("*.py")):
        revision, downs = _declared_revisions(path)
        if revision is not None:
            revisions[revision] = downs
    return revisions


@lru_cache(maxsize=1)
def schema_head() -> str:
    """The latest migration's revision id.

    Read from the migration files' `revision` / `down_revision` lines rather than through Alembic's
    ScriptDirectory: importing Alembic costs the backend and MCP server ~8 MiB of memory and a
    noticeable part of their startup, only to answer this one question. A history that is not one
    line of revisions (several heads) is left to Alembic, which reports it properly.
    """
    revisions = known_revisions()
    heads = set(revisions) - {down for downs in revisions.values() for down in downs}
    if len(heads) == 1:
        return heads.pop()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


async def schema_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    if not await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        return None
    return await conn.scalar(text("SELECT version_num FROM alembic_version"))


def is_newer_than_this_release(revision: str | None) -> bool:
    return revision is not None and revision not in known_revisions()


async def _schema_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await schema_revision(conn)


async def database_readiness(engine: AsyncEngine) -> tuple[bool, dict[str, Any]]:
    """(ready, body): the DB answers within the timeout and its schema is at this code's head.

    A revision this code does not know is newer than it: a rollback (`helm rollback`) runs the
    previous release against the schema the next one migrated to. Migrations are written
    expand/contract (docs/operations.md), so that is served; only a pending migration is not.
    """
    try:
        revision = await asyncio.wait_for(_schema_revision(engine), READINESS_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to reach the DB means "not ready", never a 500
        reason = "database timed out" if isinstance(exc, TimeoutError) else "database unreachable"
        return False, {"status": "unavailable", "reason": f"{reason}: {type(exc).__name__}"}
    head = schema_head()
    if is_newer_than_this_release(revision):
        return True, {"status": "ready", "database": "ok", "schema": revision, "note": f"schema is newer than {head}"}
    if revision != head:
        return False, {
            "status": "unavailable",
            "reason": f"database schema at revision {revision or 'none'}, expected {head}: "
            "run `python -m todo_core.migrate`",
        }
    return True, {"status": "ready", "database": "ok", "schema": revision}
