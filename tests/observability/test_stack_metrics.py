"""Issue 19: known traffic through the running stack (real processes, PostgreSQL, HTTP, MCP), then
every service's `/metrics` scraped and parsed with Prometheus' own text parser; one chat turn's
request id followed through the log lines of backend, agent and MCP server.

The services are the session's shared processes, so the counters are compared as differences
between a scrape before and one after the traffic.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from collections import Counter
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from todo_harness.accounts import Account, signup
from todo_harness.plugin import LOG_DIR
from todo_harness.processes import ServiceProcess

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SERVICES = ("backend", "mcp-server", "agent")
# Label values that would mean an id leaked into a label: a uuid, or a path segment of digits.
ID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-|/\d+(/|$)")


def scrape(process: ServiceProcess) -> tuple[str, Samples]:
    with urllib.request.urlopen(process.metrics_url, timeout=5) as response:
        text = response.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):  # raises on a malformed exposition
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum over the samples of `name` whose labels include `labels` (0 when there is none)."""
    return sum(v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items())


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def stack(
    db: str, backend_server: ServiceProcess, mcp_server_process: ServiceProcess, agent_server: ServiceProcess
) -> dict[str, ServiceProcess]:
    return {"backend": backend_server, "mcp-server": mcp_server_process, "agent": agent_server}


async def mcp_call(url: str, token: str, tool: str, arguments: dict[str, Any]) -> bool:
    """One tool call over the real protocol; True when the tool answered an error."""
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return bool((await session.call_tool(tool, arguments)).is_error)


async def test_counters_match_the_traffic_sent_and_labels_are_bounded(stack: dict[str, ServiceProcess]) -> None:
    before = {name: scrape(process)[1] for name, process in stack.items()}
    backend = stack["backend"]
    with httpx.Client(base_url=backend.url, timeout=60) as client:
        user = signup(client)
        created = [client.post(user.path(), json={"title": f"task {n}"}, headers=user.headers) for n in (1, 2)]
        assert [r.status_code for r in created] == [201, 201]
        assert client.get(user.path(), headers=user.headers).status_code == 200
        missing = client.get(user.path("/987654"), headers=user.headers)  # the failing request
        assert missing.status_code == 404
        turn = client.post(
            f"/api/{user.id}/chat", json={"message": "Add a task to buy groceries"}, headers=user.headers
        )
        assert turn.status_code == 200, turn.text
        assert [c["name"] for c in turn.json()["tool_calls"]] == ["add_task"]
    assert await mcp_call(stack["mcp-server"].url + "/mcp", user.token, "list_tasks", {}) is False
    assert await mcp_call(stack["mcp-server"].url + "/mcp", user.token, "complete_task", {"task_id": 987654}) is True

    scraped = {name: scrape(process) for name, process in stack.items()}
    after = {name: samples for name, (_text, samples) in scraped.items()}

    b = (before["backend"], after["backend"])
    requests = "todo_http_requests_total"
    assert delta(*b, requests, route="/api/auth/signup", method="POST", status="2xx") == 1
    assert delta(*b, requests, route="/api/{user_id}/tasks", method="POST", status="2xx") == 2
    assert delta(*b, requests, route="/api/{user_id}/tasks", method="GET", status="2xx") == 1
    assert delta(*b, requests, route="/api/{user_id}/tasks/{task_id}", method="GET", status="4xx") == 1
    assert delta(*b, requests, route="/api/{user_id}/chat", method="POST", status="2xx") == 1
    assert delta(*b, "todo_http_request_duration_seconds_count", route="/api/{user_id}/chat") == 1
    assert value(after["backend"], "todo_http_requests_in_flight") == 0  # the scrape is on another port

    a = (before["agent"], after["agent"])
    assert delta(*a, requests, route="/v1/chat", method="POST", status="2xx") == 1
    assert delta(*a, "todo_agent_turns_total", outcome="ok", streamed="false") == 1
    assert delta(*a, "todo_agent_tool_calls_total", tool="add_task", outcome="ok") == 1
    assert delta(*a, "todo_agent_tool_calls_total") == 1
    assert delta(*a, "todo_agent_tool_call_duration_seconds_count", tool="add_task") == 1
    assert delta(*a, "todo_agent_model_request_duration_seconds_count", model="local") >= 1

    m = (before["mcp-server"], after["mcp-server"])
    tool_calls = "todo_mcp_tool_calls_total"
    assert delta(*m, tool_calls, tool="add_task", outcome="ok") == 1  # the chat turn's
    assert delta(*m, tool_calls, tool="list_tasks", outcome="ok") == 1
    assert delta(*m, tool_calls, tool="complete_task", outcome="error") == 1  # "task 987654 not found"
    assert delta(*m, tool_calls) == 3
    assert delta(*m, requests, route="/mcp", method="POST", status="2xx") >= 3
    # The turn called a tool, so the MCP server saw its token: no separate /auth/check.
    assert delta(*m, requests, route="/auth/check", method="GET") == 0

    for name in ("backend", "mcp-server"):  # the services with a database
        samples = after[name]
        assert value(samples, "todo_db_pool_size") == 15  # DB_POOL_SIZE's default
        assert value(samples, "todo_db_pool_checked_out") == 0
        assert value(samples, "todo_db_pool_overflow") == 0
        assert delta(before[name], samples, "todo_db_query_duration_seconds_count", operation="SELECT") > 0
        assert delta(before[name], samples, "todo_db_query_duration_seconds_count", operation="INSERT") > 0

    for name, (text, samples) in scraped.items():
        assert user.id not in text and "987654" not in text, f"{name}: an id reached a label"
        label_values = {v for (_n, labels) in samples for _k, v in labels}
        assert not [v for v in label_values if ID_LIKE.search(v)], name
        routes = {dict(ls)["route"] for (n, ls) in samples if n == requests}
        assert all(r.startswith("/") or r == "unmatched" for r in routes), routes
        per_family = Counter(n for (n, _ls) in samples if n.startswith("todo_"))
        assert max(per_family.values()) < 300, per_family.most_common(3)  # bounded label sets


def _log_lines(service: str, request_id: str) -> list[dict[str, Any]]:
    lines = []
    for raw in (LOG_DIR / f"{service}.log").read_text(errors="replace").splitlines():
        if request_id in raw:
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def test_one_chat_turns_request_id_is_in_every_services_log_lines(stack: dict[str, ServiceProcess]) -> None:
    request_id = f"support-{uuid.uuid4().hex}"
    with httpx.Client(base_url=stack["backend"].url, timeout=60) as client:
        user: Account = signup(client)
        turn = client.post(
            f"/api/{user.id}/chat",
            json={"message": "Add a task to call the plumber"},
            headers={**user.headers, "X-Request-ID": request_id},
        )
        assert turn.status_code == 200, turn.text
        assert turn.headers["x-request-id"] == request_id
        # An id that is not safe to log is replaced, never echoed.
        odd = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
        assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])

    for service in SERVICES:
        lines = _log_lines(service, request_id)
        assert lines, f"{service}: no log line carries request id {request_id}"
        assert all(line["request_id"] == request_id for line in lines), service
        assert {line.get("user_id") for line in lines} == {user.id}, service
    tool_lines = [line for line in _log_lines("agent", request_id) if line["message"] == "tool call"]
    assert [(line["tool"], line["outcome"]) for line in tool_lines] == [("add_task", "ok")]
    assert tool_lines[0]["duration_ms"] >= 0
    [mcp_line] = [line for line in _log_lines("mcp-server", request_id) if line["message"] == "tool call"]
    assert mcp_line["tool"] == "add_task" and mcp_line["outcome"] == "ok"
