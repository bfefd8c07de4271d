"""The stack under test as loopback processes: embedded PostgreSQL, baseline, MCP server, backend, agent."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from todo_core.migrate import migrate
from todo_harness import stack as harness_stack
from todo_harness.accounts import Account, signup
from todo_harness.postgres import fetch, fresh_database, start_pgserver
from todo_harness.processes import ServiceProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "test-artifacts" / "logs" / "bench"
MIB = 1024 * 1024

# name -> module run as `python -m <module>`: the baseline, then the services (todo_harness.stack).
SERVICES = {"baseline": "benchmarks.baseline_app", **{s.name: s.module for s in harness_stack.PYTHON_SERVICES}}
PYTHON_SERVICES = tuple(s.name for s in harness_stack.PYTHON_SERVICES)


# The venv each service runs from: its image's dependency set (`uv sync --frozen --package <svc>`,
# no dev group), so memory and import time are what ships, not the dev venv's (which carries e.g.
# aiohttp for checkov, and openai imports aiohttp when it can: ~10 MiB more in the agent).
# Bytecode is compiled as the images do (UV_COMPILE_BYTECODE=1): with PYTHONDONTWRITEBYTECODE set
# (as on the build machines and in the images) an uncompiled venv recompiles every module at every
# start, which more than doubled the measured startup.
RUNTIME_PACKAGE = {"baseline": "backend", "mcp-server": "mcp-server", "backend": "backend", "agent": "agent"}
VENVS = ROOT / ".data" / "bench-venvs"
# The workspace's own sources (editable in the venvs, compiled in place; __pycache__ is ignored).
SOURCE_DIRS = ("todo_core/src", "backend/src", "mcp_server/src", "agent/src", "scripts/benchmarks")


def _uv() -> list[str] | None:
    for candidate in ([sys.executable, "-m", "uv"], ["python3", "-m", "uv"], [shutil.which("uv") or ""]):
        if candidate[0] and subprocess.run([*candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


def runtime_pythons() -> dict[str, str]:
    """service -> python of a venv with that package's runtime dependencies (dev venv if uv is missing)."""
    uv = _uv()
    pythons: dict[str, str] = {}
    for package in sorted(set(RUNTIME_PACKAGE.values())):
        venv = VENVS / package
        error = "uv is missing"
        if uv:
            base_python = getattr(sys, "_base_executable", sys.executable)
            command = [*uv, "sync", "--frozen", "--no-dev", "--compile-bytecode", "--package", package, "--quiet"]
            command += ["--python", base_python]
            env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            if done.returncode == 0:
                pythons[package] = str(venv / "bin" / "python")
                continue
            error = done.stderr.strip()
        print(f"[bench] no runtime venv for {package} ({error}); using the dev venv", flush=True)
        pythons[package] = sys.executable
    sources = [str(ROOT / d) for d in SOURCE_DIRS]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *sources], check=True)
    return {service: pythons[package] for service, package in RUNTIME_PACKAGE.items()}


@contextlib.contextmanager
def database(server_url: str | None) -> Iterator[str]:
    """A fresh, migrated database on `server_url`, or on an embedded pgserver started here."""
    stack = contextlib.ExitStack()
    with stack:
        if server_url is None:
            url, server = start_pgserver(ROOT / ".data" / "bench-postgres")
            stack.callback(server.cleanup)
            server_url = url
        db_url = stack.enter_context(fresh_database(server_url, prefix="todo_bench"))
        asyncio.run(migrate(db_url, wait_seconds=30))
        yield db_url


def rss_bytes(process: psutil.Process) -> int:
    """Resident memory of a process and all its children."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


@dataclass
class Stack:
    database_url: str
    auth_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in SERVICES})
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    startup_seconds: dict[str, list[float]] = field(default_factory=dict)
    pythons: dict[str, str] = field(default_factory=dict)  # service -> interpreter (default: this one)

    def env(self) -> dict[str, str]:
        scripts = str(ROOT / "scripts")
        return {
            **harness_stack.service_env(self.database_url, self.auth_secret, self.ports, log_level="WARNING"),
            "PYTHONPATH": os.pathsep.join(filter(None, [scripts, os.environ.get("PYTHONPATH")])),
        }

    def start(self, name: str) -> float:
        process = ServiceProcess.python_module(name, SERVICES[name], self.env(), log_dir=LOG_DIR)
        process.command[0] = self.pythons.get(name, sys.executable)
        process.port = self.ports[name]
        process.env["PORT"] = str(process.port)
        process.health_path = "/health/ready"
        self.services[name] = process
        # `start()` times Popen -> first 200 from /health/ready (the process's whole startup).
        seconds = process.start(timeout=90)
        self.startup_seconds.setdefault(name, []).append(seconds)
        return seconds

    def restart(self, name: str) -> float:
        self.services[name].stop()
        return self.start(name)

    def url(self, name: str) -> str:
        return self.services[name].url

    def rss(self, name: str) -> int:
        process = self.services[name].process
        assert process is not None, f"{name} is not running"
        return rss_bytes(psutil.Process(process.pid))

    def stop(self) -> None:
        for name in reversed(list(self.services)):
            self.services[name].stop()
        self.services.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Users:
    reader: Account  # exactly `tasks` tasks: the list scenarios
    writer: Account  # backend creates
    baseline_writer: Account  # baseline creates
    mcp_writer: Account  # MCP add_task
    chat: Account  # chat turns


def seed(backend_url: str, tasks: int) -> Users:
    with httpx.Client(base_url=backend_url, timeout=30) as client:
        tag = secrets.token_hex(3)
        accounts = [signup(client, email=f"bench-{role}-{tag}@example.com") for role in Users.__dataclass_fields__]
        users = Users(*accounts)
        for i in range(tasks):
            response = client.post(
                users.reader.path(),
                headers=users.reader.headers,
                json={"title": f"Task {i:03d}", "description": "seeded by make bench", "tags": ["bench"]},
            )
            response.raise_for_status()
    return users


def count_tasks(database_url: str, user_id: str) -> int:
    rows = asyncio.run(fetch(database_url, "SELECT count(*) AS n FROM tasks WHERE user_id = $1", user_id))
    return int(rows[0]["n"])
