"""Backend test fixtures over a clean database.

`client` is the backend app in this process, through its ASGI interface and its lifespan, on the
session's real PostgreSQL: a test can be stepped through in a debugger. The process layer stays
thin: the tests of what only a process shows (readiness against its own PostgreSQL, limits shared
by two backends, restarts, chat through the agent process) use `backend_url` instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from backend.settings import Settings, get_settings
from todo_harness.accounts import Account, signup


@pytest.fixture(scope="session")
def backend_in_process(service_env: dict[str, str]) -> Iterator[TestClient]:
    settings = Settings(**{name: value for name, value in service_env.items() if name in Settings.model_fields})
    with pytest.MonkeyPatch.context() as env:  # importing backend.main builds its module-level app
        for name, value in service_env.items():
            env.setenv(name, value)
        import backend.deps
        import backend.main
    get_settings.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        for module in (backend.main, backend.deps):  # the app reads its settings through these
            patch.setattr(module, "get_settings", lambda: settings)
        app = backend.main.create_app()
        # A loopback client address (the default "testclient" is none), and errors as responses.
        with TestClient(
            app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000), raise_server_exceptions=False
        ) as http:
            yield http


@pytest.fixture
def client(backend_in_process: TestClient, db: str) -> httpx.Client:
    backend_in_process.cookies.clear()
    return backend_in_process


@pytest.fixture
def alice(client: httpx.Client) -> Account:
    return signup(client, "alice@example.com")


@pytest.fixture
def bob(client: httpx.Client) -> Account:
    return signup(client, "bob@example.com")
