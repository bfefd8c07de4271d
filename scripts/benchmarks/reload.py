"""Hot reload: a source edit to the new response, as tests/deploy/test_live_reload.py measures it.

The backend runs as its dev target does (`python -m backend` with RELOAD=true, uvicorn's reloader)
on a temporary copy of its source, first on PYTHONPATH, so the repository's files are never touched.
Each edit adds a probe route with a new marker; the time until that marker is served is recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from todo_core.testing.processes import ServiceProcess, free_port, wait_for

from .stack import LOG_DIR, ROOT

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


def _wait_for_marker(url: str, marker: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _marker(url) == marker:
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not serve marker {marker} within {timeout}s")


def measure(database_url: str, auth_secret: str, edits: int) -> dict[str, object]:
    """Startup of the reloading dev server, and each edit's seconds to the new response."""
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(
            ROOT / "backend" / "src" / "backend", source / "backend", ignore=shutil.ignore_patterns("__pycache__")
        )
        route = source / "backend" / "api" / "routes" / "health.py"
        original = route.read_text()
        port = free_port()
        env = {
            **os.environ,
            "ENVIRONMENT": "development",
            "RELOAD": "true",
            "PYTHONPATH": str(source),  # the copy shadows the installed (editable) backend package
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "AUTH_SECRET": auth_secret,
            "LOG_LEVEL": "WARNING",
        }
        server = ServiceProcess("backend-reload", [sys.executable, "-m", "backend"], port, env, log_dir=LOG_DIR)
        base = f"http://127.0.0.1:{port}"
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        timings: list[float] = []
        with open(LOG_DIR / "backend-reload.log", "ab") as log:
            # cwd is what uvicorn's reloader watches when no reload_dirs are passed (/app in the image)
            server.process = subprocess.Popen(
                server.command, env=env, cwd=source, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                startup = wait_for(f"{base}/health", timeout=90, process=server.process)
                for _ in range(edits):
                    marker = uuid.uuid4().hex[:12]
                    route.write_text(original + PROBE.format(marker=marker))
                    timings.append(_wait_for_marker(f"{base}/health/reload-probe", marker, timeout=60))
            finally:
                server.stop()
    return {
        "startup_seconds": round(startup, 3),
        "edit_seconds": [round(t, 3) for t in timings],
        "median_seconds": round(statistics.median(timings), 3),
    }
