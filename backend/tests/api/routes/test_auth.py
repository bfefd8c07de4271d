import base64
import json
import time

import httpx
import jwt
import pytest

from todo_harness.accounts import Account, signup


def test_signup_returns_token_and_user(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/signup", json={"email": "New@Example.com", "password": "long-enough", "name": "N"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["name"] == "N"
    assert "password_hash" not in body["user"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


@pytest.mark.parametrize(
    "variant", ["alice@example.com", "ALICE@example.com", "Alice@Example.COM", " alice@example.com "]
)
def test_duplicate_email_any_case_is_409(client: httpx.Client, alice: Account, variant: str) -> None:
    response = client.post("/api/auth/signup", json={"email": variant, "password": "another-pass"})
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


def test_login_succeeds_with_any_email_case(client: httpx.Client, alice: Account) -> None:
    response = client.post("/api/auth/login", json={"email": "ALICE@example.com", "password": alice.password})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == alice.id


def test_wrong_password_and_unknown_email_give_the_same_401(client: httpx.Client, alice: Account) -> None:
    wrong = client.post("/api/auth/login", json={"email": alice.email, "password": "wrong-password"})
    unknown = client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid email or password"}


def test_signup_validation_names_the_field(client: httpx.Client) -> None:
    bad_email = client.post("/api/auth/signup", json={"email": "not-an-email", "password": "long-enough"})
    short_password = client.post("/api/auth/signup", json={"email": "ok@example.com", "password": "short"})
    assert bad_email.status_code == short_password.status_code == 422
    assert bad_email.json()["detail"][0]["loc"][-1] == "email"
    assert short_password.json()["detail"][0]["loc"][-1] == "password"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _alg_none(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}."


def _expired(account: Account, secret: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": account.id, "email": account.email, "iat": now - 100, "exp": now - 10}, secret, "HS256")


@pytest.mark.parametrize(
    "kind", ["tampered", "expired", "alg_none", "wrong_secret", "missing", "not_bearer", "garbage"]
)
def test_bad_tokens_are_401_on_every_protected_route(
    client: httpx.Client, alice: Account, auth_secret: str, kind: str
) -> None:
    tokens = {
        "tampered": _tampered(alice.token),
        "expired": _expired(alice, auth_secret),
        "alg_none": _alg_none(alice.token),
        "wrong_secret": jwt.encode(
            {"sub": alice.id, "iat": int(time.time()), "exp": int(time.time()) + 60}, "x" * 40, "HS256"
        ),
        "garbage": "not.a.jwt",
    }
    if kind == "missing":
        headers: dict[str, str] = {}
    elif kind == "not_bearer":
        headers = {"Authorization": f"Basic {alice.token}"}
    else:
        headers = {"Authorization": f"Bearer {tokens[kind]}"}
    for method, url in [
        ("GET", "/api/auth/me"),
        ("GET", alice.path()),
        ("POST", alice.path()),
        ("GET", alice.path("/1")),
        ("PUT", alice.path("/1")),
        ("DELETE", alice.path("/1")),
        ("PATCH", alice.path("/1/complete")),
    ]:
        response = client.request(
            method, url, headers=headers, json={"title": "x"} if method in {"POST", "PUT"} else None
        )
        assert response.status_code == 401, (method, url, response.text)
        assert response.json()["detail"].startswith("not authenticated")
        assert response.headers["www-authenticate"] == "Bearer"


def test_second_signup_gets_distinct_user(client: httpx.Client) -> None:
    first, second = signup(client), signup(client)
    assert first.id != second.id
