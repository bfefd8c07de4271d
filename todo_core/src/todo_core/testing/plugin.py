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
from todo_core.testing.postgres import REPO_ROOT, fresh_database, postgres_server, run_sync, truncate_all
from todo_core.testing.processes import ServiceProcess, free_port

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
    return {"backend": free_port(), "mcp": free_port(), "agent": free_port()}


@pytest.fixture(scope="session")
def service_env(database_url: str, auth_secret: str, service_ports: dict[str, int]) -> dict[str, str]:
    return {
        "ENVIRONMENT": "production",  # exercise the production checks, with a real secret
        "DATABASE_URL": database_url,
        "AUTH_SECRET": auth_secret,
        "AGENT_URL": f"http://127.0.0.1:{service_ports['agent']}",
        "MCP_SERVER_URL": f"http://127.0.0.1:{service_ports['mcp']}/mcp",
        "OPENAI_API_KEY": "",
        "LOG_LEVEL": "INFO",
        "RELOAD": "false",
        # Every test client is 127.0.0.1, and the suite signs up hundreds of accounts: the
        # per-address brute-force limit would soon refuse them all. Its own tests set their own.
        "AUTH_RATE_LIMIT_PER_ADDRESS": "1000000",
    }


def _service(name: str, module: str, port: int, env: dict[str, str]) -> ServiceProcess:
    process = ServiceProcess.python_module(name, module, env, log_dir=LOG_DIR)
    process.port = port
    process.env["PORT"] = str(port)
    return process


@pytest.fixture(scope="session")
def backend_server(service_env: dict[str, str], service_ports: dict[str, int]) -> Iterator[ServiceProcess]:
    process = _service("backend", "backend", service_ports["backend"], service_env)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def mcp_server_process(service_env: dict[str, str], service_ports: dict[str, int]) -> Iterator[ServiceProcess]:
    process = _service("mcp-server", "mcp_server", service_ports["mcp"], service_env)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def agent_server(
    service_env: dict[str, str], service_ports: dict[str, int], mcp_server_process: ServiceProcess
) -> Iterator[ServiceProcess]:
    process = _service("agent", "agent", service_ports["agent"], service_env)
    process.start()
    yield process
    process.stop()


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
