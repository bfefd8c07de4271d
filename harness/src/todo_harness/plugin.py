"""Pytest fixtures for every package (loaded by the repository's root `conftest.py`).

- `database_url`: a fresh, migrated database for this test session (asyncpg URL).
- `db`: function scope; empties every table first, returns `database_url`.
- `auth_secret`: the AUTH_SECRET every service of the session shares.
- `backend_server` / `mcp_server_process` / `agent_server`: `ServiceProcess`es started on free
  loopback ports (session scope, started on first use); `backend_url`, `mcp_base_url`,
  `agent_url` are their base URLs and `mcp_url` the exact MCP endpoint (`.../mcp`).
- `service_env`: the environment every service process gets.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from todo_core.migrate import migrate
from todo_harness import stack
from todo_harness.postgres import REPO_ROOT, fresh_database, postgres_server, run_sync, truncate_all
from todo_harness.processes import ServiceProcess

LOG_DIR = REPO_ROOT / "test-artifacts" / "logs"


def pytest_configure() -> None:
    # Apps run in-process (their lifespan) serve metrics on a free port, never a service's default.
    os.environ.setdefault("METRICS_PORT", "0")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    with fresh_database(postgres_server_url) as url:
        run_sync(migrate(url, wait_seconds=30))
        yield url


@pytest.fixture
def db(database_url: str) -> str:
    run_sync(truncate_all(database_url))
    return database_url


@pytest.fixture(scope="session")
def auth_secret() -> str:
    return secrets.token_hex(32)


@pytest.fixture(scope="session")
def service_ports() -> dict[str, int]:
    """Ports chosen up front, so each service can be told where the others will be."""
    return stack.free_ports()


@pytest.fixture(scope="session")
def service_env(database_url: str, auth_secret: str, service_ports: dict[str, int]) -> dict[str, str]:
    return {
        **stack.service_env(database_url, auth_secret, service_ports),
        # Every test client is 127.0.0.1, and the suite signs up hundreds of accounts: the
        # per-address brute-force limit would soon refuse them all. Its own tests set their own.
        "AUTH_RATE_LIMIT_PER_ADDRESS": "1000000",
    }


def _serve(name: str, env: dict[str, str], ports: dict[str, int]) -> Iterator[ServiceProcess]:
    with stack.python_process(stack.BY_NAME[name], env, ports, log_dir=LOG_DIR).running() as process:
        yield process


@pytest.fixture(scope="session")
def backend_server(service_env: dict[str, str], service_ports: dict[str, int]) -> Iterator[ServiceProcess]:
    yield from _serve("backend", service_env, service_ports)


@pytest.fixture(scope="session")
def mcp_server_process(service_env: dict[str, str], service_ports: dict[str, int]) -> Iterator[ServiceProcess]:
    yield from _serve("mcp-server", service_env, service_ports)


@pytest.fixture(scope="session")
def agent_server(
    service_env: dict[str, str], service_ports: dict[str, int], mcp_server_process: ServiceProcess
) -> Iterator[ServiceProcess]:
    yield from _serve("agent", service_env, service_ports)


@pytest.fixture
def backend_url(backend_server: ServiceProcess) -> str:
    return backend_server.url


@pytest.fixture
def mcp_base_url(mcp_server_process: ServiceProcess) -> str:
    return mcp_server_process.url


@pytest.fixture
def mcp_url(mcp_server_process: ServiceProcess) -> str:
    return mcp_server_process.url + "/mcp"


@pytest.fixture
def agent_url(agent_server: ServiceProcess) -> str:
    return agent_server.url
