"""`make up` / `make down`: the whole stack as local processes with hot reload, no Docker.

up:   embedded PostgreSQL under .data/postgres (unless DATABASE_URL is set), migrations, then
      every service with reload on, each in its own process group; prints the URLs and waits.
      Ctrl-C (or `make down` from another shell) stops what this started, and nothing else.

`--data-dir` and `--ports` run a second, private copy (the dev-server test does: its own
PostgreSQL, logs and ports, so it never meets a developer's `make up`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from todo_harness.processes import http_status, wait_for
from todo_harness.stack import FRONTEND_PORT, PYTHON_SERVICES, wiring

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".data"


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    health: str
    command: list[str]


PY = sys.executable
# The order of --ports: backend,mcp-server,agent,frontend.
PORT_ORDER = ("backend", "mcp-server", "agent", "frontend")
DEFAULT_PORTS = {**{s.name: s.port for s in PYTHON_SERVICES}, "frontend": FRONTEND_PORT}


def services(ports: dict[str, int] = DEFAULT_PORTS) -> list[Service]:
    python = [Service(s.name, ports[s.name], "/health/ready", [PY, "-m", s.module]) for s in PYTHON_SERVICES]
    return [*python, Service("frontend", ports["frontend"], "/api/health", ["npm", "run", "dev"])]


def _say(text: str) -> None:
    print(f"[make up] {text}", flush=True)


def _dev_secret(data: Path) -> str:
    """A random AUTH_SECRET kept under .data/, so tokens survive restarts of `make up`."""
    path = data / "auth_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _environment(data: Path, ports: dict[str, int]) -> tuple[dict[str, str], object | None]:
    from dotenv import dotenv_values

    # Empty values (as in a fresh copy of .env.example) mean "not set", not "set to empty".
    env = {**{k: v for k, v in dotenv_values(ROOT / ".env").items() if v}, **os.environ}
    server = None
    if not env.get("DATABASE_URL"):
        from todo_harness.postgres import start_pgserver

        url, server = start_pgserver(data / "postgres")
        env["DATABASE_URL"] = url
        _say(f"embedded PostgreSQL 16 running, data in {data / 'postgres'}")
    env.setdefault("AUTH_SECRET", _dev_secret(data))
    env.setdefault("ENVIRONMENT", "development")
    for name, url in wiring(ports).items():  # unless .env or the environment says otherwise
        env.setdefault(name, url)
    env.update({"HOST": "127.0.0.1", "RELOAD": "true", "HOSTNAME": "127.0.0.1", "NEXT_TELEMETRY_DISABLED": "1"})
    return env, server  # (HOSTNAME: next dev's bind address)


def up(data: Path = DATA, ports: dict[str, int] = DEFAULT_PORTS) -> int:
    pid_file, log_dir = data / "dev.pid", data / "logs"
    data.mkdir(exist_ok=True, parents=True)
    log_dir.mkdir(exist_ok=True)
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        _say(f"already running (pid {pid_file.read_text().strip()}); `make down` stops it")
        return 1
    busy = [s for s in services(ports) if http_status(f"http://127.0.0.1:{s.port}/", timeout=0.5) is not None]
    if busy:
        _say("ports in use: " + ", ".join(f"{s.port} ({s.name})" for s in busy) + "; stop what uses them")
        return 1

    env, server = _environment(data, ports)
    children: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def stop(*_: object) -> None:
        for _service, proc in reversed(children):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _service, proc in children:
            try:
                proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]
        pid_file.unlink(missing_ok=True)
        _say("stopped")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    pid_file.write_text(str(os.getpid()))

    _say("applying migrations")
    if subprocess.run([PY, "-m", "todo_core.migrate"], env=env, cwd=ROOT).returncode != 0:
        _say("migration failed: see the message above (is DATABASE_URL right?)")
        stop()
    for service in services(ports):
        log = open(log_dir / f"{service.name}.log", "ab")
        cwd = ROOT / "frontend" if service.name == "frontend" else ROOT
        proc = subprocess.Popen(
            service.command,
            cwd=cwd,
            env={**env, "PORT": str(service.port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children.append((service, proc))
    for service, proc in children:
        try:
            seconds = wait_for(f"http://127.0.0.1:{service.port}{service.health}", timeout=120, process=proc)
            _say(f"{service.name:<11} http://127.0.0.1:{service.port}  (ready in {seconds:.1f}s)")
        except (TimeoutError, RuntimeError) as exc:
            _say(f"{service.name} did not become ready: {exc}; log: {log_dir / service.name}.log")
            stop()
    _say(f"logs in {log_dir}; Ctrl-C or `make down` stops everything")
    while True:
        for service, proc in children:
            if proc.poll() is not None:
                _say(f"{service.name} exited with {proc.returncode}; log: {log_dir / service.name}.log")
                stop()
        time.sleep(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def down(data: Path = DATA) -> int:
    pid_file = data / "dev.pid"
    if not pid_file.exists():
        _say("nothing to stop")
        return 0
    pid = int(pid_file.read_text())
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 40
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    pid_file.unlink(missing_ok=True)
    _say("stopped")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--data-dir", type=Path, default=DATA, help="PostgreSQL data, logs, pid file (default .data)")
    parser.add_argument(
        "--ports",
        type=lambda text: tuple(int(p) for p in text.split(",")),
        default=tuple(DEFAULT_PORTS[name] for name in PORT_ORDER),
        help="backend,mcp-server,agent,frontend (default 8000,8001,8002,3000)",
    )
    args = parser.parse_args()
    if len(args.ports) != len(PORT_ORDER):
        parser.error("--ports takes four ports: backend,mcp-server,agent,frontend")
    ports = dict(zip(PORT_ORDER, args.ports, strict=True))
    sys.exit(up(args.data_dir, ports) if args.command == "up" else down(args.data_dir))
