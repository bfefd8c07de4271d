"""Helpers for the reliability suite: a private stack (own PostgreSQL + the three Python services)
that a test may stop, kill and restart without touching the shared session fixtures, plus small
raw-HTTP clients for the REST API, the MCP endpoint and the agent.

Imported by the test modules through `sys.path` (tests run with `--import-mode=importlib`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil

from todo_core.migrate import migrate
from todo_harness import stack
from todo_harness.accounts import Account, signup
from todo_harness.postgres import REPO_ROOT, fetch, fresh_database, run_sync, start_pgserver
from todo_harness.processes import ServiceProcess, http_status

LOG_DIR = REPO_ROOT / "test-artifacts" / "logs"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
_rpc_ids = itertools.count(1)


# ---- a private stack ------------------------------------------------------------------------------


@dataclass
class Stack:
    """Own PostgreSQL (pgserver under /tmp) and own backend, mcp-server and agent processes."""

    name: str
    auth_secret: str
    data_dir: Path = field(init=False)
    server_url: str = field(init=False)
    database_url: str = field(init=False)
    services: dict[str, ServiceProcess] = field(default_factory=dict, init=False)
    _pg: Any = field(default=None, init=False)
    _db_cm: Any = field(default=None, init=False)

    def start(self) -> Stack:
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"todo-rel-{self.name}-", dir="/tmp"))
        self.server_url, self._pg = start_pgserver(self.data_dir)
        self._db_cm = fresh_database(self.server_url, prefix=f"rel_{self.name}")
        self.database_url = self._db_cm.__enter__()
        run_sync(migrate(self.database_url, wait_seconds=30))
        ports = stack.free_ports()
        env = {
            **stack.service_env(self.database_url, self.auth_secret, ports),
            "AUTH_RATE_LIMIT_PER_ADDRESS": "1000000",  # every client here is 127.0.0.1
        }
        self.services = stack.python_processes(env, ports, log_dir=LOG_DIR, prefix=f"rel-{self.name}-")
        try:
            self.heal()
        except Exception:
            self.close()
            raise
        return self

    def heal(self) -> None:
        """PostgreSQL up and every service running (started in parallel: imports dominate)."""
        self.thaw_db()
        self.start_db()
        down = [svc for svc in self.services.values() if svc.process is None or svc.process.poll() is not None]
        for svc in down:
            svc.process = None
        errors: list[BaseException] = []

        def start(svc: ServiceProcess) -> None:
            try:
                svc.start(timeout=60)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(svc,)) for svc in down]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def close(self) -> None:
        for service in self.services.values():
            service.stop()
        try:
            self.start_db()  # so the database can be dropped even if a test left it stopped
            if self._db_cm is not None:
                self._db_cm.__exit__(None, None, None)
        finally:
            if self._pg is not None:
                self._pg.cleanup()
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # PostgreSQL on and off (pg_ctl stop -m fast: every client connection is cut).
    def stop_db(self) -> None:
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None

    def start_db(self) -> None:
        if self._pg is None:
            _url, self._pg = start_pgserver(self.data_dir)

    # PostgreSQL frozen (SIGSTOP to the postmaster and every backend): connections stay open and
    # the socket accepts, but nothing answers - how a hung disk or a network partition looks.
    def _postgres_processes(self) -> list[psutil.Process]:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        return [postmaster, *postmaster.children(recursive=True)]

    def freeze_db(self) -> int:
        processes = self._postgres_processes()
        for process in processes:
            os.kill(process.pid, signal.SIGSTOP)
        return len(processes)

    def thaw_db(self) -> None:
        for process in self._postgres_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)

    @property
    def backend(self) -> ServiceProcess:
        return self.services["backend"]

    @property
    def mcp(self) -> ServiceProcess:
        return self.services["mcp-server"]

    @property
    def agent(self) -> ServiceProcess:
        return self.services["agent"]

    def query(self, sql: str, *args: object) -> list[Any]:
        return run_sync(fetch(self.database_url, sql, *args))

    def assert_kept(self, user: Account, acked: dict[int, str], when: str) -> dict[int, str]:
        """Every acknowledged write (task id -> title) is stored as acknowledged; returns what is stored."""
        stored = {r["id"]: r["title"] for r in self.query("SELECT id, title FROM tasks WHERE user_id = $1", user.id)}
        lost = {i: t for i, t in acked.items() if stored.get(i) != t}
        assert not lost, f"acknowledged writes missing {when}: {lost}"
        return stored

    def signup(self, email: str | None = None) -> Account:
        with httpx.Client(base_url=self.backend.url, timeout=10) as client:
            return signup(client, email)


# ---- clients -----------------------------------------------------------------------------------------


def rpc(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(_rpc_ids), "method": method}
    if params is not None:
        body["params"] = params
    return body


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return rpc("tools/call", {"name": name, "arguments": arguments})


@dataclass
class ToolOutcome:
    status: int | None  # HTTP status, None when the server did not answer
    is_error: bool
    text: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.is_error

    def json(self) -> Any:
        return json.loads(self.text)


def call_tool(client: httpx.Client, mcp_url: str, token: str, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """One stateless `tools/call` as raw JSON-RPC (what the SDK client sends after initialize)."""
    started = time.monotonic()
    try:
        response = client.post(
            mcp_url, json=tool_call(name, arguments), headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"}
        )
    except httpx.HTTPError as exc:
        return ToolOutcome(None, True, repr(exc), time.monotonic() - started)
    seconds = time.monotonic() - started
    if response.status_code != 200:
        return ToolOutcome(response.status_code, True, response.text, seconds)
    body = response.json()
    if "error" in body:
        return ToolOutcome(200, True, json.dumps(body["error"]), seconds)
    result = body["result"]
    return ToolOutcome(200, bool(result.get("isError")), result["content"][0]["text"], seconds)


def chat(client: httpx.Client, user: Account, message: str, conversation_id: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    return client.post(f"/api/{user.id}/chat", json=body, headers=user.headers)


def wait_status(url: str, status: int, timeout: float, interval: float = 0.05) -> float:
    """Seconds until GET `url` answers `status`; AssertionError after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if http_status(url, timeout=1.0) == status:
            return time.monotonic() - start
        time.sleep(interval)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {http_status(url)})")


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except Exception:
            pass
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


