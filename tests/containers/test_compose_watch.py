"""`docker compose watch` on the dev targets, on a real engine: the in-container reload of an edited
file, the sync of a host edit into the running containers, and the `rebuild` rule.

The sync needs an engine whose copy API can give the copied files to the container's (non-root) user:
Docker Engine 20.10 looks that user up on the host and fails for a UID only the image knows
(moby#34142); engines that look it up in the container fail for `USER uid:gid` (moby#49213), which is
why the images say `USER 10001`. On an engine that cannot, the sync tests are skipped with that
reason, found by trying it (`docker cp -a`, the call compose's syncer makes), not by version.

It runs on a copy of the repository (the repository's own files are never edited), as its own
compose project with free loopback ports, and is torn down with its volumes even when a step fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from todo_harness.live_reload import PROBE, PROBE_PATH, ROUTE, wait_for_marker
from todo_harness.processes import wait_for
from todo_harness.tiers import copy_of_the_repository

from .conftest import new_stack

FRONTEND_ROUTE = Path("frontend/src/app/api/health/route.ts")
EDIT_TIMEOUT = 90  # seconds from an edit to the new response: a sync, then the server's own reload


@pytest.fixture(scope="module")
def watched_stack(built_images: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    copy = copy_of_the_repository(tmp_path_factory.mktemp("watch-repo"))
    stack = new_stack(copy, ["docker-compose.yml", "compose.dev.yaml"], "todo-watch")
    log = (copy / "watch.log").open("w")
    watcher: subprocess.Popen[str] | None = None
    try:
        stack.compose("up", "--build", "--pull", "never", "--detach", "--wait", "--wait-timeout", "300", timeout=900)
        watcher = subprocess.Popen(
            [
                "docker",
                "compose",
                "-p",
                stack.project,
                "-f",
                "docker-compose.yml",
                "-f",
                "compose.dev.yaml",
                "watch",
                "--no-up",
            ],
            cwd=copy,
            env=stack.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "Watch enabled" not in (copy / "watch.log").read_text():
            assert watcher.poll() is None, (copy / "watch.log").read_text()
            assert time.monotonic() < deadline, "compose watch did not report 'Watch enabled' within 60 s"
            time.sleep(0.5)
        stack.watch_log = copy / "watch.log"  # type: ignore[attr-defined]
        yield stack
    finally:
        if watcher is not None and watcher.poll() is None:
            os.killpg(watcher.pid, signal.SIGTERM)
            watcher.wait(timeout=30)
        log.close()
        stack.down()


BACKEND_FILE = "/app/backend/src/" + ROUTE.as_posix()  # where compose syncs backend/src/<ROUTE> to
FRONTEND_FILE = "/app/src/app/api/health/route.ts"


def with_marker(service: str, text: str, marker: str) -> str:
    """The edited file: a probe route on the backend, a field in the frontend's health answer."""
    if service == "backend":
        return text + PROBE.format(marker=marker)
    edited = text.replace('{ status: "ok" }', f'{{ status: "ok", marker: "{marker}" }}')
    assert marker in edited, "the frontend health route changed: update this test's edit"
    return edited


def probe_url(stack: Any, service: str) -> str:
    return stack.url(service) + (PROBE_PATH if service == "backend" else "/api/health")


@pytest.fixture(scope="module")
def engine_syncs_to_the_container_user(watched_stack: Any) -> None:
    """Compose's syncer copies with the container user's ownership; try it once the same way."""
    probe = watched_stack.directory / "sync-probe.txt"
    probe.write_text("probe\n")
    container = watched_stack.inspect("backend")["Id"]
    result = subprocess.run(
        ["docker", "cp", "-a", str(probe), f"{container}:/app/"], env=watched_stack.env, capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(
            f"this engine cannot copy files as the container's user, so watch cannot sync: {result.stderr.strip()}"
        )


@pytest.mark.parametrize("service", ["backend", "frontend"])
def test_an_edit_inside_the_container_is_served_after_the_reload(watched_stack: Any, service: str) -> None:
    """What a sync does, done from inside: the file changes in place and the server's reloader picks it up."""
    path = BACKEND_FILE if service == "backend" else FRONTEND_FILE
    current = watched_stack.compose("exec", "-T", service, "cat", path).stdout
    marker = uuid.uuid4().hex[:12]
    edit = subprocess.run(
        [
            "docker",
            "compose",
            "-p",
            watched_stack.project,
            *[a for f in watched_stack.files for a in ("-f", f)],
            "exec",
            "-T",
            service,
            "sh",
            "-c",
            f"cat > {path}",
        ],
        cwd=watched_stack.directory,
        env=watched_stack.env,
        input=with_marker(service, current, marker),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert edit.returncode == 0, edit.stderr
    seconds = wait_for_marker(probe_url(watched_stack, service), marker, timeout=EDIT_TIMEOUT)
    print(f"\n{service}: edit inside the container -> new response {seconds:.1f} s")


@pytest.mark.parametrize("service", ["backend", "frontend"])
def test_a_host_edit_is_synced_and_served_after_the_reload(
    watched_stack: Any, engine_syncs_to_the_container_user: None, service: str
) -> None:
    host_file = watched_stack.directory / ("backend/src" / ROUTE if service == "backend" else FRONTEND_ROUTE)
    marker = uuid.uuid4().hex[:12]
    host_file.write_text(with_marker(service, host_file.read_text(), marker))
    seconds = wait_for_marker(probe_url(watched_stack, service), marker, timeout=EDIT_TIMEOUT)
    print(f"\ncompose watch, {service} edit on the host -> new response: {seconds:.1f} s")


def test_a_dependency_file_change_rebuilds_the_image(watched_stack: Any) -> None:
    before = watched_stack.inspect("backend")
    pyproject = watched_stack.directory / "backend" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# touched by the compose watch test\n")
    start = time.monotonic()
    deadline = start + 600
    while True:
        after = watched_stack.inspect("backend")
        if after["Id"] != before["Id"] and after["State"].get("Health", {}).get("Status") == "healthy":
            break
        assert time.monotonic() < deadline, "the backend was not rebuilt and recreated within 10 minutes"
        time.sleep(1)
    wait_for(watched_stack.url("backend") + "/health/ready", timeout=60)
    print(f"\ncompose watch, pyproject.toml change -> rebuilt and healthy: {time.monotonic() - start:.1f} s")
    assert after["Image"] != before["Image"], "the container was recreated from the same image"
