"""The chart's generated files cannot drift from what they are generated from: helm/todo-app/README.md
(from values.yaml's comments) and each service chart's values.yaml and values.schema.json (from the
umbrella's)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.deploy._repo import REPO_ROOT, names

SCRIPTS = REPO_ROOT / "scripts"
SCRIPT = SCRIPTS / "chart-readme.py"


def _leaves(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict) and node:
        return {leaf for key, value in node.items() for leaf in _leaves(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


@pytest.mark.parametrize("script", ["chart-readme.py", "chart-values.py"])
def test_the_generated_files_are_what_the_scripts_write(script: str) -> None:
    done = subprocess.run([sys.executable, str(SCRIPTS / script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_value_has_a_row() -> None:
    spec = importlib.util.spec_from_file_location("chart_readme", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SCRIPTS))  # where it imports chart_yaml from, as when it runs
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPTS))
    text = (REPO_ROOT / "helm" / "todo-app" / "values.yaml").read_text()
    listed: set[str] = set()
    for key, default, _description in module.rows(text):
        if default:  # maps are listed for their comment only
            keys = [key.replace("<service>", s, 1) for s in names()] if key.startswith("<service>") else [key]
            listed.update(keys)
    assert listed == _leaves(yaml.safe_load(text))
