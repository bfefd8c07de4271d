"""Fixtures for the browser end-to-end tests: Debian's chromium and the standalone frontend.

The Python services (backend, mcp-server, agent) and PostgreSQL come from the shared plugin
`todo_harness.plugin`; this adds the Next.js standalone server in front of them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from todo_harness.processes import ServiceProcess, free_port

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
SERVER_JS = FRONTEND / ".next" / "standalone" / "server.js"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOG_DIR = ARTIFACTS / "logs"
# What the standalone build depends on; a change to any of these makes the build stale.
BUILD_INPUTS = ["src", "public", "package.json", "package-lock.json", "next.config.ts", "postcss.config.mjs"]


@pytest.fixture(scope="session", autouse=True)
def _database_before_browser(database_url: str) -> str:
    """Create and migrate the database before Playwright starts: the sync Playwright API keeps an
    event loop running in this thread, after which the plugin's `asyncio.run` calls would fail.
    (For the same reason these tests use unique accounts instead of the function-scoped `db`.)"""
    return database_url


def _newest_input_mtime() -> float:
    newest = 0.0
    for name in BUILD_INPUTS:
        path = FRONTEND / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.exists() else []
        for file in files:
            newest = max(newest, file.stat().st_mtime)
    return newest


def _ensure_standalone_build() -> None:
    """Build the frontend when there is no build or it is older than its sources."""
    if SERVER_JS.exists() and SERVER_JS.stat().st_mtime >= _newest_input_mtime():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the e2e tests need Node 20+ to build the frontend")
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
    if not (FRONTEND / "node_modules").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, env=env, check=True)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, env=env, check=True)


@pytest.fixture(scope="session")
def standalone_frontend() -> Path:
    _ensure_standalone_build()
    return SERVER_JS


@pytest.fixture(scope="session")
def start_frontend(standalone_frontend: Path) -> Iterator[Callable[[str], ServiceProcess]]:
    """Starts a standalone frontend (own process group, free loopback port) for a backend URL."""
    started: list[ServiceProcess] = []

    def start(backend_url: str) -> ServiceProcess:
        node = shutil.which("node") or "node"
        port = free_port()
        env = {
            **os.environ,
            "NODE_ENV": "production",
            "NEXT_TELEMETRY_DISABLED": "1",
            "PORT": str(port),
            "HOSTNAME": "127.0.0.1",
            "BACKEND_URL": backend_url,
        }
        process = ServiceProcess(
            name=f"frontend-{port}",
            command=[node, str(standalone_frontend)],
            port=port,
            env=env,
            health_path="/api/health",
            log_dir=LOG_DIR,
        )
        process.start(timeout=60)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def frontend_url(start_frontend: Callable[[str], ServiceProcess], backend_server: ServiceProcess) -> str:
    """The frontend in front of the session's backend."""
    return start_frontend(backend_server.url).url


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# ---- every page is watched: a console error or an uncaught page error fails the test --------------

AXE_JS = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


class ConsoleGuard:
    """Collects console errors and page errors of the pages it watches; `allow` what a test provokes
    on purpose (e.g. the browser's "Failed to load resource: ... 503" while the backend is down)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Page) -> Page:
        page.on("console", lambda m: self._note(f"console.{m.type}: {m.text} ({m.location.get('url', '')})")
                if m.type == "error" else None)  # fmt: skip
        page.on("pageerror", lambda e: self._note(f"page error: {e}"))
        return page

    def _note(self, text: str) -> None:
        self.problems.append(text)

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]


@pytest.fixture
def console_errors() -> ConsoleGuard:
    return ConsoleGuard()


@pytest.fixture(autouse=True)
def _fail_on_console_errors(request: pytest.FixtureRequest, console_errors: ConsoleGuard) -> Iterator[None]:
    if "page" in request.fixturenames:
        console_errors.watch(request.getfixturevalue("page"))
    yield
    problems = console_errors.unexpected()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def open_page(browser: Browser, console_errors: ConsoleGuard) -> Iterator[Callable[..., Page]]:
    """A new page in its own context (viewport, time zone, ...), watched like `page`."""
    contexts: list[BrowserContext] = []

    def open_(viewport: dict[str, int] = DESKTOP, **context_args: Any) -> Page:
        mobile = viewport["width"] < 600
        context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="en-US",
                                      **context_args)  # fmt: skip
        contexts.append(context)
        return console_errors.watch(context.new_page())

    yield open_
    for context in contexts:
        context.close()


def axe_violations(page: Page, context: str | None = None) -> list[dict[str, Any]]:
    """axe-core (from the frontend's node_modules, nothing fetched) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (context) => (await axe.run(context ? document.querySelector(context) : document, "
        "{resultTypes: ['violations']})).violations",
        context,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
    ]


@pytest.fixture(scope="session")
def docs_screenshots() -> Path:
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return DOCS_SCREENSHOTS
