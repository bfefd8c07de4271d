"""The test tiers beyond this machine's processes: containers (a Docker engine) and cluster (Kubernetes).

A tier whose engine or cluster is missing is skipped with one line saying why, except under
`CI=true`, where that is a failure: CI must run every tier. Nothing here starts a daemon: the tiers
use what `DOCKER_HOST` / `KUBECONFIG` (or the default socket / ~/.kube/config) name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

from todo_harness.postgres import REPO_ROOT

IN_CI = os.environ.get("CI", "").lower() == "true"


def tier_unavailable(tier: str, reason: str) -> NoReturn:
    """Skip the tier (one line in the summary), or fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{tier} tier cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"{tier} tier skipped: {reason}")


def docker_env() -> dict[str, str]:
    """The environment for docker / docker compose: the caller's, with BuildKit on."""
    return {**os.environ, "DOCKER_BUILDKIT": "1"}


def copy_of_the_repository(destination: Path) -> Path:
    """The tracked and untracked-but-not-ignored files: what a clone with the user's edits would hold.
    Tests that edit source files (live sync, live update) edit this copy, never the repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination
