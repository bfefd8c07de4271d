"""The compose stack on a real Docker engine, as `scripts/verify-images.sh` brings it up.

Each stack is its own compose project with free loopback host ports, so nothing clashes with a
stack (or `make up`) the user already runs; it is torn down with its volumes even when a test fails.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from todo_harness.postgres import REPO_ROOT as REPO
from todo_harness.processes import free_port
from todo_harness.tiers import docker_env

# compose service -> (host port variable, container port)
PUBLISHED = {
    "frontend": ("FRONTEND_HOST_PORT", 3000),
    "backend": ("BACKEND_HOST_PORT", 8000),
    "mcp-server": ("MCP_HOST_PORT", 8001),
    "agent": ("AGENT_HOST_PORT", 8002),
}


@dataclass
class ComposeStack:
    project: str
    directory: Path  # the project directory (the repository, or a copy of it)
    files: list[str]
    env: dict[str, str] = field(repr=False)
    ports: dict[str, int]  # compose service -> host port
    verify_output: str = ""  # what scripts/verify-images.sh printed while bringing it up

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = ["docker", "compose", "-p", self.project, *[a for f in self.files for a in ("-f", f)], *args]
        result = subprocess.run(
            command, cwd=self.directory, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} -> {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def smoke_stack(self, smoke: ModuleType) -> Any:
        return smoke.Stack(
            frontend=self.url("frontend"),
            backend=self.url("backend"),
            mcp=self.url("mcp-server"),
            agent=self.url("agent"),
        )

    def inspect(self, service: str) -> dict[str, Any]:
        """`docker inspect` of the service's container, running or exited; the newest while compose
        replaces one (a rebuild starts the new container before the old one is removed). A container
        listed by `ps` may be gone by the time it is inspected: `docker inspect` then still prints the
        others (and exits 1), so only an answer with none of them is asked again."""
        problem = "compose ps lists none"
        for _ in range(5):
            ids = self.compose("ps", "--all", "--quiet", service).stdout.split()
            if ids:
                out = subprocess.run(["docker", "inspect", *ids], env=self.env, capture_output=True, text=True)
                found = json.loads(out.stdout or "[]")
                if found:
                    return max(found, key=lambda container: container["Created"])
                problem = out.stderr.strip()
            time.sleep(1)
        raise AssertionError(f"{service}: no container ({problem})")

    def down(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", check=False)


def new_stack(directory: Path, files: list[str], prefix: str) -> ComposeStack:
    ports = {service: free_port() for service in PUBLISHED}
    project = f"{prefix}-{uuid.uuid4().hex[:6]}"
    env = {
        **docker_env(),
        "COMPOSE_PROJECT_NAME": project,
        "AUTH_SECRET": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        **{PUBLISHED[service][0]: str(port) for service, port in ports.items()},
    }
    return ComposeStack(project=project, directory=directory, files=files, env=env, ports=ports)


@pytest.fixture(scope="session")
def compose_stack(built_images: list[dict]) -> Iterator[ComposeStack]:
    """The runtime stack, up and smoke-tested by `KEEP=1 scripts/verify-images.sh` (the users' command)."""
    stack = new_stack(REPO, ["docker-compose.yml"], "todo-ci")
    try:
        result = subprocess.run(
            ["bash", "scripts/verify-images.sh"],
            cwd=REPO,
            env={**stack.env, "KEEP": "1"},
            capture_output=True,
            text=True,
            timeout=900,
        )
        print(result.stdout)
        assert result.returncode == 0, f"verify-images.sh failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        assert "smoke test passed" in result.stdout
        stack.verify_output = result.stdout
        yield stack
    finally:
        stack.down()
