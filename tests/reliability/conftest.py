"""Fixtures of the reliability suite.

`own_stack` is a private PostgreSQL (pgserver under /tmp) plus private backend, mcp-server and
agent processes, created once per session and healed (database started, dead services restarted)
before each test that uses it. Tests that stop the database, SIGKILL or SIGTERM a service use it,
so the shared session fixtures (`backend_server`, `mcp_server_process`, `agent_server`,
`database_url`) that every other test relies on are never disturbed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _stack import Stack


@pytest.fixture(scope="session")
def private_stack(auth_secret: str) -> Iterator[Stack]:
    stack = Stack("chaos", auth_secret).start()
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture
def own_stack(private_stack: Stack) -> Stack:
    private_stack.heal()
    return private_stack
