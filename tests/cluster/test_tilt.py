"""The Tiltfile run by the real Tilt on the cluster: `tilt ci`, then `tilt up` headless with live
update of backend, frontend and dependency-file edits, the rebuild a new migration needs, `tilt down`.

It runs on a copy of the repository (the edits never touch the repository), in its own namespace
(TODO_NAMESPACE) with free host ports for the port forwards, and allows the tier's kube context
through EXTRA_K8S_CONTEXTS, as a user pointing Tilt at their own cluster would.
Live update vs rebuild is told apart by Tilt's own build history (`liveupdate:` spans) and by the
pod: a live update keeps the same pod, a rebuild replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.deploy._repo import names
from todo_core.health import schema_head
from todo_harness.live_reload import PROBE, PROBE_PATH, ROUTE, wait_for_marker
from todo_harness.processes import free_port, wait_for
from todo_harness.tiers import copy_of_the_repository, docker_env, tier_unavailable

from .conftest import SERVICES, Cluster, run

PYTHON_RESOURCES = tuple(f"todo-{n.service}" for n in names().values() if n.package)
WORKLOAD_RESOURCES = ("todo-postgresql", *PYTHON_RESOURCES, "todo-frontend")
HOST_PORT_VARIABLES = {"frontend": "FRONTEND_HOST_PORT", "backend": "BACKEND_HOST_PORT",
                       "mcp-server": "MCP_HOST_PORT", "ai-agent": "AGENT_HOST_PORT"}  # fmt: skip
EDIT_TIMEOUT = 120  # seconds from an edit to the new response (a live update takes ~5 s)
REBUILD_TIMEOUT = 900  # a rebuild of three images, their push and the rollout, on two busy cores


@dataclass
class TiltSession:
    directory: Path
    namespace: str
    env: dict[str, str]
    ports: dict[str, int]  # workload -> host port of its port forward
    api_port: int = 0
    ci_seconds: float = 0.0
    ci_output: str = ""
    up: subprocess.Popen[str] | None = None  # the headless `tilt up`
    figures: dict[str, Any] = field(default_factory=dict)

    def stop_up(self) -> None:
        if self.up is not None and self.up.poll() is None:
            os.killpg(self.up.pid, signal.SIGTERM)
            self.up.wait(timeout=60)

    def tilt(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(["tilt", *args], cwd=self.directory, env=self.env, timeout=timeout, check=check)

    def url(self, workload: str) -> str:
        return f"http://127.0.0.1:{self.ports[workload]}"

    def resource(self, name: str) -> dict[str, Any]:
        return json.loads(self.tilt("get", "uiresource", name, "-o", "json", "--port", str(self.api_port)).stdout)

    def last_build(self, name: str) -> tuple[str, str]:
        """(start time, span id) of the resource's newest build; the span is `liveupdate:...` or `build:N`.
        (Tilt keeps only the last few builds, so they are told apart by start time, not counted.)"""
        history = self.resource(name)["status"].get("buildHistory", [])
        return (history[0]["startTime"], history[0].get("spanID", "")) if history else ("", "")

    def pods(self, workload: str) -> list[str]:
        """UIDs of the workload's running pods that are not being deleted."""
        out = run(["kubectl", "-n", self.namespace, "get", "pods", "-l", f"app.kubernetes.io/name={workload}",
                   "--field-selector=status.phase=Running", "-o", "json"], env=self.env)  # fmt: skip
        return [
            p["metadata"]["uid"] for p in json.loads(out.stdout)["items"] if not p["metadata"].get("deletionTimestamp")
        ]

    def pod(self, workload: str) -> str:
        pods = self.pods(workload)
        assert len(pods) == 1, f"{workload}: {len(pods)} running pods"
        return pods[0]

    def wait_for_new_build(self, name: str, before: tuple[str, str], timeout: float) -> str:
        """The span id of the first build after `before` (a `last_build`), once it has finished well."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.resource(name)["status"]
            latest = self.last_build(name)
            if latest != before and status.get("updateStatus") == "ok" and status.get("runtimeStatus") == "ok":
                return latest[1]
            if latest != before and status.get("updateStatus") == "error":
                raise AssertionError(f"{name}: the update failed: {json.dumps(status)[:1500]}")
            time.sleep(1)
        raise AssertionError(f"{name}: no new build within {timeout:.0f} s (last: {self.last_build(name)})")


@pytest.fixture(scope="module")
def tilt_session(
    cluster: Cluster, docker_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TiltSession]:
    if shutil.which("tilt") is None:
        tier_unavailable("cluster", "the Tilt CLI is not installed (https://docs.tilt.dev/install.html)")
    directory = copy_of_the_repository(tmp_path_factory.mktemp("tilt-repo"))
    namespace = f"tilt-ci-{uuid.uuid4().hex[:6]}"
    ports = {workload: free_port() for workload in SERVICES}
    env = {
        **docker_env(),
        "EXTRA_K8S_CONTEXTS": cluster.context,
        "TODO_NAMESPACE": namespace,
        "TILT_DISABLE_ANALYTICS": "1",
        **{HOST_PORT_VARIABLES[w]: str(port) for w, port in ports.items()},
    }
    session = TiltSession(directory=directory, namespace=namespace, env=env, ports=ports)
    try:
        session.api_port = free_port()
        start = time.monotonic()
        ci = session.tilt("ci", "--port", str(session.api_port), "--host", "127.0.0.1", "--timeout", "20m",
                          timeout=1500, check=False)  # fmt: skip
        session.ci_seconds = time.monotonic() - start
        session.ci_output = ci.stdout + ci.stderr
        assert ci.returncode == 0, f"tilt ci failed ({ci.returncode}):\n{session.ci_output[-6000:]}"

        session.api_port = free_port()
        log = (directory / "tilt-up.log").open("w")
        session.up = subprocess.Popen(
            ["tilt", "up", "--stream", "--port", str(session.api_port), "--host", "127.0.0.1",
             *WORKLOAD_RESOURCES, "uncategorized"],  # only the workloads: not the test runners
            cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        for workload, (_service, _port, health) in SERVICES.items():
            wait_for(session.url(workload) + health, timeout=600, process=session.up)  # type: ignore[arg-type]
        yield session
    finally:
        session.stop_up()
        if session.figures:
            print("\ntilt figures: " + json.dumps(session.figures, indent=1))
        session.tilt("down", timeout=600, check=False)
        run(["kubectl", "delete", "namespace", namespace, "--wait=true", "--timeout=180s"], check=False, timeout=240)


def test_tilt_ci_deploys_every_resource_healthy(tilt_session: TiltSession) -> None:
    assert "SUCCESS. All workloads are healthy." in tilt_session.ci_output
    tilt_session.figures["tilt_ci_seconds"] = round(tilt_session.ci_seconds, 1)
    print(f"\ntilt ci: {tilt_session.ci_seconds:.0f} s")


def _assert_live_updated(
    session: TiltSession, resource: str, build_before: tuple[str, str], pod_before: str, workload: str
) -> None:
    span = session.wait_for_new_build(resource, build_before, timeout=EDIT_TIMEOUT)
    assert span.startswith("liveupdate:"), f"{resource}: the edit was rebuilt ({span}), not live-updated"
    assert session.pod(workload) == pod_before, f"{resource}: the pod was replaced: a rebuild, not a live update"


def test_a_backend_source_edit_is_live_updated(tilt_session: TiltSession) -> None:
    build, pod = tilt_session.last_build("todo-backend"), tilt_session.pod("backend")
    route = tilt_session.directory / "backend" / "src" / ROUTE
    marker = uuid.uuid4().hex[:12]
    route.write_text(route.read_text() + PROBE.format(marker=marker))
    seconds = wait_for_marker(tilt_session.url("backend") + PROBE_PATH, marker, timeout=EDIT_TIMEOUT)
    tilt_session.figures["python_edit_to_response_seconds"] = round(seconds, 1)
    print(f"\nbackend edit -> new response through Tilt's port forward: {seconds:.1f} s")
    _assert_live_updated(tilt_session, "todo-backend", build, pod, "backend")


def test_a_frontend_source_edit_is_live_updated(tilt_session: TiltSession) -> None:
    build, pod = tilt_session.last_build("todo-frontend"), tilt_session.pod("frontend")
    route = tilt_session.directory / "frontend" / "src" / "app" / "api" / "health" / "route.ts"
    marker = uuid.uuid4().hex[:12]
    edited = route.read_text().replace('{ status: "ok" }', f'{{ status: "ok", marker: "{marker}" }}')
    assert marker in edited, "the frontend health route changed: update this test's edit"
    route.write_text(edited)
    seconds = wait_for_marker(tilt_session.url("frontend") + "/api/health", marker, timeout=EDIT_TIMEOUT)
    tilt_session.figures["frontend_edit_to_response_seconds"] = round(seconds, 1)
    print(f"\nfrontend edit -> new response through Tilt's port forward: {seconds:.1f} s")
    _assert_live_updated(tilt_session, "todo-frontend", build, pod, "frontend")


def test_a_uv_lock_change_is_synced_and_installed_in_place(tilt_session: TiltSession) -> None:
    """uv.lock is a `run` trigger: synced, then `uv sync` in the container, no image rebuild."""
    before = {r: (tilt_session.last_build(r), tilt_session.pod(r.removeprefix("todo-"))) for r in PYTHON_RESOURCES}
    lock = tilt_session.directory / "uv.lock"
    marker = f"# tilt live-update probe {uuid.uuid4().hex[:8]}"
    lock.write_text(lock.read_text() + f"\n{marker}\n")
    start = time.monotonic()
    for resource, (build, pod) in before.items():
        _assert_live_updated(tilt_session, resource, build, pod, resource.removeprefix("todo-"))
    tilt_session.figures["uv_lock_change_live_update_seconds"] = round(time.monotonic() - start, 1)
    in_pod = run(["kubectl", "-n", tilt_session.namespace, "exec", "deploy/todo-backend", "--",
                  "tail", "-n", "1", "/app/uv.lock"], env=tilt_session.env)  # fmt: skip
    assert marker in in_pod.stdout
    wait_for(tilt_session.url("backend") + "/health/ready", timeout=120)


def test_a_new_migration_rebuilds_and_is_applied(tilt_session: TiltSession) -> None:
    """A migration must run before new code serves: the Tiltfile falls back to a rebuild, whose new
    pods migrate in their initContainer."""
    build, pod = tilt_session.last_build("todo-backend"), tilt_session.pod("backend")
    revision = f"tilt_probe_{uuid.uuid4().hex[:6]}"
    versions = tilt_session.directory / "todo_core" / "src" / "todo_core" / "migrations" / "versions"
    (versions / f"9999_{revision}.py").write_text(
        f'"""An empty revision the Tilt test adds."""\n\nrevision = "{revision}"\ndown_revision = "{schema_head()}"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    start = time.monotonic()
    span = tilt_session.wait_for_new_build("todo-backend", build, timeout=REBUILD_TIMEOUT)
    assert span.startswith("build:"), f"a new migration was live-updated ({span}): it would never be applied"
    deadline = time.monotonic() + 300  # the rebuilt image rolls out: a new pod replaces the old one
    while tilt_session.pods("backend") in ([pod], []) or len(tilt_session.pods("backend")) > 1:
        assert time.monotonic() < deadline, "the rebuilt backend image was not rolled out within 300 s"
        time.sleep(1)
    wait_for(tilt_session.url("backend") + "/health/ready", timeout=300)
    tilt_session.figures["migration_rebuild_seconds"] = round(time.monotonic() - start, 1)
    psql = ["psql", "-U", "todo", "-d", "todo", "-tAc", "SELECT version_num FROM alembic_version"]
    applied = run(
        ["kubectl", "-n", tilt_session.namespace, "exec", "statefulset/todo-postgresql", "--", *psql],
        env=tilt_session.env,
    )
    assert applied.stdout.strip() == revision


def test_tilt_down_leaves_the_namespace_without_workloads(tilt_session: TiltSession) -> None:
    tilt_session.stop_up()  # as a user would: Ctrl-C, then `tilt down`
    tilt_session.tilt("down", timeout=600)
    deadline = time.monotonic() + 180
    while True:
        left = run(["kubectl", "-n", tilt_session.namespace, "get", "deployments,statefulsets,jobs,services,pods",
                    "-o", "name"], env=tilt_session.env).stdout.split()  # fmt: skip
        if not left or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert not left, f"tilt down left {left}"
