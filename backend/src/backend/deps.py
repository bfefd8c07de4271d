"""Typed dependencies, so each route's signature says what it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import aiohttp
from fastapi import Depends, Header, HTTPException, Path, Request, status
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from backend.settings import Settings, get_settings
from todo_core.auth import REVOKED_MESSAGE, InvalidToken, bearer_token, decode_token
from todo_core.db import session_scope
from todo_core.logging import user_id_var


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.session_factory):
        yield session


def autocommit(request: Request) -> AsyncConnection:
    """A connection whose statements commit as they run (`async with autocommit(request) as c`),
    for routes that run a single statement (a create, one task, a page of the list). No BEGIN
    and COMMIT round trips around it: 3 trips became 1, as in the raw-driver baseline. A 201
    still means durable: the INSERT has committed when it returns. Opened in the route, not by
    a dependency: a `yield` dependency and a session around one statement cost about a fifth of
    a create's time, and resolving any dependency costs FastAPI more than the work here
    (docs/benchmarks.md)."""
    engine: AsyncEngine = request.app.state.autocommit_engine
    return engine.connect()


# Every dependency here is `async def` although none awaits: FastAPI runs a plain `def` dependency
# in its thread pool, and those hops (three per request) cost more than the work (make bench).


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.session_factory


async def get_agent_client(request: Request) -> aiohttp.ClientSession:
    return request.app.state.agent_client


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the signed token says; `token` is forwarded to the agent."""

    id: str
    email: str
    token: str
    jti: str
    expires_at: float


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=f"not authenticated: {reason}",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def settings_dependency() -> Settings:
    return get_settings()


AuthorizationHeader = Annotated[str | None, Header(include_in_schema=False)]


async def get_token_user(request: Request, authorization: AuthorizationHeader = None) -> TokenUser:
    try:
        token = bearer_token(authorization)
        claims = decode_token(token, get_settings().AUTH_SECRET.get_secret_value())
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    state = request.app.state
    if await state.revocations.is_revoked(claims["jti"], state.engine):
        raise _unauthorized(REVOKED_MESSAGE)
    user_id_var.set(claims["sub"])  # this request's log lines name the user from here on
    return TokenUser(
        id=claims["sub"],
        email=str(claims.get("email", "")),
        token=token,
        jti=claims["jti"],
        expires_at=float(claims["exp"]),
    )


def client_address(request: Request) -> str | None:
    """The caller's address as uvicorn resolved it (X-Forwarded-For from FORWARDED_ALLOW_IPS proxies)."""
    return request.client.host if request.client else None


async def get_path_user(
    request: Request,
    user_id: Annotated[str, Path(max_length=64, description="Must be the token's user id")],
    authorization: AuthorizationHeader = None,
) -> TokenUser:
    # get_token_user called, not declared as a sub-dependency: resolving one costs FastAPI more
    # than the token check itself, and every task route resolves this one (see autocommit).
    user = await get_token_user(request, authorization)
    if user_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this user_id is not the token's user")
    return user


SettingsDep = Annotated[Settings, Depends(settings_dependency)]
# scope="function": commit before the response is sent, so a 2xx means the write is durable
# (the default request scope would run the commit after the client already has its answer).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
AgentClientDep = Annotated[aiohttp.ClientSession, Depends(get_agent_client)]
CurrentUser = Annotated[TokenUser, Depends(get_token_user)]
PathUser = Annotated[TokenUser, Depends(get_path_user)]
