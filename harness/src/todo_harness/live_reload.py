"""Hot reload, measured: a source edit to the new response, as Tilt's live update relies on.

The backend runs with its reloader (RELOAD=true) on a temporary copy of its source, first on
PYTHONPATH, so the repository's files are never touched. Each edit appends a probe route with a
new marker; the time until that marker is served is recorded. Used by the live-reload test
(tests/deploy) and by `make bench`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psutil

from todo_harness.postgres import REPO_ROOT
from todo_harness.processes import ServiceProcess, free_port

BACKEND_SOURCE = REPO_ROOT / "backend" / "src" / "backend"
ROUTE = Path("backend") / "api" / "routes" / "health.py"
PROBE_PATH = "/health/reload-probe"
PROBE = """

@router.get("/health/reload-probe")
async def reload_probe() -> dict[str, str]:
    return {{"marker": "{marker}"}}
"""


def _marker(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return str(json.loads(response.read())["marker"])
    except Exception:
        return None


def wait_for_marker(url: str, marker: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _marker(url) == marker:
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not serve marker {marker} within {timeout}s")


def _workers(server: ServiceProcess) -> set[int]:
    """PIDs of the reloader's worker processes: a reload replaces the worker with a new one."""
    assert server.process is not None
    return {child.pid for child in psutil.Process(server.process.pid).children(recursive=True)}


def _reloads_while(server: ServiceProcess, write: object, settle_seconds: float = 3.0) -> int:
    """How many times the worker was replaced after `write()` (a file written outside the source)."""
    before = _workers(server)
    write()  # type: ignore[operator]
    time.sleep(settle_seconds)  # uvicorn's watcher reacts within ~0.5 s
    return len(_workers(server) - before)


def measure_backend_reload(
    env: dict[str, str],
    edits: int,
    edit_timeout: float,
    command: list[str] | None = None,
    log_dir: Path | None = None,
) -> dict[str, object]:
    """Start the reloading backend (`command`, default `python -m backend`) with `env` added.

    Returns startup seconds and each edit's seconds to the new response.
    """
    with tempfile.TemporaryDirectory(prefix="reload-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(BACKEND_SOURCE, source / "backend", ignore=shutil.ignore_patterns("__pycache__"))
        route = source / ROUTE
        original = route.read_text()
        port = free_port()
        server = ServiceProcess(
            "backend-reload",
            command or [sys.executable, "-m", "backend"],
            port,
            {
                **os.environ,
                **env,
                "RELOAD": "true",
                "PYTHONPATH": str(source),  # the copy shadows the installed (editable) backend package
                "HOST": "127.0.0.1",
                "PORT": str(port),
            },
            log_dir=log_dir,
            cwd=source,  # what uvicorn's reloader would watch without reload_dirs (/app in the image)
        )
        startup = server.start(timeout=90)
        timings: list[float] = []
        try:
            if _marker(server.url + PROBE_PATH) is not None:
                raise AssertionError("the probe route exists before any edit")
            noise_reloads = _reloads_while(server, lambda: (source / "noise.py").write_text("# not source\n"))
            for _ in range(edits):
                marker = uuid.uuid4().hex[:12]
                route.write_text(original + PROBE.format(marker=marker))
                timings.append(wait_for_marker(server.url + PROBE_PATH, marker, timeout=edit_timeout))
                if server.process is None or server.process.poll() is not None:
                    raise AssertionError("the server exited instead of reloading")
        finally:
            server.stop()
    return {
        "startup_seconds": round(startup, 3),
        "reloads_from_files_outside_the_source": noise_reloads,
        "edit_seconds": [round(t, 3) for t in timings],
        "median_seconds": round(statistics.median(timings), 3),
        "max_seconds": round(max(timings), 3),
    }
