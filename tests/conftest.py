"""Fixtures shared by the cross-service tiers under tests/: the browser, and the two tiers that need
more than this machine's processes.

Tier gating lives in `todo_harness.tiers`.

- Container tier (tests/containers): the Docker engine that `DOCKER_HOST` (or the default socket)
  names. `built_images` builds every image once per session with `scripts/verify-images.sh build`.
- Cluster tier (tests/cluster): the Kubernetes cluster that `KUBECONFIG` (or ~/.kube/config) names;
  it needs the container tier's images too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from types import ModuleType

import pytest

from todo_harness.browser import CHROMIUM, CHROMIUM_ARGS
from todo_harness.postgres import REPO_ROOT as REPO
from todo_harness.tiers import docker_env, tier_unavailable

# ---- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-browser.sh")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


# ---- scripts/smoke.py, the one smoke test of a running stack ----------------------------------------


@pytest.fixture(scope="session")
def smoke() -> ModuleType:
    """scripts/smoke.py as a module (it is a standalone script, not part of a package)."""
    spec = importlib.util.spec_from_file_location("smoke", REPO / "scripts" / "smoke.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["smoke"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


# ---- the container tier -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The server version of the engine the docker CLI reaches; skips the tier when there is none."""
    where = f"DOCKER_HOST={os.environ['DOCKER_HOST']}" if os.environ.get("DOCKER_HOST") else "the default socket"
    if shutil.which("docker") is None:
        tier_unavailable("container", "the docker CLI is not installed")
    try:
        result = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            env=docker_env(),
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        tier_unavailable("container", f"the Docker engine at {where} did not answer within 20 s")
    if result.returncode != 0:
        tier_unavailable("container", f"no Docker engine answers at {where}")
    return result.stdout.strip()


@pytest.fixture(scope="session")
def built_images(docker_engine: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every image, runtime and dev targets, built once per session by `scripts/verify-images.sh build`.

    Returns its per-image report (build seconds, bytes, bytes of the base image)."""
    report = tmp_path_factory.mktemp("images") / "report.json"
    result = subprocess.run(
        ["bash", "scripts/verify-images.sh", "build"],
        cwd=REPO,
        env={**docker_env(), "REPORT": str(report)},
        capture_output=True,
        text=True,
        timeout=1800,  # a cold build of all eight targets on two busy cores
    )
    print(result.stdout)
    if result.returncode == 3:  # a prerequisite is missing (BuildKit, compose); the message says which
        tier_unavailable("container", result.stderr.strip())
    assert result.returncode == 0, (
        f"scripts/verify-images.sh build failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return json.loads(report.read_text())
