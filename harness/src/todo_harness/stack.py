"""The stack as local processes: which Python services, in what order, and the environment that
wires them together. The one definition behind the test plugin, the reliability suite's private
stacks, `make bench` and `make up`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from todo_harness.processes import LOOPBACK, ServiceProcess, free_port


@dataclass(frozen=True)
class PythonService:
    name: str  # process and log name, and its key in a ports mapping
    module: str  # run as `python -m <module>`
    port: int  # its default port (docs/architecture.md), which `make up` uses


# In start order: the agent's readiness needs the MCP server.
PYTHON_SERVICES = (
    PythonService("mcp-server", "mcp_server", 8001),
    PythonService("agent", "agent", 8002),
    PythonService("backend", "backend", 8000),
)
FRONTEND_PORT = 3000


def free_ports() -> dict[str, int]:
    """A free loopback port per Python service, chosen up front so each can be told the others'."""
    return {service.name: free_port() for service in PYTHON_SERVICES}


def wiring(ports: Mapping[str, int]) -> dict[str, str]:
    """The URLs by which the services (and the frontend) find each other."""
    return {
        "AGENT_URL": f"http://{LOOPBACK}:{ports['agent']}",
        "MCP_SERVER_URL": f"http://{LOOPBACK}:{ports['mcp-server']}/mcp",
        "BACKEND_URL": f"http://{LOOPBACK}:{ports['backend']}",
    }


def service_env(
    database_url: str, auth_secret: str, ports: Mapping[str, int], log_level: str = "INFO"
) -> dict[str, str]:
    """The environment of a stack under test: the production checks on (with a real secret), the
    offline `local` model, no reload."""
    return {
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "AUTH_SECRET": auth_secret,
        "OPENAI_API_KEY": "",
        "LOG_LEVEL": log_level,
        "RELOAD": "false",
        **wiring(ports),
    }


def python_process(
    service: PythonService,
    env: Mapping[str, str],
    ports: Mapping[str, int],
    *,
    log_dir: Path | None = None,
    prefix: str = "",
    python: str = sys.executable,
) -> ServiceProcess:
    """`service` as a process on its port in `ports` (not started)."""
    process = ServiceProcess.python_module(prefix + service.name, service.module, dict(env), log_dir=log_dir)
    process.port = ports[service.name]
    process.env["PORT"] = str(process.port)
    process.command[0] = python
    return process


def python_processes(
    env: Mapping[str, str], ports: Mapping[str, int], *, log_dir: Path | None = None, prefix: str = ""
) -> dict[str, ServiceProcess]:
    """Every Python service as a process (not started), by name, in start order."""
    return {s.name: python_process(s, env, ports, log_dir=log_dir, prefix=prefix) for s in PYTHON_SERVICES}


BY_NAME = {service.name: service for service in PYTHON_SERVICES}
