"""Liveness stays 200; readiness follows the database and the schema, and recovers by itself."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from todo_core.migrate import migrate
from todo_harness.postgres import fresh_database, run_sync, start_pgserver
from todo_harness.processes import ServiceProcess, http_status, wait_for


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A PostgreSQL only this test uses, so it can be stopped and started again."""
    data_dir = Path("/tmp") / f"todo-readiness-{tmp_path_factory.getbasetemp().name}"
    url, _server = start_pgserver(data_dir)
    yield data_dir, url
    # The test stops and restarts the server: stop the one running now, not the first handle.
    start_pgserver(data_dir)[1].cleanup()  # type: ignore[attr-defined]


def test_readiness_follows_schema_and_database(own_postgres: tuple[Path, str], auth_secret: str) -> None:
    data_dir, server_url = own_postgres
    with fresh_database(server_url, prefix="readiness") as database_url:
        backend = ServiceProcess.python_module(
            "backend-readiness",
            "backend",
            {"DATABASE_URL": database_url, "AUTH_SECRET": auth_secret, "ENVIRONMENT": "production"},
        )
        with backend.running():
            ready, live = backend.url + "/health/ready", backend.url + "/health"
            # Empty database: a migration is pending.
            assert http_status(ready) == 503
            assert http_status(live) == 200
            run_sync(migrate(database_url))
            assert http_status(ready) == 200

            # Database down: readiness says so quickly, liveness stays green.
            start_pgserver(data_dir)[1].cleanup()  # type: ignore[attr-defined]  # same server: stop it
            started = time.monotonic()
            assert http_status(ready, timeout=10) == 503
            assert time.monotonic() - started < 3.5, "readiness must fail fast, not hang"
            assert http_status(live) == 200

            # Database back: ready again by itself, no restart.
            start_pgserver(data_dir)
            recovered = wait_for(ready, timeout=5, status=200)
            assert http_status(live) == 200
            print(f"readiness recovered {recovered:.2f}s after the database came back")
