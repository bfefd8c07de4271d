"""Sign-up, login and the current user."""

from fastapi import APIRouter, HTTPException, status

from backend.api.responses import UNAUTHORIZED
from backend.deps import CurrentUser, SessionDep, SettingsDep
from backend.settings import Settings
from todo_core.auth import issue_token
from todo_core.models import User
from todo_core.schemas import AuthOut, LoginIn, SignupIn, UserOut
from todo_core.users import UserRepository

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _auth_out(user: User, settings: Settings) -> AuthOut:
    token = issue_token(user.id, user.email, settings.AUTH_SECRET.get_secret_value(), settings.AUTH_TOKEN_TTL_SECONDS)
    return AuthOut(token=token, user=UserOut.model_validate(user))


@router.post(
    "/signup", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Email already registered"}}
)
async def signup(body: SignupIn, session: SessionDep, settings: SettingsDep) -> AuthOut:
    user = await UserRepository(session).create(body.email, body.password, body.name)
    return _auth_out(user, settings)


@router.post("/login", responses=UNAUTHORIZED)
async def login(body: LoginIn, session: SessionDep, settings: SettingsDep) -> AuthOut:
    user = await UserRepository(session).authenticate(body.email, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid email or password")
    return _auth_out(user, settings)


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
