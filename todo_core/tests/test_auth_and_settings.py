import time

import jwt
import pytest
from pydantic import ValidationError

from todo_core.auth import InvalidToken, bearer_token, decode_token, hash_password, issue_token, verify_password
from todo_core.db import normalize_database_url
from todo_core.settings import MigrationSettings

SECRET = "s" * 40


def test_token_round_trip_and_claims() -> None:
    claims = decode_token(issue_token("u1", "a@x.io", SECRET, 60), SECRET)
    assert claims["sub"] == "u1" and claims["email"] == "a@x.io"
    assert claims["exp"] - claims["iat"] == 60
    # Each token has its own id, so logout can revoke exactly that one.
    assert (
        len(claims["jti"]) == 32
        and claims["jti"] != decode_token(issue_token("u1", "a@x.io", SECRET, 60), SECRET)["jti"]
    )


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "u1", "iat": 1, "exp": int(time.time()) - 1}, SECRET, "HS256"),  # expired
        jwt.encode({"sub": "u1", "iat": 1, "exp": int(time.time()) + 60}, "other" * 10, "HS256"),  # wrong secret
        jwt.encode({"sub": "u1", "iat": 1, "exp": int(time.time()) + 60}, None, "none"),  # alg none
        jwt.encode({"iat": 1, "exp": int(time.time()) + 60}, SECRET, "HS256"),  # no subject
        jwt.encode({"sub": "u1", "iat": 1, "exp": int(time.time()) + 60}, SECRET, "HS256"),  # no id (jti)
        jwt.encode({"sub": "u1", "iat": 1, "exp": int(time.time()) + 60, "jti": "x" * 65}, SECRET, "HS256"),
        "garbage",
    ],
)
def test_bad_tokens_raise(token: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(token, SECRET)


def test_a_remembered_token_stops_working_when_it_expires() -> None:
    """Verified tokens are cached; expiry must still apply to every use, to the second."""
    token = issue_token("u1", "a@x.io", SECRET, 1)
    assert decode_token(token, SECRET)["sub"] == "u1"  # verified, now cached
    with pytest.raises(InvalidToken):  # the same token under another secret is not taken from the cache
        decode_token(token, "t" * 40)
    # (exp read without checking it: on a loaded machine the second may already be over here)
    exp = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(token, SECRET)


def test_remembered_claims_are_read_only() -> None:
    claims = decode_token(issue_token("u1", "a@x.io", SECRET, 60), SECRET)
    with pytest.raises(TypeError):
        claims["sub"] = "someone-else"  # type: ignore[index]
    assert decode_token(issue_token("u1", "a@x.io", SECRET, 60), SECRET)["sub"] == "u1"


def test_bearer_header_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    for bad in (None, "", "Basic abc", "Bearer "):
        with pytest.raises(InvalidToken):
            bearer_token(bad)


def test_password_hashing() -> None:
    hashed = hash_password("hunter2-long")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "hunter2-long")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")


def test_missing_database_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        MigrationSettings()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@/d?host=/tmp/x", "postgresql+asyncpg://u@/d?host=/tmp/x"),
    ],
)
def test_database_url_normalisation(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


def test_database_url_with_wrong_scheme_is_named() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        normalize_database_url("mysql://u@h/d")
