"""Async engine and session setup (asyncpg), shared by every service that touches PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from todo_core.settings import DatabaseSettingsMixin

_ASYNC_SCHEME = "postgresql+asyncpg"
_ACCEPTED_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}


def normalize_database_url(url: str) -> str:
    """Return `url` with the asyncpg driver, so one DATABASE_URL works for every tool."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _ACCEPTED_SCHEMES:
        raise ValueError(f"DATABASE_URL must start with postgresql:// (got scheme {parts.scheme!r})")
    return urlunsplit((_ASYNC_SCHEME, *parts[1:]))


def create_engine(settings: DatabaseSettingsMixin) -> AsyncEngine:
    return create_async_engine(
        normalize_database_url(settings.DATABASE_URL),
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        pool_pre_ping=True,  # a connection broken by a DB restart is replaced, not handed out
        connect_args={
            "timeout": settings.DB_CONNECT_TIMEOUT,
            "command_timeout": settings.DB_STATEMENT_TIMEOUT_MS / 1000 + 1,
            "server_settings": {"statement_timeout": str(settings.DB_STATEMENT_TIMEOUT_MS)},
        },
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per request; commits on success, rolls back on any error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
