"""The images and the compose stack, run on a real Docker engine (the container tier).

`built_images` builds all eight targets with `scripts/verify-images.sh build`; `compose_stack` is the
runtime stack brought up and smoke-tested by `scripts/verify-images.sh` itself (health of every
service, sign-up and login, task CRUD, MCP tools/call over /mcp, a chat turn whose tool effect is
seen over REST). These tests then look at what that left running, and at what users do next:
the page in a browser, restarts, `down` and `up` again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name
from playwright.sync_api import Page, expect

from tests.deploy._repo import names
from todo_harness.browser import add_task, sign_up, task_item, unique_email
from todo_harness.postgres import REPO_ROOT
from todo_harness.processes import wait_for
from todo_harness.tiers import docker_env

PYTHON_IMAGES = [n.image for n in names().values() if n.package]
PACKAGE_OF_IMAGE = {n.image: n.compose for n in names().values() if n.package}  # (uv names them as compose does)
ALL_IMAGES = [*PYTHON_IMAGES, "todo-frontend"]
SERVICES = ["backend", "mcp-server", "agent", "frontend"]
MAX_ADDED_MB = 150  # what a runtime image may add above its base image (the containers' size goal)
READY_PATH = {
    "backend": "/health/ready",
    "mcp-server": "/health/ready",
    "agent": "/health/ready",
    "frontend": "/api/health",
}


def docker(*args: str, timeout: float = 120) -> str:
    result = subprocess.run(["docker", *args], env=docker_env(), capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"docker {' '.join(args)} -> {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout


def tag() -> str:
    chart = (REPO_ROOT / "helm" / "todo-app" / "Chart.yaml").read_text()
    return next(line.split('"')[1] for line in chart.splitlines() if line.startswith("appVersion:"))


# ---- the images ------------------------------------------------------------------------------------


def test_every_runtime_image_adds_at_most_150_mb_above_its_base(built_images: list[dict]) -> None:
    rows = {row["image"]: row for row in built_images}
    assert set(rows) == set(ALL_IMAGES)
    print("\nimage            size MB  above base MB  dev MB")
    for image, row in rows.items():
        added = (row["bytes"] - row["base_bytes"]) / 1e6
        print(f"{image:16} {row['bytes'] / 1e6:8.1f} {added:14.1f} {row['dev_bytes'] / 1e6:7.1f}")
    too_big = {
        i: round((r["bytes"] - r["base_bytes"]) / 1e6, 1)
        for i, r in rows.items()
        if r["bytes"] - r["base_bytes"] > MAX_ADDED_MB * 1e6
    }
    assert not too_big, f"runtime images adding more than {MAX_ADDED_MB} MB above their base: {too_big}"


LIST_DISTRIBUTIONS = """
import importlib.metadata, platform
print(platform.python_version(), *{d.metadata["Name"] for d in importlib.metadata.distributions()})
"""


def locked_requirements(package: str, python_version: str) -> set[str]:
    """What `uv sync --no-dev --package <package>` installs on Linux with that Python, from uv.lock."""
    exported = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "uv"), "export", "--frozen", "--no-dev", "--no-hashes",
         "--no-emit-workspace", "--no-header", "--package", package],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    environment = {"python_version": python_version.rsplit(".", 1)[0], "python_full_version": python_version}
    wanted = set()
    for line in exported.splitlines():
        if not line.strip() or line.startswith(("#", " ")):
            continue
        requirement, _, marker = line.partition(";")
        if not marker.strip() or Marker(marker.strip()).evaluate(environment):
            wanted.add(canonicalize_name(requirement.split("==")[0]))
    return wanted


@pytest.mark.parametrize(("image", "package"), list(PACKAGE_OF_IMAGE.items()))
def test_each_runtime_image_holds_exactly_what_its_service_needs(
    built_images: list[dict], image: str, package: str
) -> None:
    """Only the service's own locked dependencies: no test harness, and no database libraries in the
    agent (it has no database)."""
    python_version, *names = docker("run", "--rm", f"{image}:{tag()}", "python", "-c", LIST_DISTRIBUTIONS).split()
    installed = {canonicalize_name(name) for name in names}
    print(f"\n{image}: {len(installed)} distributions: {' '.join(sorted(installed))}")
    assert not installed & {"todo-harness", "pytest", "playwright", "pgserver"}, "the test harness is in the image"
    if package == "agent":
        assert not installed & {"sqlalchemy", "asyncpg", "alembic"}, "database libraries in the agent image"
    assert installed == locked_requirements(package, python_version) | {package, "todo-core"}


STALE_STDLIB = """
import importlib.util, os, sysconfig
stdlib = sysconfig.get_paths()["stdlib"]
stale = []
for directory, dirs, files in os.walk(stdlib):
    dirs[:] = [d for d in dirs if d not in ("site-packages", "__pycache__")]
    for name in files:
        if name.endswith(".py"):
            source = os.path.join(directory, name)
            cached = importlib.util.cache_from_source(source)
            if not os.path.exists(cached) or os.path.getmtime(cached) < os.path.getmtime(source):
                stale.append(os.path.relpath(source, stdlib))
