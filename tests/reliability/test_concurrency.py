"""Many writers on one task at once: no 5xx, and a final state some serial order explains.

The repository locks the task row (`SELECT ... FOR UPDATE`) for every change, so concurrent
toggles and updates serialise: the toggle responses must alternate exactly as a serial run would
(with n toggles from "not completed": ceil(n/2) answers `completed: true`), the final
`completed` is the parity of the toggle count, and the final title is one of the titles sent.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from todo_harness.accounts import Account, signup

sys.path.insert(0, str(Path(__file__).parent))
from _stack import call_tool

PARALLEL = 50


@pytest.fixture
def client(backend_url: str, db: str) -> httpx.Client:
    limits = httpx.Limits(max_connections=PARALLEL + 10, max_keepalive_connections=PARALLEL + 10)
    with httpx.Client(base_url=backend_url, timeout=30, limits=limits) as http:
        yield http


@pytest.fixture
def user(client: httpx.Client) -> Account:
    return signup(client)


def _all_at_once(calls: list[Any]) -> list[Any]:
    """Run every call on its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_50_parallel_toggles_and_updates_on_one_task(client: httpx.Client, user: Account) -> None:
    task = client.post(user.path(), json={"title": "contended"}, headers=user.headers).json()
    toggles, updates = PARALLEL // 2, PARALLEL - PARALLEL // 2
    titles = {f"title {i}" for i in range(updates)}
    calls = [lambda: client.patch(user.path(f"/{task['id']}/complete"), headers=user.headers)] * toggles
    calls += [
        (lambda i=i: client.put(
            user.path(f"/{task['id']}"),
            json={"title": f"title {i}", "priority": ("low", "medium", "high")[i % 3], "tags": [f"t{i}"]},
            headers=user.headers,
        ))
        for i in range(updates)
    ]  # fmt: skip

    responses = _all_at_once(calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: PARALLEL}, statuses
    toggled = Counter(r.json()["completed"] for r in responses[:toggles])
    assert toggled == {True: (toggles + 1) // 2, False: toggles // 2}, toggled

    final = client.get(user.path(f"/{task['id']}"), headers=user.headers).json()
    assert final["completed"] is (toggles % 2 == 1)
    assert (final["completed_at"] is not None) is final["completed"]
    assert final["title"] in titles
    i = int(final["title"].split()[1])
    assert final["tags"] == [f"t{i}"] and final["priority"] == ("low", "medium", "high")[i % 3], final
    assert final["updated_at"] >= max(r.json()["updated_at"] for r in responses)
    listed = client.get(user.path(), headers=user.headers).json()
    assert listed["total"] == 1


def test_parallel_completion_of_a_recurring_task_creates_one_occurrence_per_completion(
    client: httpx.Client, user: Account
) -> None:
    task = client.post(
        user.path(), json={"title": "water plants", "recurrence": "daily", "due_at": "2030-01-01T09:00:00Z"},
        headers=user.headers,
    ).json()  # fmt: skip
    responses = _all_at_once([lambda: client.patch(user.path(f"/{task['id']}/complete"), headers=user.headers)] * 20)

    assert Counter(r.status_code for r in responses) == {200: 20}
    completions = sum(1 for r in responses if r.json()["completed"])
    assert completions == 10
    items = client.get(user.path(), params={"limit": 200}, headers=user.headers).json()["items"]
    occurrences = [t for t in items if t["id"] != task["id"]]
    assert len(occurrences) == completions
    assert {t["due_at"] for t in occurrences} == {"2030-01-02T09:00:00Z"}


def test_parallel_mcp_complete_task_is_idempotent(client: httpx.Client, user: Account, mcp_url: str) -> None:
    """complete_task 20 times at once on a recurring task: completed once, one next occurrence."""
    task = client.post(user.path(), json={"title": "weekly report", "recurrence": "weekly"}, headers=user.headers)
    task_id = task.json()["id"]
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=30)) as mcp:
        outcomes = _all_at_once(
            [lambda: call_tool(mcp, mcp_url, user.token, "complete_task", {"task_id": task_id})] * 20
        )
    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok][:3]
    assert {o.json()["status"] for o in outcomes} == {"completed"}
    items = client.get(user.path(), headers=user.headers).json()["items"]
    assert len(items) == 2, items
    assert sum(1 for t in items if t["completed"]) == 1


def test_parallel_rest_and_mcp_writers_on_one_task(client: httpx.Client, user: Account, mcp_url: str) -> None:
    """REST toggles and MCP update_task calls interleaved: no errors, final title one of those sent."""
    task_id = client.post(user.path(), json={"title": "shared"}, headers=user.headers).json()["id"]
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=30)) as mcp:
        calls: list[Any] = [lambda: client.patch(user.path(f"/{task_id}/complete"), headers=user.headers)] * 20
        calls += [
            (lambda i=i: call_tool(mcp, mcp_url, user.token, "update_task", {"task_id": task_id, "title": f"mcp {i}"}))
            for i in range(20)
        ]
        results = _all_at_once(calls)
    assert all(r.status_code == 200 for r in results[:20])
    assert all(o.ok for o in results[20:]), [o for o in results[20:] if not o.ok][:3]
    final = client.get(user.path(f"/{task_id}"), headers=user.headers).json()
    assert final["completed"] is False  # 20 toggles
    assert final["title"] in {f"mcp {i}" for i in range(20)}
