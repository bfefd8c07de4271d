"""`GET /auth/check`: how the agent (which has no database) learns that a token was revoked."""

from __future__ import annotations

import time

import httpx

from todo_harness.accounts import signup


def test_token_check_answers_204_then_401_after_logout(backend_url: str, mcp_base_url: str, db: str) -> None:
    with httpx.Client(base_url=backend_url, timeout=10) as client:
        user = signup(client)
        check = httpx.get(f"{mcp_base_url}/auth/check", headers=user.headers, timeout=10)
        assert check.status_code == 204, check.text
        assert client.post("/api/auth/logout", headers=user.headers).status_code == 204
    deadline = time.monotonic() + 5  # generous: the notice crosses from the backend process
    while (check := httpx.get(f"{mcp_base_url}/auth/check", headers=user.headers, timeout=10)).status_code != 401:
        assert time.monotonic() < deadline, check.text
        time.sleep(0.02)
    assert "revoked" in check.json()["detail"] and check.headers["www-authenticate"] == "Bearer"


def test_token_check_refuses_what_is_not_a_valid_token(mcp_base_url: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = httpx.get(f"{mcp_base_url}/auth/check", headers=headers, timeout=10)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["detail"].startswith("not authenticated")
