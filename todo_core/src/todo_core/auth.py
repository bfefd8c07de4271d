"""JWT issue/verify (HS256) and argon2 password hashing."""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ALGORITHM = "HS256"
JTI_MAX = 64  # the revoked_tokens.jti column
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures take the same time.

    Computed on first use, not at import: an argon2 hash costs tens of milliseconds and 64 MiB of
    scratch memory, and the MCP server and the agent import this module but never verify passwords.
    """
    return _hasher.hash("not-a-real-password")


class InvalidToken(Exception):
    """The token is missing, malformed, expired, revoked, or not signed with our secret."""


REVOKED_MESSAGE = "token has been revoked (logged out); sign in again"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: str, email: str, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    # `jti` names this one token, so logout can revoke it without touching the user's other sessions.
    claims = {"sub": user_id, "email": email, "iat": now, "exp": now + ttl_seconds, "jti": secrets.token_hex(16)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> Mapping[str, Any]:
    """Claims of a valid token; anything else (incl. `alg: none`) raises InvalidToken."""
    claims = _verified_claims(token, secret)
    # A remembered token is re-checked for expiry on every use (PyJWT's rule: exp <= now is expired).
    if claims["exp"] <= time.time():
        raise InvalidToken("Signature has expired")
    return claims


# Verifying a signature (base64, JSON, HMAC, claim checks) was about a tenth of a simple request's
# CPU, and a client sends the same token with every request: recently verified tokens are
# remembered (only successes are cached; the claims are read-only).
@functools.lru_cache(maxsize=1024)
def _verified_claims(token: str, secret: str) -> Mapping[str, Any]:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "iat", "jti"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("token has no subject")
    if not isinstance(claims.get("jti"), str) or not 1 <= len(claims["jti"]) <= JTI_MAX:
        raise InvalidToken("token has no valid id (jti)")
    return MappingProxyType(claims)


def bearer_token(authorization: str | None) -> str:
    """The token from an `Authorization: Bearer <token>` header value."""
    if not authorization:
        raise InvalidToken("missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization header must be 'Bearer <token>'")
    return token.strip()
