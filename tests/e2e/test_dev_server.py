"""`make up` left alone: the dev stack (scripts/dev.py: reloaders on, `next dev`) stays quiet.

The reloader used to watch the whole repository, logs included, so every log
line triggered another reload. Here the launcher runs a private copy (own PostgreSQL, logs and
loopback ports, via --data-dir/--ports), the pages are used once in chromium (also checking, in
`next dev`, that nothing covers the first task's checkbox and the console stays clean), and then
the stack idles for 30 s: no uvicorn worker may be replaced and no log may grow.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Page, expect

from todo_harness.browser import sign_up, unique_email
from todo_harness.processes import free_port

from .conftest import DESKTOP, MOBILE, REPO

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

IDLE_SECONDS = 30
START_TIMEOUT = 300  # generous: migrations, three Python services and next dev's first compile


@dataclass
class DevStack:
    process: subprocess.Popen[bytes]
    data: Path
    ports: dict[str, int]
    output: Path

    @property
    def frontend(self) -> str:
        return f"http://127.0.0.1:{self.ports['frontend']}"

    def logs(self) -> dict[str, int]:
        return {p.name: p.stat().st_size for p in sorted((self.data / "logs").glob("*.log"))}

    def workers(self) -> dict[str, set[int]]:
        """Each service process's children: a reload replaces the uvicorn worker with a new PID."""
        found: dict[str, set[int]] = {}
        for child in psutil.Process(self.process.pid).children():
            cmd = " ".join(child.cmdline())
            name = next((m for m in ("backend", "mcp_server", "agent") if cmd.endswith(f"-m {m}")), None)
            if name:
                found[name] = {c.pid for c in child.children(recursive=True)}
        return found


@pytest.fixture(scope="module")
def dev_stack() -> Iterator[DevStack]:
    # Inside the repository, where `make up` keeps .data/: a reloader watching the repository (the
    # bug) would see these logs grow and restart on every line.
    (REPO / ".data").mkdir(exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="dev-idle-", dir=REPO / ".data"))
    ports = {name: free_port() for name in ("backend", "mcp", "agent", "frontend")}
    output = data / "make-up.out"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AUTH_SECRET")}
    command = [
        sys.executable,
        "scripts/dev.py",
        "up",
        "--data-dir",
        str(data),
        "--ports",
        ",".join(map(str, ports.values())),
    ]
    with open(output, "wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack = DevStack(process, data, ports, output)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "logs in" not in output.read_text(errors="replace"):
            assert process.poll() is None, f"make up exited early:\n{output.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"make up not ready in {START_TIMEOUT}s:\n{output.read_text()}"
            time.sleep(0.5)
        yield stack
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)  # dev.py stops its services' process groups itself
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)
        for port in ports.values():
            assert not [c for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port
                        and c.status == psutil.CONN_LISTEN], f"port {port} still listening"  # fmt: skip


def _first_checkbox_is_reachable(page: Page) -> None:
    checkbox = page.get_by_role("checkbox").first
    checkbox.scroll_into_view_if_needed()
    hit = checkbox.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el; }"
    )
    assert hit, "something (the Next.js dev indicator?) covers the first task's checkbox"


def test_dev_stack_pages_are_clean_and_the_idle_stack_stays_quiet(
    dev_stack: DevStack, open_page: Callable[..., Page]
) -> None:
    # ---- use it once, as a developer would, in `next dev` --------------------------------------
    # next dev compiles a route on its first request; compiled under a page that is navigating,
    # the navigation is aborted (a dev-only effect), so compile them first.
    for path in ("/login", "/signup", "/tasks", "/api/health"):
        httpx.get(dev_stack.frontend + path, timeout=120)
    for size in (DESKTOP, MOBILE):
        page = open_page(size)
        page.goto(f"{dev_stack.frontend}/login")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        sign_up(page, dev_stack.frontend, unique_email("dev"))
        form = page.get_by_role("form", name="Add a task")
        form.get_by_label("Title").fill("First task")
        form.get_by_role("button", name="Add task").click()
        expect(page.get_by_role("checkbox", name='Mark "First task" as done')).to_be_visible()
        _first_checkbox_is_reachable(page)
        page.close()
    time.sleep(3)  # let the last requests' log lines land

    # ---- then leave it alone -----------------------------------------------------------------------
    logs_before, workers_before = dev_stack.logs(), dev_stack.workers()
    assert set(workers_before) == {"backend", "mcp_server", "agent"}, workers_before
    assert all(workers_before.values()), workers_before
    time.sleep(IDLE_SECONDS)
    logs_after, workers_after = dev_stack.logs(), dev_stack.workers()

    grown = {name: logs_after[name] - size for name, size in logs_before.items() if logs_after[name] != size}
    assert not grown, f"logs grew while idle (bytes): {grown}"
    assert workers_after == workers_before, "a reloader restarted its worker while nothing changed"
    reloads = [line for name in logs_after for line in (dev_stack.data / "logs" / name).read_text().splitlines()
               if re.search(r"changes detected|Reloading", line)]  # fmt: skip
    assert not reloads, reloads[:5]
    print(f"\nidle {IDLE_SECONDS}s: logs {logs_after} bytes, unchanged; workers unchanged {workers_after}")
