"""helm/todo-app/README.md is generated from values.yaml's comments and cannot drift from them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import yaml

from tests.deploy._repo import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "chart-readme.py"
SERVICES = ("frontend", "backend", "mcp-server", "ai-agent")


def _leaves(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict) and node:
        return {leaf for key, value in node.items() for leaf in _leaves(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def test_the_readme_is_what_the_script_writes() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_value_has_a_row() -> None:
    spec = importlib.util.spec_from_file_location("chart_readme", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (REPO_ROOT / "helm" / "todo-app" / "values.yaml").read_text()
    listed = set()
    for key, default, _description in module.rows(text):
        if default:  # maps are listed for their comment only
            names = [key.replace("<service>", s, 1) for s in SERVICES] if key.startswith("<service>") else [key]
            listed.update(names)
    assert listed == _leaves(yaml.safe_load(text))
