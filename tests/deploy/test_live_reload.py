"""The local equivalent of Tilt's live update, measured.

In the cluster Tilt syncs an edited file into the dev container and the server's own reloader
(uvicorn --reload via RELOAD=true) picks it up, with no image rebuild. Here the dev target's exact
command and environment run as a process on a copy of the backend's source (the repository's files
are never touched); a route is edited and the time until the new response is served is measured and
written to test-artifacts/live-reload.json. The measurement: todo_harness.live_reload.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from todo_harness.live_reload import BACKEND_SOURCE, ROUTE, measure_backend_reload

sys.path.insert(0, str(Path(__file__).parent))
from _repo import REPO_ROOT, Dockerfile, contract

EDITS = 3
BUDGET_SECONDS = 15.0  # per edit; a rebuild would take minutes, a reload takes a few seconds


@pytest.mark.slow
def test_editing_a_route_changes_the_response_without_restart(database_url: str, auth_secret: str) -> None:
    dev = Dockerfile.load(contract()["backend"].dockerfile).stage("dev")
    command = list(dev.last("CMD").value)  # type: ignore[union-attr]
    image_env = {k: v for k, v in dev.env().items() if not k.startswith("UV_") and k != "PATH"}
    assert image_env["RELOAD"] == "true"
    original_route = (BACKEND_SOURCE.parent / ROUTE).read_text()

    result = measure_backend_reload(
        {
            **image_env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "AUTH_SECRET": auth_secret,
        },
        edits=EDITS,
        edit_timeout=BUDGET_SECONDS,
        command=command,
        log_dir=REPO_ROOT / "test-artifacts" / "logs",
    )

    assert (BACKEND_SOURCE.parent / ROUTE).read_text() == original_route  # the repository's file is untouched
    out = REPO_ROOT / "test-artifacts" / "live-reload.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"service": "backend", **result}, indent=2) + "\n")
    print(
        f"\nlive reload (backend): edit -> new response {result['edit_seconds']} s, median {result['median_seconds']} s"
    )
    assert len(result["edit_seconds"]) == EDITS  # type: ignore[arg-type]
    # Only source edits reload: a file written in the working directory (logs, caches) does not.
    assert result["reloads_from_files_outside_the_source"] == 0
    assert float(result["max_seconds"]) < BUDGET_SECONDS  # type: ignore[arg-type]
