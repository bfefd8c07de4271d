"""One version: the workspace's (root pyproject.toml), said the same way everywhere it has to be written.

The services report it at run time from package metadata (`todo_core.__version__`); the files
below cannot read it, so this test keeps them equal to it. To release, change them together.
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml

import todo_core
from tests.deploy._repo import REPO_ROOT

VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
PACKAGES = ("todo_core", "backend", "mcp_server", "agent", "harness")
CHART = REPO_ROOT / "helm" / "todo-app"


def test_the_services_report_the_workspace_version() -> None:
    assert todo_core.__version__ == VERSION, "reinstall the workspace (`make install`) after a version change"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_workspace_package_has_the_workspace_version(package: str) -> None:
    project = tomllib.loads((REPO_ROOT / package / "pyproject.toml").read_text())["project"]
    assert project["version"] == VERSION, f"{package}/pyproject.toml"


def test_the_frontend_package_has_the_workspace_version() -> None:
    package = json.loads((REPO_ROOT / "frontend" / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "frontend" / "package-lock.json").read_text())
    assert package["version"] == lock["version"] == lock["packages"][""]["version"] == VERSION


def test_the_chart_and_its_subcharts_have_the_workspace_version() -> None:
    umbrella = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (umbrella["version"], umbrella["appVersion"]) == (VERSION, VERSION)
    for dependency in umbrella["dependencies"]:
        assert dependency["version"] == VERSION, dependency["name"]
        sub = yaml.safe_load((CHART / "charts" / dependency["name"] / "Chart.yaml").read_text())
        assert sub["version"] == VERSION, dependency["name"]
        assert sub.get("appVersion", VERSION) == VERSION, dependency["name"]  # (the library chart has none)
        assert sub.get("kubeVersion", umbrella["kubeVersion"]) == umbrella["kubeVersion"], dependency["name"]
        for own in sub.get("dependencies", []):  # the service charts' common, for rendering them alone
            assert own["version"] == VERSION, f"{dependency['name']} -> {own['name']}"


def test_compose_and_the_env_example_default_to_the_workspace_version() -> None:
    compose_tags = set(re.findall(r"\$\{TAG:-([^}]+)\}", (REPO_ROOT / "docker-compose.yml").read_text()))
    assert compose_tags == {VERSION}
    assert re.findall(r"^TAG=(.+)$", (REPO_ROOT / ".env.example").read_text(), re.M) == [VERSION]
