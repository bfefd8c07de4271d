"""Async engine and session setup (asyncpg), shared by every service that touches PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from todo_core.settings import DatabaseSettingsMixin

_ASYNC_SCHEME = "postgresql+asyncpg"
_ACCEPTED_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}


def normalize_database_url(url: str) -> str:
    """Return `url` with the asyncpg driver, so one DATABASE_URL works for every tool."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _ACCEPTED_SCHEMES:
        raise ValueError(f"DATABASE_URL must start with postgresql:// (got scheme {parts.scheme!r})")
    return urlunsplit((_ASYNC_SCHEME, *parts[1:]))


def asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg itself takes it (plain postgresql:// scheme), for raw connections."""
    parts = urlsplit(normalize_database_url(url))
    return urlunsplit(("postgresql", *parts[1:]))


# SQLSTATE classes that mean "the server cannot serve us now", not "the request was wrong":
# 08 connection exception, 53 insufficient resources (too many connections), 57 operator
# intervention (57P01 admin shutdown, 57P03 "the database system is starting up", 57014 timeout).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


# What every service tells its caller when PostgreSQL cannot be reached.
DB_UNAVAILABLE = "database unavailable, try again shortly"


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) means PostgreSQL is down, restarting or overloaded:
    callers answer 503 / "try again shortly" instead of treating it as a bug."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError | InterfaceError | PoolTimeoutError | OSError | TimeoutError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(getattr(current, "orig", None), "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES):
            return True
        current = current.__cause__
    return False


def _sqlstates(exc: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None) or getattr(getattr(current, "orig", None), "sqlstate", None)
        if isinstance(sqlstate, str):
            yield sqlstate
        current = current.__cause__


def is_missing_account(exc: BaseException) -> bool:
    """A foreign-key violation (23503): the row points at a user that no longer exists, i.e. a
    validly signed token of a deleted account (or one from before a database reset)."""
    return "23503" in _sqlstates(exc)


# After the database failed to answer (a connect or a statement that timed out), new connects fail
# at once for this long instead of each waiting DB_CONNECT_TIMEOUT again: requests queued behind
# the pool then get their 503 promptly, and the next connect after it tries the server again.
UNRESPONSIVE_COOLDOWN_SECONDS = 1.0


class DatabaseUnresponsive(ConnectionError):
    """PostgreSQL did not answer a moment ago; the connect is refused without trying."""


class _Unresponsive:
    """When the database last failed to answer, shared by the engine's connects and statements."""

    def __init__(self) -> None:
        self.until = 0.0

    def trip(self) -> None:
        self.until = time.monotonic() + UNRESPONSIVE_COOLDOWN_SECONDS

    def check(self) -> None:
        if time.monotonic() < self.until:
            raise DatabaseUnresponsive("database did not answer moments ago")


# How PostgreSQL plans the services' statements (set on each of their connections; the growth
# bench's EXPLAIN and the query-plan tests use them too).
PLANNER_SETTINGS = {
    # Plan each statement with its values: a cached generic plan guesses one user's row count and
    # a tag's or word's frequency, so a user with 100,000 tasks got the plan made for one with 50
    # (and a common tag the one for a rare one): 90+ ms instead of 5 (make bench, growth).
    # Planning costs ~0.1 ms.
    "plan_cache_mode": "force_custom_plan",
    # Costs for a working set in memory. By default a GIN posting-list entry costs 1/500 of a
    # random heap row, so a common word's posting list (150,000 entries, ~36 ms) looked cheaper
    # than reading a 10,000-task user's rows newest first until 201 match (~2,600 rows, 1 ms).
    # Measured here an entry costs about half a row; these make it 1/20, enough to choose right
    # (docs/benchmarks.md, run 8).
    "random_page_cost": "1.1",
    "cpu_index_tuple_cost": "0.05",
}


def create_planned_engine(database_url: str) -> AsyncEngine:
    """A plain engine whose connections plan as the services' do: for EXPLAIN outside a service
    (the growth bench, the query-plan tests)."""
    return create_async_engine(normalize_database_url(database_url), connect_args={"server_settings": PLANNER_SETTINGS})


def create_engine(settings: DatabaseSettingsMixin) -> AsyncEngine:
    """The service's engine, every wait on the database bounded (see docs/reliability.md):

    - pool checkout: DB_POOL_TIMEOUT;
    - connect (TCP, TLS, authentication): DB_CONNECT_TIMEOUT, and no wait at all for a moment
      after the database failed to answer;
    - a statement: the server cancels it at DB_STATEMENT_TIMEOUT_MS; a server that cannot (frozen,
      partitioned) is given up on by the client half a second later, and that connection and
      the rest of the pool are discarded (they are on the same silent server) rather than
      rolled back, which would wait again.
    """
    unresponsive = _Unresponsive()
    dsn = asyncpg_dsn(settings.DATABASE_URL)
    statement_timeout = settings.DB_STATEMENT_TIMEOUT_MS / 1000

    async def connect() -> asyncpg.Connection:
        unresponsive.check()
        try:
            return await asyncpg.connect(
                dsn,
                timeout=settings.DB_CONNECT_TIMEOUT,
                command_timeout=statement_timeout + 0.5,
                server_settings={
                    "statement_timeout": str(settings.DB_STATEMENT_TIMEOUT_MS),
                    **PLANNER_SETTINGS,
                },
            )
        except (TimeoutError, OSError):
            unresponsive.trip()
            raise

    engine = create_async_engine(
        normalize_database_url(settings.DATABASE_URL),
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        async_creator=connect,
    )

    def on_error(context: ExceptionContext) -> None:
        # asyncpg's client-side command timeout: the server did not even enforce its own
        # statement_timeout, so it is not answering at all.
        if isinstance(context.original_exception, TimeoutError):
            context.is_disconnect = True
            unresponsive.trip()
            # Close it here without a goodbye: SQLAlchemy's invalidation would first try a graceful
            # close, which waits up to 2 s more for the silent server.
            raw = context.connection.connection.driver_connection if context.connection is not None else None
            if raw is not None:
                raw.terminate()

    event.listen(engine.sync_engine, "handle_error", on_error)
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(_dbapi: object, _record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    """A pooled connection the server closed (restart, admin shutdown) is replaced, not handed out.

    Instead of `pool_pre_ping` (a round trip per checkout, about a tenth of a simple request's
    time): asyncpg marks a connection closed as soon as the server drops it. A connection that
    dies silently fails its first statement, which invalidates the whole pool (SQLAlchemy's
    disconnect handling) and answers 503.
    """
    if proxy.driver_connection is None or proxy.driver_connection.is_closed():
        raise InvalidatePoolError("connection closed by the server")


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


class UserRepository:
    """One user's rows. Core statements run on an ORM session or, cheaper, on a bare connection;
    the methods that work on ORM objects go through `_orm`, which refuses a connection."""

    def __init__(self, session: AsyncSession | AsyncConnection, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    @property
    def _orm(self) -> AsyncSession:
        if not isinstance(self.session, AsyncSession):
            raise TypeError(f"{type(self).__name__}: this method needs an AsyncSession, not a connection")
        return self.session
