"""Backend test fixtures: an HTTP client to the real backend process over a clean database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from todo_harness.accounts import Account, signup


@pytest.fixture
def client(backend_url: str, db: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=10) as http:
        yield http


@pytest.fixture
def alice(client: httpx.Client) -> Account:
    return signup(client, "alice@example.com")


@pytest.fixture
def bob(client: httpx.Client) -> Account:
    return signup(client, "bob@example.com")
