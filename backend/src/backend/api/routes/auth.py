"""Sign-up, login, logout and the current user."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from backend.api.responses import RATE_LIMITED, UNAUTHORIZED
from backend.deps import CurrentUser, SessionDep, SettingsDep, client_address
from backend.settings import Settings
from todo_core.auth import issue_token
from todo_core.models import User
from todo_core.ratelimit import AuthRateLimiter
from todo_core.revocation import revoke_token
from todo_core.schemas import AuthOut, LoginIn, SignupIn, UserOut
from todo_core.users import UserRepository

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _auth_out(user: User, settings: Settings) -> AuthOut:
    token = issue_token(user.id, user.email, settings.AUTH_SECRET.get_secret_value(), settings.AUTH_TOKEN_TTL_SECONDS)
    return AuthOut(token=token, user=UserOut.model_validate(user))


async def _login_limiter(request: Request) -> AuthRateLimiter:
    return request.app.state.limiters["login"]


async def _signup_limiter(request: Request) -> AuthRateLimiter:
    return request.app.state.limiters["sign-up"]


LoginLimiter = Annotated[AuthRateLimiter, Depends(_login_limiter)]
SignupLimiter = Annotated[AuthRateLimiter, Depends(_signup_limiter)]


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "Email already registered"}, **RATE_LIMITED},
)
async def signup(
    body: SignupIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: SignupLimiter
) -> AuthOut:
    await limiter.attempt(body.email, client_address(request))  # every sign-up counts
    user = await UserRepository(session).create(body.email, body.password, body.name)
    return _auth_out(user, settings)


@router.post("/login", responses={**UNAUTHORIZED, **RATE_LIMITED})
async def login(
    body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep, limiter: LoginLimiter
) -> AuthOut:
    # Counted before the password is checked, so a blocked caller learns nothing from trying.
    address = client_address(request)
    await limiter.attempt(body.email, address)
    user = await UserRepository(session).authenticate(body.email, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid email or password")
    await limiter.succeeded(body.email, address)  # only failures count
    return _auth_out(user, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHORIZED)
async def logout(user: CurrentUser, request: Request, session: SessionDep) -> Response:
    """Revoke the caller's token on every service (the user's other sessions stay signed in)."""
    await revoke_token(session, user.jti, user.expires_at)
    await session.commit()
    request.app.state.revocations.add(user.jti, user.expires_at)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=UNAUTHORIZED)
async def me(user: CurrentUser, session: SessionDep) -> UserOut:
    account = await UserRepository(session).get(user.id)
    if account is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="not authenticated: account no longer exists",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return UserOut.model_validate(account)