print(len(stale), " ".join(sorted(stale)[:10]))
"""


@pytest.mark.parametrize("image", PYTHON_IMAGES)
@pytest.mark.parametrize("target", ["runtime", "dev"])
def test_the_standard_library_is_compiled_for_the_app_user(built_images: list[dict], image: str, target: str) -> None:
    """The app user cannot write .pyc files, so an uncompiled stdlib is recompiled on every start and by
    every `python -c` healthcheck (10x slower; under load the healthcheck timed out)."""
    reference = f"{image}:{tag() if target == 'runtime' else 'dev'}"
    count, _, sample = docker("run", "--rm", reference, "python", "-c", STALE_STDLIB).strip().partition(" ")
    assert count == "0", f"{reference}: {count} stdlib modules without a current .pyc, e.g. {sample}"


def _layers(reference: str) -> list[int]:
    """Layer sizes of an image, newest first (`docker history`)."""
    return [
        int(size)
        for size in docker("history", "--no-trunc", "--format", "{{.Size}}", "--human=false", reference).split()
    ]


@pytest.mark.parametrize("image", ALL_IMAGES)
def test_the_dev_image_stores_its_dependencies_once(built_images: list[dict], image: str) -> None:
    """A `chown -R` after installing the dependencies copied all of them into a second layer."""
    deps = "/app/node_modules" if image == "todo-frontend" else "/app/.venv"
    deps_bytes = int(docker("run", "--rm", f"{image}:dev", "du", "-sb", deps).split()[0])
    base = next(row["base"] for row in built_images if row["image"] == image)
    added = _layers(f"{image}:dev")[: -len(_layers(base))]
    holding_them = [size for size in added if size >= 0.8 * deps_bytes]
    print(
        f"{image}:dev: {deps} is {deps_bytes / 1e6:.1f} MB; layers above the base: {[round(a / 1e6, 1) for a in added]}"
    )
    assert len(holding_them) == 1, f"{image}:dev: {len(holding_them)} layers each hold about all of {deps}"


# ---- the running stack -----------------------------------------------------------------------------


def test_verify_images_smoke_test_passed_through_the_published_ports(compose_stack: Any) -> None:
    out = compose_stack.verify_output
    for check in ("MCP tools/call add_task", "chat effect seen over REST", "task complete", "agent /health/ready"):
        assert f"ok   {check}" in out, f"verify-images.sh did not report {check!r}"
    assert "stack healthy after" in out


def test_services_run_hardened_healthy_and_as_uid_10001(compose_stack: Any) -> None:
    for service in SERVICES:
        info = compose_stack.inspect(service)
        host = info["HostConfig"]
        assert info["State"]["Health"]["Status"] == "healthy", (service, info["State"])
        assert info["Config"]["User"] == "10001", (service, info["Config"]["User"])
        assert host["ReadonlyRootfs"] is True, f"{service}: root filesystem is writable"
        assert host["CapDrop"] and "ALL" in [c.upper() for c in host["CapDrop"]], (service, host["CapDrop"])
        assert any("no-new-privileges" in opt for opt in host["SecurityOpt"] or []), (service, host["SecurityOpt"])
        bindings = [b for port in (host["PortBindings"] or {}).values() for b in port]
        assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings), (service, bindings)


def test_the_migration_ran_once_and_reports_no_health_status(compose_stack: Any) -> None:
    info = compose_stack.inspect("migrate")
    assert info["State"]["Status"] == "exited" and info["State"]["ExitCode"] == 0, info["State"]
    assert info["Config"]["Healthcheck"]["Test"] == ["NONE"], "the backend image's HEALTHCHECK applies to migrate"
    assert "Health" not in info["State"] or info["State"]["Health"] is None, info["State"].get("Health")
    assert "unhealthy" not in compose_stack.compose("ps", "--all").stdout


def test_frontend_page_signs_up_and_adds_a_task_in_the_browser(
    compose_stack: Any, page: Page, smoke: ModuleType
) -> None:
    base = compose_stack.url("frontend")
    email = unique_email("compose")
    sign_up(page, base, email)
    add_task(page, "Added in the container stack", "high", "compose", datetime.now() + timedelta(days=1))
    page.reload()
    expect(task_item(page, "Added in the container stack")).to_be_visible()


def test_each_service_restarts_to_ready_and_the_data_survives(compose_stack: Any, smoke: ModuleType) -> None:
    stack = compose_stack.smoke_stack(smoke)
    account = smoke.sign_up(stack)
    result = smoke.SmokeResult(account=account)
    smoke.check_tasks(stack, account, result)
    times = {}
    for service in SERVICES:
        start = time.monotonic()
        compose_stack.compose("restart", service)
        restart = time.monotonic() - start
        times[service] = restart + wait_for(compose_stack.url(service) + READY_PATH[service], timeout=120)
    print("\nrestart to ready (s): " + ", ".join(f"{s} {t:.1f}" for s, t in times.items()))
    assert "Smoke test task" in smoke.task_titles(stack, account)


def test_down_then_up_keeps_the_data_in_the_volume(compose_stack: Any, smoke: ModuleType) -> None:
    stack = compose_stack.smoke_stack(smoke)
    account = smoke.sign_up(stack)
    smoke.check_tasks(stack, account, smoke.SmokeResult(account=account))
    compose_stack.compose("down")  # containers and network go, the postgres-data volume stays
    compose_stack.compose(
        "up", "--no-build", "--pull", "never", "--detach", "--wait", "--wait-timeout", "300", timeout=420
    )
    status, body, _ = smoke.call(
        "POST", f"{stack.backend}/api/auth/login", {"email": account.email, "password": account.password}
    )
    assert status == 200, (status, body)
    account.token = body["token"]
    assert "Smoke test task" in smoke.task_titles(stack, account)


# ---- the smoke script on an engine it cannot use -----------------------------------------------------


def test_verify_images_names_the_missing_buildkit(tmp_path: Path) -> None:
    """A docker CLI without BuildKit (CLI 23+ without the buildx plugin) gets a clear message, not a
    failure halfway through the first build."""
    cli = Path("/usr/local/bin/docker")
    if not cli.exists() or subprocess.run([str(cli), "buildx", "version"], capture_output=True).returncode == 0:
        pytest.skip("no docker CLI without buildx on this machine to try it with")
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        pytest.skip("no Docker engine for that CLI to reach")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(cli)
    for tool in ("python3", "awk", "sed"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    env = {**docker_env(), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    # The compose plugin lives in DOCKER_CONFIG; CLI 28 finds it there too.
    result = subprocess.run(
        ["bash", "scripts/verify-images.sh", "build"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, (result.returncode, result.stdout[-1000:], result.stderr[-1000:])
    assert "BuildKit is required" in result.stderr and "buildx" in result.stderr, result.stderr
    assert "Building" not in result.stdout, "it started building before it knew BuildKit works"
