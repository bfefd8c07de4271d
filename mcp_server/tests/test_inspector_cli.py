"""The MCP Inspector CLI (npm `@modelcontextprotocol/inspector`, `--cli` mode) against the running server.

The Inspector is pinned in `inspector/package.json` + `package-lock.json`; install it with
`npm ci --prefix mcp_server/tests/inspector` (the Makefile does before tests). The exact command
is in docs/mcp.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from todo_harness.accounts import Account

REPO_ROOT = Path(__file__).resolve().parents[2]
INSPECTOR_PREFIX = "mcp_server/tests/inspector"  # relative to the repo root, as in docs/mcp.md
INSPECTOR_DIR = REPO_ROOT / INSPECTOR_PREFIX
INSPECTOR_BIN = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"

pytestmark = pytest.mark.skipif(
    not INSPECTOR_BIN.exists() or shutil.which("npx") is None,
    reason="MCP Inspector not installed: run `npm ci --prefix mcp_server/tests/inspector` (needs Node 20+)",
)


def inspector(mcp_url: str, token: str, *args: str, home: Path) -> Any:
    """Run `npx --prefix mcp_server/tests/inspector mcp-inspector --cli ...`; return its JSON output."""
    command = [
        "npx", "--no", "--prefix", INSPECTOR_PREFIX, "mcp-inspector", "--cli", mcp_url,
        "--transport", "http", "--format", "json", "--stored-auth-only",
        *args,
        "--header", f"Authorization: Bearer {token}",
    ]  # fmt: skip
    # A private HOME: the Inspector keeps a catalog and auth store under ~/.mcp-inspector.
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1", "npm_config_update_notifier": "false"}
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False, cwd=REPO_ROOT
    )
    assert completed.returncode == 0, f"exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}"
    return json.loads(completed.stdout)


def test_inspector_lists_the_tools_and_adds_a_task(mcp_url: str, rest: Any, alice: Account, tmp_path: Path) -> None:
    listed = inspector(mcp_url, alice.token, "--method", "tools/list", home=tmp_path)
    names = {tool["name"] for tool in listed["result"]["tools"]}
    assert names == {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}

    called = inspector(
        mcp_url, alice.token,
        "--method", "tools/call", "--tool-name", "add_task",
        "--tool-arg", "title=Buy groceries", "priority=high",
        home=tmp_path,
    )  # fmt: skip
    assert not called["result"].get("isError")
    result = json.loads(called["result"]["content"][0]["text"])
    assert result == {"task_id": result["task_id"], "status": "created", "title": "Buy groceries"}
    stored = rest.get(alice, result["task_id"])
    assert stored is not None and stored["priority"] == "high"