# ---- background load -------------------------------------------------------------------------------


class Loop(threading.Thread):
    """Calls `step(i)` until stopped (bounded by `max_seconds`), collecting what it returns."""

    def __init__(self, name: str, step: Callable[[int], Any], pause: float = 0.02, max_seconds: float = 60) -> None:
        super().__init__(name=name, daemon=True)
        self.step = step
        self.pause = pause
        self.max_seconds = max_seconds
        self.results: list[Any] = []
        self.errors: list[BaseException] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        for i in itertools.count():
            if self._stop_event.is_set() or time.monotonic() > deadline:
                return
            try:
                self.results.append(self.step(i))
            except BaseException as exc:  # recorded; the test decides
                self.errors.append(exc)
            self._stop_event.wait(self.pause)

    def finish(self, timeout: float = 90) -> list[Any]:
        self._stop_event.set()
        self.join(timeout)
        assert not self.is_alive(), f"{self.name} did not stop"
        assert not self.errors, f"{self.name} raised: {self.errors[:3]!r}"
        return self.results


# ---- a request held in flight ----------------------------------------------------------------------


class SlowRequest:
    """An HTTP/1.1 request over a raw socket whose body is sent piece by piece, so it stays in
    flight as long as the test wants (a slow upload)."""

    def __init__(self, url: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        head = [f"POST {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += ["Connection: close", "", ""]
        self.sock.sendall("\r\n".join(head).encode())
        self.body = body
        self.sent = 0

    def send(self, n: int) -> None:
        piece = self.body[self.sent : self.sent + n]
        self.sock.sendall(piece)
        self.sent += len(piece)

    def finish_slowly(self, seconds: float, pieces: int = 10) -> None:
        remaining = len(self.body) - self.sent
        size = max(1, -(-remaining // pieces))
        while self.sent < len(self.body):
            time.sleep(seconds / pieces)
            self.send(size)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        data = b""
        while chunk := self.sock.recv(65536):
            data += chunk
        self.sock.close()
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if headers.get("transfer-encoding") == "chunked":
            body = _dechunk(body)
        return status, headers, body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out
