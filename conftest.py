"""Shared fixtures for every package's tests: see harness/src/todo_harness/plugin.py."""

# Test modules under backend/tests etc. get names like `backend.tests.test_x` (importlib mode);
# importing the real packages first keeps pytest from shadowing them with empty placeholders.
import agent  # noqa: F401
import backend  # noqa: F401
import mcp_server  # noqa: F401
import todo_core  # noqa: F401

pytest_plugins = ["todo_harness.plugin"]
