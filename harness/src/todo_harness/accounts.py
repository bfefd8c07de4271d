"""Test accounts created through the backend's real sign-up route."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx

_emails = itertools.count(1)


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def path(self, suffix: str = "") -> str:
        """This user's task routes: `path("/3/complete")` → `/api/<id>/tasks/3/complete`."""
        return f"/api/{self.id}/tasks{suffix}"


def signup(client: httpx.Client, email: str | None = None, password: str = "correct-horse-1") -> Account:
    email = email or f"user{next(_emails)}@example.com"
    response = client.post("/api/auth/signup", json={"email": email, "password": password, "name": "Test"})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(id=body["user"]["id"], email=email, password=password, token=body["token"])
